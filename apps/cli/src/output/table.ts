/**
 * Plain-text tables as kubectl prints them: a header row, columns separated by three spaces and
 * padded to the widest cell, no borders. A cell may hold several lines; the row then takes as
 * many lines, and the other cells stay on its first line.
 */

/** One cell: a string (may contain newlines) or its lines. */
export type Cell = string | readonly string[];

const SEPARATOR = "   ";

function linesOf(cell: Cell): readonly string[] {
  const lines = typeof cell === "string" ? cell.split("\n") : cell;
  return lines.length === 0 ? [""] : lines;
}

/** Display width of a string: code points, as the terminal shows the text this CLI prints. */
export function displayWidth(text: string): number {
  return Array.from(text).length;
}

/** Renders `rows` under `headers`; every line ends with a newline and has no trailing spaces. */
export function renderTable(
  headers: readonly string[],
  rows: readonly (readonly Cell[])[],
): string {
  const table = [
    headers.map((h) => [h]),
    ...rows.map((row) => headers.map((_, i) => linesOf(row[i] ?? ""))),
  ];
  const widths = headers.map((_, col) =>
    Math.max(...table.map((row) => Math.max(...(row[col] ?? [""]).map(displayWidth)))),
  );
  let out = "";
  for (const row of table) {
    const height = Math.max(...row.map((cell) => cell.length));
    for (let line = 0; line < height; line++) {
      const text = row
        .map((cell, col) => {
          const value = cell[line] ?? "";
          return col === row.length - 1
            ? value
            : value + " ".repeat((widths[col] ?? 0) - displayWidth(value));
        })
        .join(SEPARATOR)
        .trimEnd();
      out += `${text}\n`;
    }
  }
  return out;
}
