import type pg from "pg";
import type { BackfillStepResult } from "./declarations.ts";
import { EVENT_BODIES_BACKFILL_NAME, type EventBodiesOptions, eventBodiesStep, shadowNameOf } from "./event-bodies.ts";

/**
 * The texts-by-id backfill (registered by migration 0031): rows holding a subject, friendly_from or transmission_id
 * as text, stored before migration 0030 named them by id (or before every day had the ids' index), get them as ids
 * into event_texts, as loads store them now. A day is converted by the event-bodies backfill's copy and swap (see
 * event-bodies.ts), each copied row's texts (and, since 0032, its recipient payload) named as a load names its
 * batch's; a day with no text event_texts names or could name (msgevents_day_has_unnamed_texts) is done at once,
 * without a copy. The migration queues the days once loads name texts (msgevents_text_refs_enabled): before that no
 * day may hold ids. A day the event-bodies backfill has yet to do is left to it first: both copy into the same shadow
 * table, and this step would resume (and swap in) a shadow that backfill copied without naming texts.
 */
export function textsByIdStep(
  client: pg.ClientBase,
  day: string,
  from: string | null,
  options: EventBodiesOptions = {},
): Promise<BackfillStepResult> {
  return namingCopyStep(client, day, from, options, {
    enabled: "msgevents_text_refs_enabled()",
    unnamed: "msgevents_day_has_unnamed_texts",
    notEnabled:
      "texts are named by id only once every stored day has the ids' index (the text_refs_index_0030 backfill)",
  });
}

/**
 * The payloads-by-id backfill (registered by migration 0032): rows holding their rcpt_meta and rcpt_tags in payload,
 * stored before 0032 named them by id (or before every day had the payload-refs index), get them as an id into
 * event_payloads, by the same copy as the texts-by-id backfill's (which names both, so a day either converts is done
 * for both); a day with no recipient payload event_payloads names or could name (msgevents_day_has_unnamed_payloads)
 * is done at once. Its days are queued once loads name payloads (msgevents_payload_refs_enabled).
 */
export function payloadsByIdStep(
  client: pg.ClientBase,
  day: string,
  from: string | null,
  options: EventBodiesOptions = {},
): Promise<BackfillStepResult> {
  return namingCopyStep(client, day, from, options, {
    enabled: "msgevents_payload_refs_enabled()",
    unnamed: "msgevents_day_has_unnamed_payloads",
    notEnabled:
      "recipient payloads are named by id only once every stored day has the payload-refs index (the payload_refs_index_0032 backfill)",
  });
}

/** A step of a copy that names texts and recipient payloads, with the first step's checks of one backfill. */
async function namingCopyStep(
  client: pg.ClientBase,
  day: string,
  from: string | null,
  options: EventBodiesOptions,
  checks: { enabled: string; unnamed: string; notEnabled: string },
): Promise<BackfillStepResult> {
  if (from === null) {
    const { rows } = await client.query<{ enabled: boolean; shadow: boolean; unnamed: boolean; bodies: boolean }>(
      `SELECT ${checks.enabled} AS enabled, to_regclass($1) IS NOT NULL AS shadow,
              ${checks.unnamed}($2::date) AS unnamed,
              EXISTS (SELECT FROM backfill_days WHERE backfill = $3 AND day = $2::date AND done_at IS NULL) AS bodies`,
      [`"${shadowNameOf(day)}"`, day, EVENT_BODIES_BACKFILL_NAME],
    );
    const state = rows[0];
    // Left for a later run, as a day another run holds is (no failure recorded).
    if (state?.bodies) return { events: 0, next: null, abandoned: true };
    if (!state?.enabled) throw new Error(checks.notEnabled);
    // A shadow an earlier run left is resumed (and swapped in) whatever the day holds now.
    if (!state.shadow && !state.unnamed) return { events: 0, next: null };
  }
  return eventBodiesStep(client, day, from, { ...options, nameTexts: true });
}
