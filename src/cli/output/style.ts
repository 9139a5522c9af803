/**
 * Colour for the CLI's human output: on when the stream is a terminal, off when it is not, when `NO_COLOR` is
 * set or with `--no-color`; `FORCE_COLOR` turns it on anywhere. Client-side.
 */
import { styleText } from 'node:util';

type Format = Parameters<typeof styleText>[0];

export interface Style {
  readonly enabled: boolean;
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  blue(text: string): string;
  magenta(text: string): string;
  cyan(text: string): string;
}

/** Whether to colour output written to `stream`, given the `--color` flag (commander's `--no-color` sets it false). */
export function colorEnabled(stream: NodeJS.WriteStream, flag: boolean | undefined, environment = process.env): boolean {
  if (flag === false) return false;
  if (environment.NO_COLOR !== undefined && environment.NO_COLOR !== '') return false;
  if (environment.FORCE_COLOR !== undefined && environment.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true;
}

export function createStyle(enabled: boolean): Style {
  const apply = (format: Format) => (text: string) => (enabled ? styleText(format, text) : text);
  return {
    enabled,
    bold: apply('bold'),
    dim: apply('dim'),
    red: apply('red'),
    green: apply('green'),
    yellow: apply('yellow'),
    blue: apply('blue'),
    magenta: apply('magenta'),
    cyan: apply('cyan'),
  };
}
