/** Prints rows of records as an aligned text table (unless `print` is false) and returns it, for the README. */
export function table(title: string, rows: readonly Record<string, string | number>[], print = true): string {
  if (rows.length === 0) return `${title}\n(no rows)\n`;
  const columns = Object.keys(rows[0]!);
  const cells = rows.map((row) => columns.map((column) => format(row[column])));
  const widths = columns.map((column, index) => Math.max(column.length, ...cells.map((line) => line[index]!.length)));
  const line = (values: readonly string[]): string => `| ${values.map((value, index) => value.padEnd(widths[index]!)).join(' | ')} |`;
  const text = [`${title}`, '', line(columns), `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`, ...cells.map(line), ''].join('\n');
  if (print) console.log(text);
  return text;
}

function format(value: string | number | undefined): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return String(value);
  return Math.abs(value) >= 100 ? value.toFixed(0) : Math.abs(value) >= 10 ? value.toFixed(1) : value.toFixed(2);
}
