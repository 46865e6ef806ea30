// Plain-text tables: left-aligned labels, right-aligned figures.

/** Renders rows under a header; every column is as wide as its widest cell. `left` columns are labels. */
export const renderTable = (
  header: readonly string[],
  rows: readonly (readonly string[])[],
  left: readonly number[] = [0],
  indent = '  ',
): string => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    indent +
    cells
      .map((cell, i) => (left.includes(i) ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
};

/** A number with thousands separators and fixed decimals. */
export const num = (value: number, decimals = 0): string =>
  value.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
