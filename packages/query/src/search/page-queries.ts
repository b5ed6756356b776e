import type { ValueListedField } from "@msgevents/schema";
import { events, type StoredEvent } from "@msgevents/schema";
import { and, desc, eq, lt, lte, or, type SQL, type SQLWrapper, sql } from "drizzle-orm";
import type { NodePgDatabase } from "drizzle-orm/node-postgres";
import type { CursorPosition } from "../cursor.ts";
import type { SearchQuery } from "./filters.ts";
import { textArray } from "./tokens.ts";

/** The columns an Events API result is rebuilt from (everything but the load bookkeeping). */
export const resultColumns = {
  eventTime: events.eventTime,
  type: events.type,
  eventId: events.eventId,
  payload: events.payload,
  body: events.body,
  messageId: events.messageId,
  transmissionId: events.transmissionId,
  recipient: events.recipient,
  recipientDomain: events.recipientDomain,
  friendlyFrom: events.friendlyFrom,
  sendingDomain: events.sendingDomain,
  subject: events.subject,
  campaignId: events.campaignId,
  templateId: events.templateId,
  ipPool: events.ipPool,
  sendingIp: events.sendingIp,
  reason: events.reason,
  bounceClass: events.bounceClass,
  subaccountId: events.subaccountId,
  customerId: events.customerId,
  mailboxProvider: events.mailboxProvider,
  mailboxProviderRegion: events.mailboxProviderRegion,
  abTestId: events.abTestId,
  abTestVersion: events.abTestVersion,
};

export const NEWEST_FIRST = [desc(events.eventTime), desc(events.eventId), desc(events.type)];

/**
 * Rows strictly after the position in the order (event_time, event_id, type) descending; `eventTime` is the time
 * column, or an expression of it that no index serves (see partition-queries.ts).
 */
export function afterPosition(position: CursorPosition, eventTime: SQLWrapper = events.eventTime): SQL {
  return and(
    lte(eventTime, position.eventTime),
    or(
      lt(eventTime, position.eventTime),
      and(
        eq(eventTime, position.eventTime),
        sql`(${events.eventId}, ${events.type}) < (${position.eventId}, ${position.type})`,
      ),
    ),
  ) as SQL;
}

/** The page (one row more than asked, to tell whether another page follows) of the rows `where` selects. */
export function pageQuery(db: NodePgDatabase, where: SQL, query: SearchQuery): Promise<StoredEvent[]> {
  return db
    .select(resultColumns)
    .from(events)
    .where(where)
    .orderBy(...NEWEST_FIRST)
    .limit(query.perPage + 1)
    .offset(query.offset ?? 0);
}

/**
 * The same page found by walking the time index from the newest row: at most `scanLimit` rows of the window (after
 * the cursor) are read, each tested with `exact` only, so the walk stops as soon as the page is full and never
 * computes a row's search tokens. Complete when it returns perPage + 1 rows; fewer may mean the walk gave up.
 */
export function timeWalkPageQuery(
  db: NodePgDatabase,
  window: SQL,
  exact: SQL[],
  query: SearchQuery,
  scanLimit: number,
): Promise<StoredEvent[]> {
  // Aliased as events, so that the filter conditions (written against events) apply to the walked rows.
  const newest = db
    .select()
    .from(events)
    .where(window)
    .orderBy(...NEWEST_FIRST)
    .limit(scanLimit)
    .as("events");
  const columns = Object.fromEntries(
    Object.keys(resultColumns).map((key) => [key, newest[key as keyof typeof resultColumns]]),
  ) as { [K in keyof typeof resultColumns]: (typeof newest)[K] };
  return db
    .select(columns)
    .from(newest)
    .where(and(...exact))
    .orderBy(desc(newest.eventTime), desc(newest.eventId), desc(newest.type))
    .limit(query.perPage + 1)
    .offset(query.offset ?? 0);
}

/** How many rows `where` selects. */
export async function countQuery(db: NodePgDatabase, where: SQL): Promise<number> {
  const [row] = await db.select({ count: sql<string>`count(*)` }).from(events).where(where);
  return Number(row?.count ?? 0);
}

/** How many events of the window hold one of the values in their column, counted partition by partition. */
export async function countByValueQuery(
  db: NodePgDatabase,
  byValue: { column: ValueListedField; values: string[] },
  query: SearchQuery,
): Promise<number> {
  const result = await db.execute<{ count: string }>(
    sql`SELECT msgevents_count_by_value(${byValue.column}, ${textArray(byValue.values)}::text[], ${query.from}, ${query.to}) AS count`,
  );
  return Number(result.rows[0]?.count ?? 0);
}
