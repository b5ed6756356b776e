/** What the CLI may assume about where its output goes: how wide, whether colours are welcome. */
export interface TerminalInfo {
  /** Columns to fit tables into; undefined when unknown (a pipe without COLUMNS): tables are then not narrowed. */
  width?: number;
  /** ANSI colours only on a terminal, and never with NO_COLOR (https://no-color.org) or TERM=dumb. */
  color: boolean;
}

export function terminalOf(stream: { isTTY?: boolean; columns?: number }, env: NodeJS.ProcessEnv): TerminalInfo {
  const fromEnv = Number(env.COLUMNS);
  const width = Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : stream.isTTY ? stream.columns : undefined;
  const color = stream.isTTY === true && !env.NO_COLOR && env.TERM !== "dumb";
  return { ...(width ? { width } : {}), color };
}

/** Widest a table cell gets, however wide the terminal: one long value must not push the others off screen. */
export const CELL_MAX = 60;
/** Narrowest a squeezed column gets (padding included): one character and an ellipsis still say what is there. */
const COLUMN_MIN = 5;

/**
 * Column widths (cli-table3's, padding included) that fit `width` columns with the borders: each column as wide as
 * its widest cell up to CELL_MAX, and when that is too wide, the widest columns narrowed first to a common cap, so
 * short columns (type, timestamp) stay whole while long ones (subject, ids) are cut with an ellipsis.
 */
export function fitColumns(contentWidths: readonly number[], width: number | undefined): number[] {
  const wanted = contentWidths.map((content) => Math.min(Math.max(content, 1), CELL_MAX) + 2);
  if (width === undefined) return wanted;
  const budget = width - (wanted.length + 1);
  const total = (cap: number) => wanted.reduce((sum, column) => sum + Math.min(column, cap), 0);
  if (total(Number.POSITIVE_INFINITY) <= budget) return wanted;
  let cap = COLUMN_MIN;
  while (cap < CELL_MAX + 2 && total(cap + 1) <= budget) cap++;
  const capped = wanted.map((column) => Math.min(column, cap));
  // Whatever the cap leaves unused goes to the capped columns, left to right, so the table uses the whole width.
  let spare = budget - total(cap);
  for (let index = 0; index < capped.length && spare > 0; index++) {
    const column = capped[index] as number;
    const room = (wanted[index] as number) - column;
    const extra = Math.min(room, spare);
    capped[index] = column + extra;
    spare -= extra;
  }
  return capped;
}
