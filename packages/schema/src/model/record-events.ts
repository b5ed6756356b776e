/**
 * The events one raw webhook record carries, as flattened objects: each grouping's object of a webhook record
 * (`{"msys": {"message_event": {...}}}`), or the record itself in the Events API's flattened shape (a backfill's). A
 * record that is neither (not an object, a grouping that is not an object) yields what it has; the ping record
 * (`{"msys": {}}`) yields nothing. Reads what normalizeBatch reads, without normalizing.
 */
export function recordEvents(record: unknown): Record<string, unknown>[] {
  if (!isObject(record)) return [];
  const msys = record.msys;
  if (msys === undefined && typeof record.type === "string") return [record];
  if (!isObject(msys)) return [];
  return Object.values(msys).filter(isObject);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
