import { events, type StoredEvent, withNamedTexts } from "@msgevents/schema";
import { and, desc, eq, lt, lte, or, type SQL, type SQLWrapper, sql } from "drizzle-orm";
import type { NodePgDatabase } from "drizzle-orm/node-postgres";
import type pg from "pg";
import type { CursorPosition } from "../cursor.ts";
import type { SearchQuery } from "./filters.ts";

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
  numRetries: events.numRetries,
  queueTime: events.queueTime,
  msgSize: events.msgSize,
  subjectRef: events.subjectRef,
  friendlyFromRef: events.friendlyFromRef,
  transmissionRef: events.transmissionRef,
  payloadRef: events.payloadRef,
};

/**
 * Runs a select of resultColumns (in their order, as drizzle writes them) and reads each row by position, with the
 * texts stored as ids named (withNamedTexts). pg's own parsers give the values drizzle's columns would (a Date for
 * the time, a Buffer for the body, the payload parsed), but drizzle's row mapping allocates about 175 bytes per cell:
 * 4.2 MB of a 1,000-event page's 13.4 MB, whose collections land in the searches' times.
 */
export async function readEvents(
  db: NodePgDatabase,
  select: { toSQL(): { sql: string; params: unknown[] } },
): Promise<StoredEvent[]> {
  const { sql: text, params } = select.toSQL();
  const client = (db as NodePgDatabase & { $client: pg.Pool | pg.ClientBase }).$client;
  const result = await client.query<unknown[]>({ text, values: params, rowMode: "array" });
  if (result.fields.length !== RESULT_KEYS.length) {
    throw new Error(`a page's select returned ${result.fields.length} columns, not the ${RESULT_KEYS.length} results`);
  }
  return withNamedTexts(client, result.rows.map(eventOfRow));
}

/** One row of resultColumns, by position: an object literal, which V8 lays out once for every row. */
function eventOfRow(row: unknown[]): StoredEvent {
  return {
    eventTime: row[0],
    type: row[1],
    eventId: row[2],
    payload: row[3],
    body: row[4],
    messageId: row[5],
    transmissionId: row[6],
    recipient: row[7],
    recipientDomain: row[8],
    friendlyFrom: row[9],
    sendingDomain: row[10],
    subject: row[11],
    campaignId: row[12],
    templateId: row[13],
    ipPool: row[14],
    sendingIp: row[15],
    reason: row[16],
    bounceClass: row[17],
    subaccountId: row[18],
    customerId: row[19],
    mailboxProvider: row[20],
    mailboxProviderRegion: row[21],
    abTestId: row[22],
    abTestVersion: row[23],
    numRetries: row[24],
    queueTime: row[25],
    msgSize: row[26],
    subjectRef: row[27],
    friendlyFromRef: row[28],
    transmissionRef: row[29],
    payloadRef: row[30],
  } as StoredEvent;
}

const RESULT_KEYS = Object.keys(resultColumns);
// eventOfRow's keys are resultColumns' in their order, or every page would be misread: checked once, at load.
if (Object.keys(eventOfRow([])).join() !== RESULT_KEYS.join()) {
  throw new Error("eventOfRow must list resultColumns' keys in their order");
}

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
  return readEvents(
    db,
    db
      .select(resultColumns)
      .from(events)
      .where(where)
      .orderBy(...NEWEST_FIRST)
      .limit(query.perPage + 1)
      .offset(query.offset ?? 0),
  );
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
  return readEvents(
    db,
    db
      .select(columns)
      .from(newest)
      .where(and(...exact))
      .orderBy(desc(newest.eventTime), desc(newest.eventId), desc(newest.type))
      .limit(query.perPage + 1)
      .offset(query.offset ?? 0),
  );
}

/** How many rows `where` selects. */
export async function countQuery(db: NodePgDatabase, where: SQL): Promise<number> {
  const [row] = await db.select({ count: sql<string>`count(*)` }).from(events).where(where);
  return Number(row?.count ?? 0);
}
