import { EVENT_GROUPINGS, type EventGrouping } from "@msgevents/schema/groupings";

/** How the search form names each of SparkPost's groupings; a new grouping in the model needs a label here. */
const LABELS: Record<EventGrouping, string> = {
  message_event: "Message",
  track_event: "Engagement",
  gen_event: "Generation",
  unsubscribe_event: "Unsubscribe",
  relay_event: "Relay",
  ab_test_event: "A/B test",
  ingest_event: "Ingest",
};

/** Every event type the Events API's `events` filter accepts, by SparkPost's grouping, from the event model. */
export const EVENT_TYPE_GROUPS: ReadonlyArray<{ label: string; types: readonly string[] }> = (
  Object.entries(EVENT_GROUPINGS) as [EventGrouping, readonly string[]][]
).map(([grouping, types]) => ({ label: LABELS[grouping], types }));
