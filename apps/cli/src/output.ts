import { once } from "node:events";
import type { Writable } from "node:stream";
import Table from "cli-table3";
import { stringify } from "csv-stringify/sync";
import { usageError } from "./errors.ts";

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
  const columns = value
    .split(",")
    .map((column) => column.trim())
    .filter((column) => column !== "");
  if (columns.length === 0) throw usageError("--columns needs at least one field name, e.g. timestamp,type,rcpt_to");
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

const TABLE_CELL_MAX = 60;

export function createSink(format: OutputFormat, out: Writable, columns: readonly string[]): RowSink {
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
          const table = new Table({ head: [...columns], wordWrap: false });
          for (const row of rows) table.push(columns.map((column) => truncate(cellText(row[column]))));
          await writeText(out, `${table.toString()}\n`);
        },
        end: async () => {},
      };
  }
}

function truncate(text: string): string {
  return text.length > TABLE_CELL_MAX ? `${text.slice(0, TABLE_CELL_MAX - 1)}…` : text;
}
