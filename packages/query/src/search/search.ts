import { events, type StoredEvent, toEventsApiEvent } from "@msgevents/schema";
import { and, desc, eq, gte, lt, lte, or, type SQL, sql } from "drizzle-orm";
import type { NodePgDatabase } from "drizzle-orm/node-postgres";
import type { CursorPosition } from "../cursor.ts";
import { filterConditions } from "./conditions.ts";
import type { SearchQuery } from "./filters.ts";
import { textArray } from "./tokens.ts";

export interface SearchPage {
  /** Events in the Events API shape, newest first. */
  results: Record<string, unknown>[];
  /** Every match in the window, over all pages. */
  totalCount: number;
  /** Where the next page starts; absent on the last page. */
  next?: CursorPosition;
}

/** The columns an Events API result is rebuilt from (everything but the load bookkeeping). */
const resultColumns = {
  eventTime: events.eventTime,
  type: events.type,
  eventId: events.eventId,
  payload: events.payload,
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

/** Rows strictly after the position in the order (event_time, event_id, type) descending. */
function after(position: CursorPosition): SQL {
  return and(
    lte(events.eventTime, position.eventTime),
    or(
      lt(events.eventTime, position.eventTime),
      and(
        eq(events.eventTime, position.eventTime),
        sql`(${events.eventId}, ${events.type}) < (${position.eventId}, ${position.type})`,
      ),
    ),
  ) as SQL;
}

/**
 * One page of matching events, newest first, with the exact total. The page and the count run side by side on two
 * connections; a separate count(*) is far cheaper than count(*) OVER () on large matches.
 */
export async function searchEvents(db: NodePgDatabase, query: SearchQuery): Promise<SearchPage> {
  const { conditions, countByValue } = await filterConditions(db, query.filters);
  const matching = and(gte(events.eventTime, query.from), lt(events.eventTime, query.to), ...conditions) as SQL;
  const pageQuery = db
    .select(resultColumns)
    .from(events)
    .where(query.after ? and(matching, after(query.after)) : matching)
    .orderBy(desc(events.eventTime), desc(events.eventId), desc(events.type))
    .limit(query.perPage + 1)
    .offset(query.offset ?? 0);
  const countQuery = countByValue
    ? db
        .execute<{ count: string }>(
          sql`SELECT msgevents_count_by_value(${countByValue.column}, ${textArray(countByValue.values)}::text[], ${query.from}, ${query.to}) AS count`,
        )
        .then((result) => result.rows)
    : db.select({ count: sql<string>`count(*)` }).from(events).where(matching);
  const [rows, counted] = await Promise.all([pageQuery, countQuery]);

  const hasMore = rows.length > query.perPage;
  const page: StoredEvent[] = hasMore ? rows.slice(0, query.perPage) : rows;
  const last = page.at(-1);
  return {
    results: page.map(toEventsApiEvent),
    totalCount: Number(counted[0]?.count ?? 0),
    ...(hasMore && last ? { next: { eventTime: last.eventTime, eventId: last.eventId, type: last.type } } : {}),
  };
}
