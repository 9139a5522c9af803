/**
 * A table of rows under named columns, in a region that scrolls sideways on a narrow screen (focusable, so a
 * keyboard can scroll it too). Numeric columns align right.
 */
import type { ComponentChildren } from 'preact';

export interface Column<Row> {
  header: string;
  numeric?: boolean;
  cell: (row: Row) => ComponentChildren;
}

export function DataTable<Row>({ label, caption, columns, rows, rowKey, rowAttributes }: {
  label: string;
  caption?: string;
  columns: Column<Row>[];
  rows: Row[];
  rowKey: (row: Row) => string;
  rowAttributes?: (row: Row) => Record<string, string>;
}) {
  return (
    <div class="table-scroll" role="region" aria-label={label} tabIndex={0}>
      <table>
        {caption && <caption>{caption}</caption>}
        <thead>
          <tr>
            {columns.map((column) => (
              <th scope="col" class={column.numeric ? 'number' : undefined}>
                {column.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={rowKey(row)} {...(rowAttributes?.(row) ?? {})}>
              {columns.map((column) => (
                <td class={column.numeric ? 'number' : undefined}>{column.cell(row)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
