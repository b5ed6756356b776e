import type { EventInsert } from "../db/tables.ts";
import { encodeBodies } from "../encoding/body-codec.ts";
import {
  INTEGER_COLUMNS,
  type IntegerField,
  MAX_COLUMN_TEXT_BYTES,
  MAX_EVENT_ID_LENGTH,
  MAX_TYPE_LENGTH,
  METRIC_COLUMNS,
  METRIC_FIELDS,
  type MetricField,
  SEARCHED_PAYLOAD_FIELDS,
  TEXT_COLUMNS,
  type TextField,
} from "./columns.ts";
import { derivedEventId } from "./derived-event-id.ts";
import { domainOf } from "./domains.ts";
import { sanitizeJson, sanitizeString } from "./sanitize.ts";
import { parseEventTimestamp } from "./timestamp.ts";

/**
 * An event ready to insert, but for the batch it belongs to (which the loader adds) and its body, still to be encoded
 * (toEventRows): the fields no SQL reads, kept apart from `payload`, which holds the few fields SQL does read.
 */
export type NormalizedEvent = Omit<EventInsert, "batchId" | "receivedAt" | "batchNumber" | "body"> & {
  body: Record<string, unknown>;
};

/** A record that cannot be stored, with the reason; `index` is its position in the batch array. */
export interface RejectedRecord {
  index: number;
  reason: string;
}

export interface NormalizedBatch {
  events: NormalizedEvent[];
  rejected: RejectedRecord[];
}

/** The body is not a JSON array of records at all; the batch can never load. */
export class InvalidBatchError extends Error {
  override readonly name = "InvalidBatchError";
}

const decoder = new TextDecoder("utf-8");

/** Parses a raw webhook body (bytes as received) and normalizes it. */
export function parseWebhookBatch(body: Uint8Array | string): NormalizedBatch {
  return normalizeBatch(parseWebhookRecords(body));
}

/** The records of a raw webhook body; throws InvalidBatchError when it is not a JSON array. */
export function parseWebhookRecords(body: Uint8Array | string): unknown[] {
  const text = typeof body === "string" ? body : decoder.decode(body);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new InvalidBatchError(`batch is not valid JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(parsed)) throw new InvalidBatchError("batch is not a JSON array");
  return parsed;
}

/**
 * Normalizes a webhook batch, record by record: a record that cannot be stored is reported in `rejected` and never
 * stops the others. The ping batch `[{"msys":{}}]` yields no events and no rejections.
 */
export function normalizeBatch(records: readonly unknown[]): NormalizedBatch {
  const events: NormalizedEvent[] = [];
  const rejected: RejectedRecord[] = [];
  records.forEach((record, index) => {
    const reason = normalizeRecord(record, events);
    if (reason) rejected.push({ index, reason });
  });
  return { events, rejected };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Appends the record's events to `into`; returns why the record was refused, if it was. */
function normalizeRecord(record: unknown, into: NormalizedEvent[]): string | undefined {
  if (!isObject(record)) return "record is not a JSON object";
  const msys = record.msys;
  if (msys === undefined && typeof record.type === "string") return normalizeFlattenedRecord(record, into);
  if (!isObject(msys)) return "record has no msys object";
  const found: NormalizedEvent[] = [];
  for (const [grouping, event] of Object.entries(msys)) {
    if (!isObject(event)) return `msys.${grouping} is not an object`;
    const result = normalizeEvent(event);
    if (typeof result === "string") return `msys.${grouping}: ${result}`;
    found.push(result);
  }
  into.push(...found);
  return undefined;
}

/** A record in the Events API's flattened shape (no `msys` wrapper), as a backfill may store it. */
function normalizeFlattenedRecord(record: Record<string, unknown>, into: NormalizedEvent[]): string | undefined {
  const result = normalizeEvent(record);
  if (typeof result === "string") return result;
  into.push(result);
  return undefined;
}

/** One flattened SparkPost event to a row, or the reason it cannot be stored. */
export function normalizeEvent(event: Record<string, unknown>): NormalizedEvent | string {
  const type = event.type;
  if (typeof type !== "string" || type.length === 0) return "missing type";
  if (type.length > MAX_TYPE_LENGTH) return `type longer than ${MAX_TYPE_LENGTH} characters`;
  const rawId = event.event_id;
  const hasId = rawId !== undefined && rawId !== null && rawId !== "";
  if (hasId && typeof rawId !== "string" && typeof rawId !== "number") {
    return "event_id is neither a string nor a number";
  }
  const givenId = hasId ? sanitizeString(String(rawId)) : undefined;
  if (givenId && givenId.length > MAX_EVENT_ID_LENGTH) return `event_id longer than ${MAX_EVENT_ID_LENGTH} characters`;
  if (event.timestamp === undefined || event.timestamp === null) return "missing timestamp";
  const eventTime = parseEventTimestamp(event.timestamp);
  if (!eventTime) return `timestamp ${JSON.stringify(event.timestamp).slice(0, 40)} is not a usable time`;
  // Hashed only once the event is known to be storable.
  const eventId = givenId ?? derivedEventId(event);

  const row: NormalizedEvent = { eventTime, type: sanitizeString(type), eventId, payload: null, body: {} };
  const payload: Record<string, unknown> = {};
  const body: Record<string, unknown> = {};
  const metricFields = METRIC_FIELDS[row.type];
  for (const [field, value] of Object.entries(event)) {
    if (field === "type" || field === "event_id" || field === "timestamp") continue;
    const metric = metricFields?.has(field as MetricField) === true;
    // Where the value goes when its column (if any) cannot hold it exactly: payload if SQL reads it there.
    let readBySql = SEARCHED_PAYLOAD_FIELDS.has(field) || metric;
    if (metric) {
      if (putMetricColumn(row, field as MetricField, value)) continue;
    } else if (field in TEXT_COLUMNS) {
      if (putTextColumn(row, field as TextField, value)) continue;
      // A number is in its column as text, which SQL reads; a value the column could not take is read from payload.
      readBySql = row[TEXT_COLUMNS[field as TextField]] == null;
    } else if (field in INTEGER_COLUMNS) {
      if (putIntegerColumn(row, field as IntegerField, value)) continue;
    }
    (readBySql ? payload : body)[sanitizeString(field)] = sanitizeJson(value);
  }
  if (row.recipientDomain == null && row.recipient) row.recipientDomain = domainOf(row.recipient);
  if (row.sendingDomain == null && row.friendlyFrom) row.sendingDomain = domainOf(row.friendlyFrom);
  // No payload at all when SQL needs nothing from it: a NULL costs one bit of the row's null bitmap.
  if (Object.keys(payload).length > 0) row.payload = payload;
  row.body = body;
  return row;
}

/** Returns true when the value lives in its column alone and can be left out of the payload. */
function putTextColumn(row: NormalizedEvent, field: TextField, value: unknown): boolean {
  const column = TEXT_COLUMNS[field];
  if (typeof value === "number" && Number.isFinite(value)) {
    row[column] = String(value);
    return false;
  }
  if (typeof value !== "string") return false;
  if (value.length * 3 > MAX_COLUMN_TEXT_BYTES && Buffer.byteLength(value) > MAX_COLUMN_TEXT_BYTES) return false;
  row[column] = sanitizeString(value);
  return true;
}

/** SparkPost's spelling of a metric count: digits, no sign, no leading zero (msgevents_payload_count reads more). */
const METRIC_TEXT = /^(0|[1-9]\d{0,9})$/;

/** Returns true when the value lives in its metric column alone: only a string the answer can render back as given. */
function putMetricColumn(row: NormalizedEvent, field: MetricField, value: unknown): boolean {
  if (typeof value !== "string" || !METRIC_TEXT.test(value)) return false;
  const { column, max } = METRIC_COLUMNS[field];
  const parsed = Number(value);
  if (parsed > max) return false;
  row[column] = parsed;
  return true;
}

const INTEGER_TEXT = /^-?\d{1,10}$/;

function putIntegerColumn(row: NormalizedEvent, field: IntegerField, value: unknown): boolean {
  const { column, max } = INTEGER_COLUMNS[field];
  let parsed: number | undefined;
  if (typeof value === "number" && Number.isInteger(value)) parsed = value;
  else if (typeof value === "string" && INTEGER_TEXT.test(value)) parsed = Number(value);
  if (parsed === undefined || parsed > max || parsed < -max) return false;
  row[column] = parsed;
  // Only a canonical spelling ("101" or 101) can be rebuilt from the column exactly as the Events API renders it.
  return typeof value === "number" || String(parsed) === value;
}

/**
 * The rows to insert for normalized events of one batch: their bodies encoded (encodeBodies), the batch added (its
 * batchNumber, as the loader writes it; tests may name it by batchId and receivedAt as events did before 0014).
 */
export async function toEventRows(
  events: readonly NormalizedEvent[],
  batch: Pick<EventInsert, "batchNumber" | "batchId" | "receivedAt">,
): Promise<EventInsert[]> {
  const bodies = await encodeBodies(events.map((event) => event.body));
  return events.map((event, index) => ({ ...event, ...batch, body: bodies[index] as Buffer }));
}
