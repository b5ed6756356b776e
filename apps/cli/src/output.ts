import { once } from "node:events";
import type { Writable } from "node:stream";
import Table from "cli-table3";
import { stringify } from "csv-stringify/sync";
import { usageError } from "./errors.ts";
import { fitColumns, type TerminalInfo } from "./terminal.ts";

export const OUTPUT_FORMATS = ["table", "json", "ndjson", "csv"] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export type Row = Record<string, unknown>;

/** Writes rows page by page, so a walk over a million events never holds more than one page. */
export interface RowSink {
  write(rows: readonly Row[]): Promise<void>;
  end(): Promise<void>;
}

/** The table for a terminal, JSON for a pipe: the default when --format is not given. */
export function defaultFormat(stdout: { isTTY?: boolean }): OutputFormat {
  return stdout.isTTY ? "table" : "json";
}

export function parseFormat(value: string): OutputFormat {
  if ((OUTPUT_FORMATS as readonly string[]).includes(value)) return value as OutputFormat;
  throw usageError(`--format ${value} is not one of ${OUTPUT_FORMATS.join(", ")}`);
}

export function parseColumns(value: string): string[] {
  const columns = value.split(",").map((column) => column.trim());
  if (columns.every((column) => column === ""))
    throw usageError("--columns needs at least one field name, e.g. timestamp,type,rcpt_to");
  if (columns.some((column) => column === "")) {
    throw usageError(`--columns ${JSON.stringify(value)} has an empty item: remove the extra ","`);
  }
  return columns;
}

/** Waits for the stream to drain when it asks to, so a slow reader slows the walk instead of filling memory. */
export async function writeText(out: Writable, text: string): Promise<void> {
  if (text === "") return;
  if (!out.write(text)) await once(out, "drain");
}

export function cellText(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/** Table cells are one line: line breaks and tabs in a value (a subject, a reason) would break the layout. */
const oneLine = (text: string) => text.replace(/[\r\n\t]+/g, " ");

export function createSink(
  format: OutputFormat,
  out: Writable,
  columns: readonly string[],
  terminal: TerminalInfo = { color: false },
): RowSink {
  switch (format) {
    case "ndjson":
      return {
        write: (rows) => writeText(out, rows.map((row) => `${JSON.stringify(row)}\n`).join("")),
        end: async () => {},
      };
    case "json": {
      let first = true;
      return {
        async write(rows) {
          if (rows.length === 0) return;
          const items = rows.map((row) => JSON.stringify(row)).join(",\n");
          await writeText(out, `${first ? "[\n" : ",\n"}${items}`);
          first = false;
        },
        end: () => writeText(out, first ? "[]\n" : "\n]\n"),
      };
    }
    case "csv": {
      let header = true;
      return {
        async write(rows) {
          const records = rows.map((row) => columns.map((column) => cellText(row[column])));
          await writeText(out, stringify(records, { header, columns: [...columns] }));
          header = false;
        },
        // An empty result still gets its header line, so tools reading the file find the columns.
        end: () =>
          header ? writeText(out, stringify([], { header: true, columns: [...columns] })) : Promise.resolve(),
      };
    }
    case "table":
      return {
        async write(rows) {
          if (rows.length === 0) return;
          const cells = rows.map((row) => columns.map((column) => oneLine(cellText(row[column]))));
          const widths = columns.map((column, index) =>
            Math.max(column.length, ...cells.map((line) => (line[index] as string).length)),
          );
          const table = new Table({
            head: [...columns],
            colWidths: fitColumns(widths, terminal.width),
            wordWrap: false,
            // One line per row: no rule between rows, so a terminal shows as many rows as it has lines.
            chars: { mid: "", "left-mid": "", "mid-mid": "", "right-mid": "" },
            style: terminal.color ? { head: ["cyan"], border: ["grey"] } : { head: [], border: [] },
          });
          table.push(...cells);
          await writeText(out, `${table.toString()}\n`);
        },
        end: async () => {},
      };
  }
}
