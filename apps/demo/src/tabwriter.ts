/**
 * Column alignment as Go's text/tabwriter does it (minwidth 0, padding 2,
 * space padding), which is what `kubectl describe` writes through: a cell is
 * text ended by a tab, and consecutive lines that have a cell in the same
 * column form a block whose cells are padded to the widest one plus two.
 */
export function alignTabs(text: string, padding = 2): string {
  const lines = text.split("\n").map((line) => line.split("\t"));
  const widths: number[][] = lines.map((cells) => cells.map(() => 0));
  const maxColumns = Math.max(0, ...lines.map((cells) => cells.length - 1));
  for (let column = 0; column < maxColumns; column++) {
    let start = 0;
    while (start < lines.length) {
      if ((lines[start]?.length ?? 0) - 1 <= column) {
        start++;
        continue;
      }
      let end = start;
      let width = 0;
      while (end < lines.length && (lines[end]?.length ?? 0) - 1 > column) {
        width = Math.max(width, Array.from(lines[end]?.[column] ?? "").length + padding);
        end++;
      }
      for (let i = start; i < end; i++) {
        const row = widths[i];
        if (row !== undefined) row[column] = width;
      }
      start = end;
    }
  }
  return lines
    .map((cells, i) =>
      cells
        .map((cell, column) =>
          column < cells.length - 1 ? cell.padEnd(widths[i]?.[column] ?? 0, " ") : cell,
        )
        .join(""),
    )
    .join("\n");
}
