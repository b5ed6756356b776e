const EPOCH_SECONDS = /^\d{1,12}(\.\d{1,9})?$/;
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;
/** Events outside these years are refused: no SparkPost event predates it, and later ones are corrupt data. */
const EARLIEST = Date.UTC(1970, 0, 1);
const LATEST = Date.UTC(3000, 0, 1);

/**
 * SparkPost's `timestamp` is Unix seconds, as a string in webhooks and sometimes a number; events re-imported from
 * the Events API carry ISO-8601. Returns undefined when the value cannot be a point in time.
 */
export function parseEventTimestamp(value: unknown): Date | undefined {
  let millis: number;
  if (typeof value === "number") {
    millis = value * 1000;
  } else if (typeof value === "string" && EPOCH_SECONDS.test(value)) {
    millis = Number(value) * 1000;
  } else if (typeof value === "string" && ISO_8601.test(value)) {
    millis = Date.parse(value);
  } else {
    return undefined;
  }
  if (!Number.isFinite(millis) || millis < EARLIEST || millis >= LATEST) return undefined;
  return new Date(Math.round(millis));
}

/** The Events API's timestamp format: `2016-04-18T14:25:07.000+00:00`. */
export function formatEventsApiTime(date: Date): string {
  return `${date.toISOString().slice(0, -1)}+00:00`;
}
