/** Every event type the Events API's `events` filter accepts, by SparkPost's grouping (mirrors @msgevents/schema). */
export const EVENT_TYPE_GROUPS: ReadonlyArray<{ label: string; types: readonly string[] }> = [
  {
    label: "Message",
    types: [
      "injection",
      "delivery",
      "bounce",
      "delay",
      "out_of_band",
      "policy_rejection",
      "spam_complaint",
      "sms_status",
    ],
  },
  { label: "Engagement", types: ["open", "initial_open", "click", "amp_open", "amp_initial_open", "amp_click"] },
  { label: "Generation", types: ["generation_failure", "generation_rejection"] },
  { label: "Unsubscribe", types: ["list_unsubscribe", "link_unsubscribe"] },
  {
    label: "Relay",
    types: ["relay_injection", "relay_rejection", "relay_delivery", "relay_tempfail", "relay_permfail"],
  },
  { label: "A/B test", types: ["ab_test_completed", "ab_test_cancelled"] },
  { label: "Ingest", types: ["success", "error"] },
];
