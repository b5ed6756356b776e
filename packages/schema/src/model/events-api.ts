import type { EventRow } from "../db/tables.ts";
import { BodyDecodeError, decodeBodies, decodeBody } from "../encoding/body-codec.ts";
import { compareJsonbKeys } from "../encoding/jsonb-order.ts";
import { INTEGER_COLUMNS, METRIC_COLUMNS, TEXT_COLUMNS } from "./columns.ts";
import type { NormalizedEvent } from "./normalize.ts";
import { formatEventsApiTime, parseEventTimestamp } from "./timestamp.ts";

export type StoredEvent = Pick<EventRow, "eventTime" | "type" | "eventId" | "payload"> &
  Partial<Omit<EventRow, "eventTime" | "type" | "eventId" | "payload">>;

/** An event as stored (its body encoded) or as normalized (its body still the fields themselves). */
export type EventLike = StoredEvent | NormalizedEvent;

/**
 * The field an Events API result carries instead of the fields of a body that cannot be decoded (an unknown encoding
 * version, corrupt bytes): the event keeps its columns and says why the rest is missing, and the page is served.
 */
export const BODY_ERROR_FIELD = "msgevents_error";

const textFields = Object.entries(TEXT_COLUMNS) as [string, keyof EventRow][];
const integerFields = Object.entries(INTEGER_COLUMNS) as [
  string,
  (typeof INTEGER_COLUMNS)[keyof typeof INTEGER_COLUMNS],
][];
const metricFields = Object.entries(METRIC_COLUMNS).map(([field, { column }]) => [field, column] as const);

/**
 * Rebuilds a stored event in the shape SparkPost's Events API returns: flattened, `type` included, ISO-8601
 * `timestamp` and `injection_time`, integer `customer_id` and `subaccount_id`. Values kept in the payload or body
 * (those a column could not hold exactly) win over the columns. Decodes the body on the spot; a page of events is
 * rebuilt faster by toEventsApiEvents. Throws BodyDecodeError for a body that cannot be decoded.
 */
export function toEventsApiEvent(row: EventLike): Record<string, unknown> {
  const { body } = row;
  return rebuild(row, body instanceof Uint8Array ? decodeBody(body) : (body ?? undefined));
}

/**
 * toEventsApiEvent for a page of events, their bodies decoded together. An event whose body cannot be decoded keeps
 * its columns and gets BODY_ERROR_FIELD with the reason; the others are unaffected.
 */
export async function toEventsApiEvents(rows: readonly StoredEvent[]): Promise<Record<string, unknown>[]> {
  const encoded = rows.flatMap((row) => (row.body ? [row.body] : []));
  const decoded = await decodeBodies(encoded);
  let next = 0;
  return rows.map((row) => {
    const body = row.body ? decoded[next++] : undefined;
    if (body instanceof BodyDecodeError) return { ...rebuild(row, undefined), [BODY_ERROR_FIELD]: body.message };
    return rebuild(row, body);
  });
}

function rebuild(stored: EventLike, body: Record<string, unknown> | undefined): Record<string, unknown> {
  const event = storedEventFields(stored, body);
  event.timestamp = formatEventsApiTime(stored.eventTime);
  const injected = parseEventTimestamp(event.injection_time);
  if (injected) event.injection_time = formatEventsApiTime(injected);
  return event;
}

/**
 * The fields of a stored event as they were received, but for `timestamp` (the row has only the instant, eventTime):
 * `type`, `event_id`, the columns, then payload and body (decoded) in jsonb's key order. What the Events API answer
 * is made of, and what the event-bodies backfill normalizes again.
 */
export function storedEventFields(
  stored: EventLike,
  body: Record<string, unknown> | undefined,
): Record<string, unknown> {
  // Both kinds share every column but the load bookkeeping, which is never read here.
  const row = stored as StoredEvent;
  const event: Record<string, unknown> = { type: row.type, event_id: row.eventId };
  for (const [field, column] of textFields) {
    const value = row[column];
    if (value !== null && value !== undefined) event[field] = value;
  }
  for (const [field, { column, asString }] of integerFields) {
    const value = row[column];
    if (value !== null && value !== undefined) event[field] = asString ? String(value) : value;
  }
  // Payload, body and metric columns together in jsonb's key order, as the whole payload was when it was all jsonb
  // (the body's nested objects were stored in that order).
  const metrics = metricStrings(row);
  if (body || metrics) {
    const payload = row.payload ?? {};
    const rest = body ?? {};
    const keys = Object.keys(payload);
    for (const key of Object.keys(rest)) if (!Object.hasOwn(payload, key)) keys.push(key);
    for (const key of Object.keys(metrics ?? {}))
      if (!Object.hasOwn(payload, key) && !Object.hasOwn(rest, key)) keys.push(key);
    for (const key of inJsonbKeyOrder(keys)) {
      event[key] = Object.hasOwn(rest, key) ? rest[key] : Object.hasOwn(payload, key) ? payload[key] : metrics?.[key];
    }
  } else {
    Object.assign(event, row.payload);
  }
  return event;
}

/** The metric fields kept in their columns (METRIC_COLUMNS), as the strings they arrived as; undefined when none. */
function metricStrings(row: StoredEvent): Record<string, string> | undefined {
  let strings: Record<string, string> | undefined;
  for (const [field, column] of metricFields) {
    const value = row[column];
    if (value === null || value === undefined) continue;
    strings ??= {};
    strings[field] = String(value);
  }
  return strings;
}

/** Key lists in jsonb's order, by the list in stored order: a page's events have a few dozen distinct field sets. */
const keyOrders = new Map<string, readonly string[]>();
const KEY_ORDERS_KEPT = 4096;

/**
 * `keys` (sorted in place) in jsonb's order, sorted once per distinct list: sorting every event's keys took about a
 * sixth of a 1,000-event page's rebuild.
 */
function inJsonbKeyOrder(keys: string[]): readonly string[] {
  // JSON of the list names it unambiguously (a key may hold any character a separator could be).
  const listed = JSON.stringify(keys);
  const known = keyOrders.get(listed);
  if (known) return known;
  const ordered = keys.sort(compareJsonbKeys);
  if (keyOrders.size >= KEY_ORDERS_KEPT) keyOrders.clear();
  keyOrders.set(listed, ordered);
  return ordered;
}
