import { createEventGenerator, sampleBatch, sampleEventTypes } from "@msgevents/testkit";

/** Records with fields no generator makes: key orders jsonb reorders, odd JSON types, long and odd text. */
export const unusualRecords = [
  {
    type: "delivery",
    event_id: "u-1",
    timestamp: "1700000000",
    "10": "ten",
    "2": "two",
    zz: { é: 1, b: [{ y: 1, x: 2 }], a: null },
    日本: "語",
    campaign_id: 42,
    subaccount_id: "0101",
    bounce_class: "40000",
    num_retries: 3,
    queue_time: "12.5",
    msg_size: "1337",
    rcpt_meta: { plan: "pro", nested: { a: [1, 2] }, score: 5 },
    rcpt_tags: ["vip", "😀"],
    subject: "s".repeat(1100),
    floats: [0.1, 1e21, -123.456, 2 ** 64],
    empty: {},
    list: [],
    flag: false,
  },
  {
    type: "open",
    event_id: "u-2",
    timestamp: "2016-04-18T14:25:07.000Z",
    injection_time: "1460989507",
    text: 'line\nbreak\ttab "quoted" \\ \u2028 \u0000 \ud800',
    reason: { not: "text" },
    friendly_from: "Shop <news@Shop.Example>",
  },
  { type: "brand_new_type", event_id: "u-3", timestamp: 1700000001.5, only: "unknown fields" },
].map((event) => ({ msys: { message_event: event } }));

/** SparkPost's samples of every type, 1,000 realistic and 1,000 lean generated events, and the unusual records. */
export function encodingCorpus(): unknown[] {
  return [
    ...sampleEventTypes.flatMap((type) => sampleBatch(type)),
    ...createEventGenerator({ seed: 11, total: 1000 }).take(1000),
    ...createEventGenerator({ seed: 12, total: 1000, profile: "lean" }).take(1000),
    ...unusualRecords,
  ];
}
