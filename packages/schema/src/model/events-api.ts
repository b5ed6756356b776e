import type { EventRow } from "../db/tables.ts";
import { INTEGER_COLUMNS, TEXT_COLUMNS } from "./columns.ts";
import { formatEventsApiTime, parseEventTimestamp } from "./timestamp.ts";

export type StoredEvent = Pick<EventRow, "eventTime" | "type" | "eventId" | "payload"> &
  Partial<Omit<EventRow, "eventTime" | "type" | "eventId" | "payload">>;

const textFields = Object.entries(TEXT_COLUMNS) as [string, keyof EventRow][];
const integerFields = Object.entries(INTEGER_COLUMNS) as [
  string,
  (typeof INTEGER_COLUMNS)[keyof typeof INTEGER_COLUMNS],
][];

/**
 * Rebuilds a stored event in the shape SparkPost's Events API returns: flattened, `type` included, ISO-8601
 * `timestamp` and `injection_time`, integer `customer_id` and `subaccount_id`. Values kept in the payload (those a
 * column could not hold exactly) win over the columns.
 */
export function toEventsApiEvent(row: StoredEvent): Record<string, unknown> {
  const event: Record<string, unknown> = { type: row.type, event_id: row.eventId };
  for (const [field, column] of textFields) {
    const value = row[column];
    if (value !== null && value !== undefined) event[field] = value;
  }
  for (const [field, { column, asString }] of integerFields) {
    const value = row[column];
    if (value !== null && value !== undefined) event[field] = asString ? String(value) : value;
  }
  Object.assign(event, row.payload);
  event.timestamp = formatEventsApiTime(row.eventTime);
  const injected = parseEventTimestamp(event.injection_time);
  if (injected) event.injection_time = formatEventsApiTime(injected);
  return event;
}
