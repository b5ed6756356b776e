// The "bulk" load: the most favourable state a database can be in. Events are inserted with the secondary indexes
// dropped, the indexes built afterwards, the ended days' search counts and rollups compacted and the engagement rows
// pruned as the hourly maintenance keeps them, the tables those emptied rewritten at their compacted size, then
// VACUUM ANALYZE of the whole database and a checkpoint, so that no write-back of the load runs under the searches.
import {
  compactEndedDays,
  events,
  normalizeBatch,
  pruneEngagement,
  toEventRows,
  UPSERTED_TABLES,
} from "@msgevents/schema";
import { storeNumberedTexts, TextNumbering } from "@msgevents/schema/testing";
import type pg from "pg";

/**
 * The derived tables whose rows compaction and pruning delete: those the triggers upsert, and the day search counts,
 * whose rows a compaction replaces. Their free pages are reused by later days' rows as operated; a bulk load has no
 * later days, so they are rewritten instead.
 */
const EMPTIED_BY_MAINTENANCE = [...UPSERTED_TABLES, "search_token_day_counts"];

export interface BulkOptions {
  pool: pg.Pool;
  /** The traffic's clock: the engagement rows of days before it minus the kept days are pruned. */
  now: Date;
  /** Webhook records in time order. */
  generator: { take(count: number): unknown[] };
  total: number;
  batchSize: number;
  onRecords(records: unknown[]): void;
}

export async function loadBulk(options: BulkOptions): Promise<string> {
  const { pool } = options;
  const indexes = await pool.query<{ indexdef: string; indexname: string }>(
    "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'events' AND indexname <> 'events_pkey'",
  );
  for (const { indexname } of indexes.rows) await pool.query(`DROP INDEX ${indexname}`);

  const loadStarted = performance.now();
  // Subjects, senders and transmissions as ids, as the loader stores them (numbered here, the index being dropped).
  const texts = new TextNumbering();
  let pending: Promise<unknown> = Promise.resolve();
  for (let done = 0; done < options.total; done += options.batchSize) {
    const records = options.generator.take(Math.min(options.batchSize, options.total - done));
    options.onRecords(records);
    // One batch number for the bulk load, as the loader gives each batch one (the batch's row is not needed here).
    const rows = (await toEventRows(normalizeBatch(records).events, { batchNumber: 1 })).map((row) => texts.named(row));
    // The columns as json_populate_recordset reads them: database names, bodies as bytea's hex text.
    const json = JSON.stringify(
      rows.map((row) =>
        Object.fromEntries(
          Object.entries(events).map(([key, column]) => {
            const value = row[key as keyof typeof row];
            return [column.name, Buffer.isBuffer(value) ? `\\x${value.toString("hex")}` : value];
          }),
        ),
      ),
    );
    await pending;
    // The texts first: the search counts' trigger reads the texts the rows name.
    await storeNumberedTexts(pool, texts.takeNew());
    pending = pool.query("INSERT INTO events SELECT * FROM json_populate_recordset(NULL::events, $1::json)", [json]);
  }
  await pending;
  const loadSeconds = (performance.now() - loadStarted) / 1000;
  const indexStarted = performance.now();
  await Promise.all(indexes.rows.map(({ indexdef }) => pool.query(indexdef.replace(" ON ONLY ", " ON "))));
  const indexSeconds = (performance.now() - indexStarted) / 1000;
  const compactionStarted = performance.now();
  const compacted = await compactEndedDays(pool, { budgetMs: Number.POSITIVE_INFINITY });
  const pruned = await pruneEngagement(pool, { now: options.now, budgetMs: Number.POSITIVE_INFINITY });
  await pool.query(`VACUUM FULL ${EMPTIED_BY_MAINTENANCE.join(", ")}`);
  const compactionSeconds = (performance.now() - compactionStarted) / 1000;
  const vacuumStarted = performance.now();
  // Every table, the rollups and search counts the triggers filled included: nothing left for autovacuum to do.
  await pool.query("VACUUM ANALYZE");
  await pool.query("CHECKPOINT");
  const vacuumSeconds = (performance.now() - vacuumStarted) / 1000;
  return (
    `load ${loadSeconds.toFixed(1)} s, index build ${indexSeconds.toFixed(1)} s, search counts and rollups of ` +
    `${compacted.length} ended days compacted and engagement rows of ${pruned.pruned.length} pruned, then rewritten ` +
    `${compactionSeconds.toFixed(1)} s, VACUUM ANALYZE and CHECKPOINT ${vacuumSeconds.toFixed(1)} s`
  );
}
