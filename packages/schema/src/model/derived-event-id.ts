import { createHash } from "node:crypto";
import canonicalize from "canonicalize";
import { sanitizeJson } from "./sanitize.ts";

/**
 * Marks an event id msgevents made up. SparkPost's ids are decimal digits or UUIDs, neither of which can contain
 * `:` or start with a letter outside hex, so a derived id can never equal one of SparkPost's.
 */
export const DERIVED_EVENT_ID_PREFIX = "msgevents:sha256:";

/**
 * The id of an event that arrives without `event_id` (SparkPost's `sms_status` has none): `msgevents:sha256:` and
 * the lower-case hex SHA-256 of the event's RFC 8785 canonical JSON (keys sorted, one spelling per number), after
 * the same NUL/surrogate clean-up as stored values. The same record in a redelivered batch gets the same id whatever
 * its key order, so it is still stored once; two events identical in every field are one event.
 */
export function derivedEventId(event: Record<string, unknown>): string {
  const canonical = canonicalize(sanitizeJson(event)) ?? "";
  return DERIVED_EVENT_ID_PREFIX + createHash("sha256").update(canonical, "utf8").digest("hex");
}
