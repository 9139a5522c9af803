/** How the console writes numbers, money and ages. */

export function formatUsd(value: number | undefined): string {
  if (value === undefined) return '–';
  if (value === 0) return '$0.00';
  // Sessions often cost fractions of a cent: four decimals below a dollar, six below a hundredth of a cent.
  return `$${value.toFixed(value >= 1 ? 2 : value >= 0.0001 ? 4 : 6)}`;
}

export function formatCount(value: number | undefined): string {
  return value === undefined ? '–' : value.toLocaleString('en-US');
}

export function formatAge(iso: string, now = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86_400)}d`;
}

export const statusLabel = (status: string): string => status.replace(/_/g, ' ');

export function firstLine(text: string | undefined): string {
  return (text ?? '').split('\n')[0] ?? '';
}
