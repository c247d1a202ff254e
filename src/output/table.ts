import type { ChalkInstance } from 'chalk';

/** A plain left-aligned table; the header is bold when colour is on. */
export function renderTable(header: string[], rows: string[][], color: ChalkInstance): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => [...(r[i] ?? '')].length)));
  const line = (cells: string[]) =>
    cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ');
  return [color.bold(line(header)), ...rows.map(line)].join('\n');
}
