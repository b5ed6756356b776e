import { DAY_MS, eventSearchHashes, eventTextRefs, utcDay } from "@msgevents/schema";
import { PgDialect } from "drizzle-orm/pg-core";
import type pg from "pg";

type Db = Pick<pg.ClientBase, "query">;

/** The events search index's expression, repeated verbatim so that the lookup uses that index. */
const SEARCH_HASHES = new PgDialect().sqlToQuery(eventSearchHashes).sql;
/** The ids of the texts a row names (migration 0030). */
const TEXT_REFS_SQL = new PgDialect().sqlToQuery(eventTextRefs).sql;

export interface EventKey {
  eventId: string;
  type: string;
  eventTime: Date;
}

export interface FoundEvent extends EventKey {
  batchId: string;
  recipient: string;
  subaccount: number;
}

/** The UTC days that have an events partition, from `fromDay` on (inclusive), oldest first. */
export async function partitionDays(db: Db, fromDay: string | null): Promise<string[]> {
  const { rows } = await db.query<{ day: string }>(
    `SELECT to_char(to_date(substr(c.relname, 8), 'YYYYMMDD'), 'YYYY-MM-DD') AS day
     FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = 'events'::regclass AND c.relname ~ '^events_[0-9]{8}$'
     ORDER BY c.relname`,
  );
  return rows.map((row) => row.day).filter((day) => fromDay === null || day >= fromDay);
}

/**
 * The events of one UTC day whose rcpt_to has one of `tokens` in the search index (the recipients' `r=` tokens), read
 * through that index. A 32-bit token can collide with another address's: callers keep only the events whose
 * recipient's keyed hash is wanted.
 */
export async function findEventsInDay(db: Db, day: string, tokens: readonly number[]): Promise<FoundEvent[]> {
  const from = new Date(`${day}T00:00:00.000Z`);
  const { rows } = await db.query<{
    event_id: string;
    type: string;
    event_time: Date;
    batch_id: string;
    rcpt_to: string | null;
    subaccount_id: number | null;
  }>(
    // Events name their batch by number since migration 0014, by id before it.
    `SELECT e.event_id, e.type, e.event_time, coalesce(e.batch_id, b.batch_id) AS batch_id, e.rcpt_to, e.subaccount_id
     FROM events AS e LEFT JOIN batches AS b ON b.batch_number = e.batch_number
     WHERE e.event_time >= $1 AND e.event_time < $2 AND ${SEARCH_HASHES} && $3::int[]`,
    [from, new Date(from.getTime() + DAY_MS), tokens],
  );
  return rows.flatMap((row) =>
    row.rcpt_to === null
      ? []
      : [
          {
            eventId: row.event_id,
            type: row.type,
            eventTime: row.event_time,
            batchId: row.batch_id,
            recipient: row.rcpt_to,
            subaccount: row.subaccount_id ?? 0,
          },
        ],
  );
}

/**
 * Deletes these events (day by day, so that each statement reads one partition), and the Metrics API's record of
 * their messages (metric_engagement: message ids, which point at a person; the rollup counts themselves are kept, see
 * the README), and the subjects, senders and transmissions they named by id that no other event names (a subject may
 * name its recipient), and likewise their recipient payloads (rcpt_meta and rcpt_tags: about the recipient). The search counts go down by the DELETE trigger. Returns how many events were deleted.
 */
export async function deleteEvents(db: Db, keys: readonly EventKey[]): Promise<number> {
  const byDay = new Map<string, EventKey[]>();
  for (const key of keys) {
    const day = utcDay(key.eventTime);
    byDay.set(day, [...(byDay.get(day) ?? []), key]);
  }
  let deleted = 0;
  const namedTexts = new Set<number>();
  const namedPayloads = new Set<number>();
  for (const [day, dayKeys] of [...byDay].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const from = new Date(`${day}T00:00:00.000Z`);
    const { rows } = await db.query<{
      event_time: Date;
      message_id: string | null;
      text_ids: number[];
      payload_ref: number | null;
    }>(
      `DELETE FROM events AS e
       USING unnest($1::text[], $2::text[], $3::timestamptz[]) AS d(event_id, type, event_time)
       WHERE e.event_time >= $4 AND e.event_time < $5
         AND e.event_id = d.event_id AND e.type = d.type AND e.event_time = d.event_time
       RETURNING e.event_time, e.message_id, ${TEXT_REFS_SQL} AS text_ids, e.payload_ref`,
      [
        dayKeys.map((key) => key.eventId),
        dayKeys.map((key) => key.type),
        dayKeys.map((key) => key.eventTime),
        from,
        new Date(from.getTime() + DAY_MS),
      ],
    );
    deleted += rows.length;
    for (const row of rows) {
      for (const id of row.text_ids) namedTexts.add(id);
      if (row.payload_ref !== null) namedPayloads.add(row.payload_ref);
    }
    const messages = rows.filter((row) => row.message_id !== null);
    if (messages.length > 0) {
      // A message's engagement row of a day also holds its events of the next day's first half hour (the hours of
      // :15 and :30 zones that run into it), kept in the previous day's row.
      await db.query(
        `DELETE FROM metric_engagement AS g
         USING (
           SELECT DISTINCT d.day, m.message_id
           FROM unnest($1::timestamptz[], $2::text[]) AS m(event_time, message_id)
           CROSS JOIN LATERAL (VALUES ((m.event_time AT TIME ZONE 'UTC')::date),
                                      ((m.event_time AT TIME ZONE 'UTC')::date - 1)) AS d(day)
         ) AS x
         WHERE g.day = x.day AND g.message_id = x.message_id`,
        [messages.map((row) => row.event_time), messages.map((row) => row.message_id)],
      );
    }
  }
  if (namedTexts.size > 0) {
    await db.query("SELECT msgevents_collect_event_texts($1::integer[])", [[...namedTexts]]);
  }
  if (namedPayloads.size > 0) {
    await db.query("SELECT msgevents_collect_event_payloads($1::integer[])", [[...namedPayloads]]);
  }
  return deleted;
}
