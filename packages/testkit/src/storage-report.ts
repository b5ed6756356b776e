import type pg from "pg";

export interface StorageRow {
  name: string;
  bytes: number;
}

/**
 * Every object of the schema, all in (pg_total_relation_size of each table: heap, TOAST and indexes; partitions
 * summed into their parent), then each index on its own (partition indexes summed into their parent index).
 */
export async function measureStorage(pool: pg.Pool): Promise<{ tables: StorageRow[]; indexes: StorageRow[] }> {
  const tables = await pool.query<{ name: string; bytes: string }>(`
    SELECT coalesce(parent.relname, c.relname) AS name, sum(pg_total_relation_size(c.oid))::bigint AS bytes
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_inherits i ON i.inhrelid = c.oid
    LEFT JOIN pg_class parent ON parent.oid = i.inhparent
    WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'm')
    GROUP BY 1 ORDER BY 2 DESC, 1`);
  const indexes = await pool.query<{ name: string; bytes: string }>(`
    SELECT coalesce(parent.relname, c.relname) AS name, sum(pg_relation_size(c.oid))::bigint AS bytes
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_inherits i ON i.inhrelid = c.oid
    LEFT JOIN pg_class parent ON parent.oid = i.inhparent
    WHERE n.nspname = current_schema() AND c.relkind = 'i'
    GROUP BY 1 ORDER BY 2 DESC, 1`);
  const rows = (result: pg.QueryResult<{ name: string; bytes: string }>) =>
    result.rows.map(({ name, bytes }) => ({ name, bytes: Number(bytes) }));
  return { tables: rows(tables), indexes: rows(indexes) };
}

/** The storage table: B/event of every table (all in) and of each index, beside the raw JSON the events came as. */
export function formatStorage(
  storage: { tables: StorageRow[]; indexes: StorageRow[] },
  events: number,
  rawRecordBytes: number,
): string {
  const perEvent = (bytes: number) => (bytes / events).toFixed(1);
  const ratio = (bytes: number) => `${(bytes / rawRecordBytes).toFixed(3)}x`;
  const total = storage.tables.reduce((sum, row) => sum + row.bytes, 0);
  const lines: string[][] = [
    ["raw JSON (webhook records)", perEvent(rawRecordBytes), "1.000x"],
    ...storage.tables.map((row) => [`table ${row.name} (all in)`, perEvent(row.bytes), ratio(row.bytes)]),
    ...storage.indexes.map((row) => [`  index ${row.name}`, perEvent(row.bytes), ratio(row.bytes)]),
    ["TOTAL, every object of the schema", perEvent(total), ratio(total)],
  ];
  const widths = [0, 1, 2].map((i) => Math.max(...lines.map((line) => (line[i] ?? "").length)));
  return lines
    .map((line) =>
      line.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join("  "),
    )
    .join("\n");
}

/** Total bytes of every object of the schema. */
export function totalBytes(storage: { tables: StorageRow[] }): number {
  return storage.tables.reduce((sum, row) => sum + row.bytes, 0);
}
