import { sampleBatch } from "@msgevents/testkit";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ALL_METRICS, HAND_COUNTS, handCountedEvents } from "./metrics-events.ts";
import { get, insertRecords, type QueryFixture, startQueryFixture, webhookEvent } from "./support.ts";

let fixture: QueryFixture;

beforeAll(async () => {
  fixture = await startQueryFixture();
  await insertRecords(fixture, handCountedEvents());
  await insertRecords(fixture, sampleBatch("batch-all-types"));
});

afterAll(async () => {
  await fixture?.close();
});

const DAY = "from=2024-06-10T00:00&to=2024-06-11T00:00";
/** The same day at day precision: `to` names the day's last minute, which SparkPost rounds to the day's end. */
const BY_DAY = "from=2024-06-10T00:00&to=2024-06-10T23:59&precision=day";
const summary = async (query: string) => get(fixture, `/api/v1/metrics/deliverability?${query}`);

describe("the summary", () => {
  test("gives every served metric of a day as counted by hand, with SparkPost's links", async () => {
    const response = await summary(`${BY_DAY}&metrics=${ALL_METRICS}`);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      results: [HAND_COUNTS],
      links: [{ href: "/api/v1/metrics/deliverability", rel: "deliverability", method: "GET" }],
    });
  });

  test("counts a message once per roll-up increment of the precision: minute (also without one), hour, day", async () => {
    // m1: initial open 10:19, opens 10:20 and 10:21, click 10:22; m4: AMP click 15:02, open 23:59:59.
    const uniques =
      "metrics=count_unique_rendered,count_unique_initial_rendered,count_unique_clicked,count_unique_confirmed_opened";
    const counted = { count_unique_initial_rendered: 1, count_unique_clicked: 2 };
    const perMinute = { ...counted, count_unique_rendered: 3, count_unique_confirmed_opened: 6 };
    expect((await summary(`${DAY}&${uniques}`)).body.results).toEqual([perMinute]);
    for (const precision of ["5min", "15min"]) {
      const response = await summary(`from=2024-06-10T00:00&to=2024-06-10T23:59&precision=${precision}&${uniques}`);
      expect(response.body.results, precision).toEqual([perMinute]);
    }
    // At 1min `to` is exclusive: 23:59:59 is left out.
    const minutes = await summary(`from=2024-06-10T00:00&to=2024-06-10T23:59&precision=1min&${uniques}`);
    expect(minutes.body.results).toEqual([
      { ...perMinute, count_unique_rendered: 2, count_unique_confirmed_opened: 5 },
    ]);
    const hours = await summary(`from=2024-06-10T00:00&to=2024-06-10T23:59&precision=hour&${uniques}`);
    expect(hours.body.results).toEqual([{ ...counted, count_unique_rendered: 2, count_unique_confirmed_opened: 3 }]);
    expect((await summary(`${BY_DAY}&${uniques}`)).body.results).toEqual([
      { ...counted, count_unique_rendered: 2, count_unique_confirmed_opened: 2 },
    ]);
  });

  test("gives the same counts when the day is read from quarter hours and minutes instead of the day rollup", async () => {
    // 23:59 to 00:00+1 day 00:01: a minute of raw events on each side, quarter hours, and no whole day.
    const shifted = await summary(`from=2024-06-09T23:59&to=2024-06-11T00:01&metrics=count_delivered,count_rendered`);
    expect(shifted.body.results).toEqual([{ count_delivered: 5, count_rendered: 3 }]);
    const hours = await summary(
      `from=2024-06-10T10:00&to=2024-06-10T10:21&metrics=count_delivered,count_rendered,count_unique_rendered`,
    );
    // 10:20 counts, 10:21 is the exclusive end.
    expect(hours.body.results).toEqual([{ count_delivered: 2, count_rendered: 1, count_unique_rendered: 1 }]);
  });

  test("counts SparkPost's sample of every event type as documented", async () => {
    const response = await summary(`from=2016-04-18T00:00&to=2016-04-19T00:00&metrics=${ALL_METRICS}`);
    expect(response.body.results).toEqual([
      {
        count_targeted: 4,
        count_injected: 1,
        count_rejected: 3,
        count_policy_rejection: 1,
        count_generation_rejection: 1,
        count_generation_failed: 1,
        count_sent: 2,
        count_delivered: 1,
        count_delivered_first: 0,
        count_delivered_subsequent: 1,
        count_accepted: 0,
        count_delayed: 1,
        count_delayed_first: 0,
        count_bounce: 2,
        count_inband_bounce: 1,
        count_outofband_bounce: 1,
        count_hard_bounce: 0,
        count_soft_bounce: 0,
        count_block_bounce: 0,
        count_undetermined_bounce: 2,
        count_admin_bounce: 0,
        count_rendered: 2,
        count_initial_rendered: 2,
        count_unique_rendered: 1,
        count_unique_initial_rendered: 1,
        count_unique_confirmed_opened: 1,
        count_clicked: 2,
        count_unique_clicked: 1,
        count_spam_complaint: 1,
        count_unsubscribe: 2,
        total_delivery_time_first: 0,
        total_delivery_time_subsequent: 12,
        total_msg_volume: 1337,
      },
    ]);
  });

  test("counts an event whose numeric fields are malformed, reading them as missing", async () => {
    const malformed = [
      { type: "delivery", num_retries: "many", queue_time: "-5", msg_size: { bytes: 10 } },
      { type: "delivery", num_retries: "1", queue_time: "9999999999999", msg_size: "1e3" },
    ].map((fields) => webhookEvent({ ...fields, timestamp: "2024-06-20T08:00:00.000Z" }));
    await insertRecords(fixture, malformed);
    const response = await summary(
      "from=2024-06-20T00:00&to=2024-06-21T00:00&metrics=count_delivered_first,count_delivered_subsequent,total_delivery_time_first,total_delivery_time_subsequent,total_msg_volume",
    );
    expect(response.body.results).toEqual([
      {
        count_delivered_first: 1,
        count_delivered_subsequent: 1,
        total_delivery_time_first: 0,
        total_delivery_time_subsequent: 0,
        total_msg_volume: 0,
      },
    ]);
  });

  test("answers zeros for a window without events", async () => {
    const response = await summary("from=2020-01-01T00:00&to=2020-01-02T00:00&metrics=count_injected,count_bounce");
    expect(response.body.results).toEqual([{ count_injected: 0, count_bounce: 0 }]);
  });

  test("keeps only the events of the filtered values, over one dimension or several", async () => {
    const fall = await summary(`${DAY}&campaigns=fall&metrics=count_injected,count_delivered,count_unsubscribe`);
    expect(fall.body.results).toEqual([{ count_injected: 2, count_delivered: 1, count_unsubscribe: 2 }]);
    const both = await summary(`${DAY}&campaigns=fall,spring&metrics=count_injected`);
    expect(both.body.results).toEqual([{ count_injected: 5 }]);
    const primary = await summary(`${DAY}&subaccounts=0&metrics=count_injected`);
    expect(primary.body.results).toEqual([{ count_injected: 3 }]);
    // Two dimensions at once are counted from the events.
    const crossed = await summary(`${DAY}&campaigns=spring&domains=yahoo.com&metrics=count_injected`);
    expect(crossed.body.results).toEqual([{ count_injected: 0 }]);
    const matching = await summary(
      `${DAY}&campaigns=spring&domains=gmail.com&metrics=count_injected,count_unique_rendered`,
    );
    // m1's opens at 10:20 and 10:21: two minutes.
    expect(matching.body.results).toEqual([{ count_injected: 3, count_unique_rendered: 2 }]);
    const delimited = await summary(
      `${DAY}&delimiter=;&ip_pools=shared;dedicated&metrics=count_injected;count_rejected`,
    );
    expect(delimited.body.results).toEqual([{ count_injected: 5, count_rejected: 3 }]);
  });

  test("serves SparkPost's approximate unique names with the exact counts", async () => {
    const response = await summary(`${BY_DAY}&metrics=count_unique_rendered_approx,count_unique_clicked_approx`);
    expect(response.body.results).toEqual([{ count_unique_rendered_approx: 2, count_unique_clicked_approx: 2 }]);
  });
});

describe("the group-bys", () => {
  const groupBy = async (route: string, query: string) =>
    get(fixture, `/api/v1/metrics/deliverability/${route}?${query}`);

  test.each([
    ["domain", "domain", "gmail.com", "yahoo.com"],
    ["campaign", "campaign_id", "spring", "fall"],
    ["template", "template_id", "t-spring", "t-fall"],
    ["sending-ip", "sending_ip", "10.0.0.1", "10.0.0.2"],
    ["ip-pool", "ip_pool", "shared", "dedicated"],
    ["sending-domain", "sending_domain", "spring.example", "fall.example"],
    ["subaccount", "subaccount_id", 0, 7],
    ["mailbox-provider", "mailbox_provider", "Gmail", "Yahoo"],
    ["mailbox-provider-region", "mailbox_provider_region", "Global", "North America"],
  ])("%s gives each value's metrics under %s, largest first", async (route, key, spring, fall) => {
    const response = await groupBy(route, `${BY_DAY}&metrics=count_injected,count_delivered,count_unique_rendered`);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      results: [
        { [key]: spring, count_injected: 3, count_delivered: 2, count_unique_rendered: 1 },
        { [key]: fall, count_injected: 2, count_delivered: 1, count_unique_rendered: 1 },
      ],
    });
  });

  test("orders by order_by, cuts at limit and filters by other dimensions", async () => {
    const ordered = await groupBy(
      "campaign",
      `${DAY}&metrics=count_injected,count_unsubscribe&order_by=count_unsubscribe&limit=1`,
    );
    expect(ordered.body.results).toEqual([{ campaign_id: "fall", count_injected: 2, count_unsubscribe: 2 }]);
    const filtered = await groupBy("domain", `${DAY}&metrics=count_injected&campaigns=fall`);
    expect(filtered.body.results).toEqual([{ domain: "yahoo.com", count_injected: 2 }]);
    const sameDimension = await groupBy("domain", `${DAY}&metrics=count_injected&domains=gmail.com`);
    expect(sameDimension.body.results).toEqual([{ domain: "gmail.com", count_injected: 3 }]);
  });

  test("bounce-reason gives each reason with its class, category and bounce counts", async () => {
    const response = await groupBy(
      "bounce-reason",
      `${DAY}&metrics=count_bounce,count_inband_bounce,count_outofband_bounce,count_admin_bounce`,
    );
    expect(response.body.results).toEqual([
      {
        reason: "",
        bounce_class_name: "Undetermined",
        bounce_class_description: "The response text could not be identified.",
        bounce_category_id: 0,
        bounce_category_name: "Undetermined",
        classification_id: 1,
        count_bounce: 1,
        count_inband_bounce: 1,
        count_outofband_bounce: 0,
        count_admin_bounce: 0,
      },
      {
        reason: "550 5.1.1 user unknown",
        bounce_class_name: "Invalid Recipient",
        bounce_class_description: "The recipient is invalid.",
        bounce_category_id: 1,
        bounce_category_name: "Hard",
        classification_id: 10,
        count_bounce: 1,
        count_inband_bounce: 1,
        count_outofband_bounce: 0,
        count_admin_bounce: 0,
      },
      {
        reason: "554 blocked",
        bounce_class_name: "Mail Block",
        bounce_class_description: "The message was blocked by the receiver.",
        bounce_category_id: 3,
        bounce_category_name: "Block",
        classification_id: 50,
        count_bounce: 1,
        count_inband_bounce: 0,
        count_outofband_bounce: 1,
        count_admin_bounce: 0,
      },
      {
        reason: "admin failure",
        bounce_class_name: "Admin Failure",
        bounce_class_description: "The message was failed by SparkPost's configured policies.",
        bounce_category_id: 4,
        bounce_category_name: "Admin",
        classification_id: 25,
        count_bounce: 0,
        count_inband_bounce: 0,
        count_outofband_bounce: 0,
        count_admin_bounce: 1,
      },
    ]);
  });

  test("bounce-reason/domain adds the recipient domain and takes filters", async () => {
    const response = await groupBy("bounce-reason/domain", `${DAY}&metrics=count_bounce&campaigns=fall`);
    expect(response.body.results?.map((row) => [row.reason, row.domain, row.count_bounce])).toEqual([
      ["554 blocked", "yahoo.com", 1],
      ["admin failure", "yahoo.com", 0],
    ]);
  });

  test("bounce-classification gives each class with its name and category", async () => {
    const response = await groupBy("bounce-classification", `${DAY}&metrics=count_bounce,count_admin_bounce`);
    expect(response.body.results).toEqual([
      {
        bounce_class_name: "Undetermined",
        bounce_class_description: "The response text could not be identified.",
        bounce_category_name: "Undetermined",
        classification_id: 1,
        count_bounce: 1,
        count_admin_bounce: 0,
      },
      {
        bounce_class_name: "Invalid Recipient",
        bounce_class_description: "The recipient is invalid.",
        bounce_category_name: "Hard",
        classification_id: 10,
        count_bounce: 1,
        count_admin_bounce: 0,
      },
      {
        bounce_class_name: "Mail Block",
        bounce_class_description: "The message was blocked by the receiver.",
        bounce_category_name: "Block",
        classification_id: 50,
        count_bounce: 1,
        count_admin_bounce: 0,
      },
      {
        bounce_class_name: "Admin Failure",
        bounce_class_description: "The message was failed by SparkPost's configured policies.",
        bounce_category_name: "Admin",
        classification_id: 25,
        count_bounce: 0,
        count_admin_bounce: 1,
      },
    ]);
  });

  test("delay-reason gives each delay reason with its delays and first-attempt delays, and takes no metrics", async () => {
    expect((await groupBy("delay-reason", DAY)).body.results).toEqual([
      { reason: "421 try later", count_delayed: 2, count_delayed_first: 1 },
    ]);
    const byDomain = await groupBy("delay-reason/domain", `${DAY}&metrics=count_injected&campaigns=spring`);
    expect(byDomain.body.results).toEqual([]);
    expect((await groupBy("delay-reason/domain", `${DAY}&limit=1`)).body.results).toEqual([
      { reason: "421 try later", domain: "yahoo.com", count_delayed: 2, count_delayed_first: 1 },
    ]);
  });

  test("rejection-reason gives each reason and kind of rejection, most first", async () => {
    expect((await groupBy("rejection-reason", DAY)).body.results).toEqual([
      { reason: "", count_rejected: 1, rejection_category_id: 2, rejection_type: "Generation Rejection" },
      { reason: "", count_rejected: 1, rejection_category_id: 3, rejection_type: "Generation Failure" },
      { reason: "policy", count_rejected: 1, rejection_category_id: 1, rejection_type: "Policy Rejection" },
    ]);
    const byDomain = await groupBy("rejection-reason/domain", `${DAY}&limit=2&domains=yahoo.com`);
    expect(byDomain.body.results).toEqual([
      {
        reason: "",
        domain: "yahoo.com",
        count_rejected: 1,
        rejection_category_id: 2,
        rejection_type: "Generation Rejection",
      },
      {
        reason: "",
        domain: "yahoo.com",
        count_rejected: 1,
        rejection_category_id: 3,
        rejection_type: "Generation Failure",
      },
    ]);
  });
});
