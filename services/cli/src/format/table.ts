// Tables for people: a header row and columns padded to their widest cell, as kubectl prints
// them. Cells are plain strings (already localised and coloured by the caller).
import { printable } from './printable.js';
import { type Style, visibleWidth } from './style.js';

export interface TableOptions {
  /** Columns aligned right (numbers), by index. */
  readonly right?: readonly number[];
  readonly style?: Style;
}

export function renderTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  options: TableOptions = {},
): string {
  // Escaped before measuring, so a cell with control characters keeps its column aligned.
  const cells = rows.map((row) => row.map((cell) => printable(cell, true)));
  const widths = header.map((cell, i) =>
    Math.max(visibleWidth(cell), ...cells.map((row) => visibleWidth(row[i] ?? ''))),
  );
  const right = new Set(options.right ?? []);
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => {
        const pad = ' '.repeat((widths[i] ?? 0) - visibleWidth(cell));
        return right.has(i) ? pad + cell : i === cells.length - 1 ? cell : cell + pad;
      })
      .join('  ')
      .trimEnd();
  const head = line(header);
  return [options.style ? options.style.bold(head) : head, ...cells.map(line)].join('\n') + '\n';
}
