/** The `msys` key each known event type arrives under in a webhook record. */
export const EVENT_GROUPINGS = {
  message_event: [
    "injection",
    "delivery",
    "bounce",
    "delay",
    "out_of_band",
    "policy_rejection",
    "spam_complaint",
    "sms_status",
  ],
  track_event: ["open", "initial_open", "click", "amp_open", "amp_initial_open", "amp_click"],
  gen_event: ["generation_failure", "generation_rejection"],
  unsubscribe_event: ["list_unsubscribe", "link_unsubscribe"],
  relay_event: ["relay_injection", "relay_rejection", "relay_delivery", "relay_tempfail", "relay_permfail"],
  ab_test_event: ["ab_test_completed", "ab_test_cancelled"],
  ingest_event: ["success", "error"],
} as const;

export type EventGrouping = keyof typeof EVENT_GROUPINGS;
export type EventTypeUnder<Grouping extends EventGrouping> = (typeof EVENT_GROUPINGS)[Grouping][number];
export type KnownEventType = EventTypeUnder<EventGrouping>;

const groupingOfType = new Map<string, EventGrouping>(
  Object.entries(EVENT_GROUPINGS).flatMap(([grouping, types]) =>
    types.map((type): [string, EventGrouping] => [type, grouping as EventGrouping]),
  ),
);

/** The `msys` key SparkPost sends an event type under, or undefined for a type this model does not know. */
export function webhookGroupFor(type: string): EventGrouping | undefined {
  return groupingOfType.get(type);
}

/**
 * Wraps an event in the Events API's flattened shape as the webhook record SparkPost would have posted:
 * `{"msys": {"<grouping>": event}}`, so a backfilled batch loads like any webhook batch. A type this model does not
 * know goes under `message_event`, the grouping of everything `GET /api/v1/events/message` returns; the grouping is
 * not stored, so it only shapes the raw batch.
 */
export function toWebhookRecord(event: Readonly<Record<string, unknown>>): {
  msys: Record<string, Readonly<Record<string, unknown>>>;
} {
  const type = typeof event.type === "string" ? event.type : "";
  return { msys: { [webhookGroupFor(type) ?? "message_event"]: event } };
}
