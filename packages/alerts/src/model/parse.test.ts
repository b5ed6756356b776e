import { HttpError } from "@msgevents/http";
import { describe, expect, test } from "vitest";
import { parseAlert, parseAlertUpdate } from "./parse.ts";

/** SparkPost's sample alert (alerts.apib), on a metric msgevents serves. */
const valid = {
  name: "Block bounces at Gmail",
  subaccounts: [0],
  any_subaccount: false,
  metric: "block_bounce_rate",
  muted: false,
  filters: [{ filter_type: "mailbox_provider", filter_values: ["Gmail"] }],
  threshold_evaluator: { operator: "gt", source: "raw", value: 10 },
  channels: {
    emails: ["ops@example.com"],
    webhook: { target: "https://example.com/webhook" },
    slack: { target: "https://hooks.slack.com/services/T00/B00/XX" },
  },
};

function errorsOf(body: unknown): unknown {
  try {
    parseAlert(body);
  } catch (error) {
    if (error instanceof HttpError) return { status: error.status, errors: error.errors };
    throw error;
  }
  throw new Error("parsed");
}

const without = (key: string) => Object.fromEntries(Object.entries(valid).filter(([name]) => name !== key));

describe("a valid alert", () => {
  test("is stored with msgevents' defaults for the window, minimum volume, recovery and reminder", () => {
    expect(parseAlert(valid)).toEqual({
      ...valid,
      window_minutes: 60,
      min_volume: 100,
      recovery_minutes: 60,
      reminder_minutes: 1440,
    });
  });

  test("may send back the read-only id and last_triggered of a GET, which are ignored", () => {
    expect(parseAlert({ ...valid, id: 7, last_triggered: null })).not.toHaveProperty("id");
  });

  test("with any_subaccount has no subaccounts", () => {
    const parsed = parseAlert({ ...without("subaccounts"), any_subaccount: true });
    expect(parsed.any_subaccount).toBe(true);
    expect(parsed).not.toHaveProperty("subaccounts");
  });
});

describe("an invalid alert gets SparkPost's 400, naming every problem", () => {
  test.each([
    ["a missing name", without("name"), [{ message: "'name' is required", param: "name" }]],
    ["a name of the wrong type", { ...valid, name: 5 }, [{ message: "'name' must be a string", param: "name" }]],
    [
      "a name over 50 characters",
      { ...valid, name: "x".repeat(51) },
      [{ message: "'name' must be at most 50 characters", param: "name" }],
    ],
    ["a missing muted", without("muted"), [{ message: "'muted' is required", param: "muted" }]],
    ["muted as text", { ...valid, muted: "no" }, [{ message: "'muted' must be a boolean", param: "muted" }]],
    [
      "an unknown metric",
      { ...valid, metric: "open_rate" },
      [
        {
          message:
            "'metric' must be one of block_bounce_rate, hard_bounce_rate, soft_bounce_rate, spam_complaint_rate, delivered_rate, injection_volume, accepted_volume, event_volume",
          param: "metric",
        },
      ],
    ],
    [
      "health_score",
      { ...valid, metric: "health_score" },
      [
        {
          message:
            "health_score is SparkPost's proprietary daily score, computed from data its webhook events do not carry; msgevents cannot evaluate it (watch hard_bounce_rate, block_bounce_rate and spam_complaint_rate instead)",
          param: "metric",
        },
      ],
    ],
    [
      "monthly_sending_limit",
      { ...valid, metric: "monthly_sending_limit", filters: [], subaccounts: [-1] },
      [
        {
          message:
            "monthly_sending_limit compares usage with your SparkPost plan's quota, which no event carries; msgevents cannot evaluate it (watch injection_volume instead)",
          param: "metric",
        },
      ],
    ],
    [
      "neither subaccounts nor any_subaccount",
      without("subaccounts"),
      [{ message: "'subaccounts' is required unless 'any_subaccount' is true", param: "subaccounts" }],
    ],
    [
      "both subaccounts and any_subaccount",
      { ...valid, any_subaccount: true },
      [{ message: "'subaccounts' must be unset when 'any_subaccount' is true", param: "subaccounts" }],
    ],
    [
      "-1 beside other subaccounts",
      { ...valid, subaccounts: [-1, 3] },
      [{ message: "'subaccounts' may hold -1 (the whole account) only on its own", param: "subaccounts" }],
    ],
    [
      "a subaccount below -1",
      { ...valid, subaccounts: [-2] },
      [{ message: "'subaccounts[0]' must be at least -1", param: "subaccounts[0]" }],
    ],
    [
      "an unknown filter type",
      { ...valid, filters: [{ filter_type: "recipient_domain", filter_values: ["gmail.com"] }] },
      [
        {
          message:
            "'filters[0].filter_type' must be one of sending_domain, sending_ip, ip_pool, mailbox_provider, campaign_id",
          param: "filters[0].filter_type",
        },
      ],
    ],
    [
      "a filter without values",
      { ...valid, filters: [{ filter_type: "sending_ip", filter_values: [] }] },
      [{ message: "'filters[0].filter_values' must hold at least 1 value(s)", param: "filters[0].filter_values" }],
    ],
    [
      "a repeated filter type",
      {
        ...valid,
        filters: [
          { filter_type: "sending_ip", filter_values: ["10.0.0.1"] },
          { filter_type: "sending_ip", filter_values: ["10.0.0.2"] },
        ],
      },
      [{ message: "'filters' may name each filter_type once; 'sending_ip' is repeated", param: "filters" }],
    ],
    [
      "too many combinations",
      {
        ...valid,
        subaccounts: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
        filters: ["sending_ip", "ip_pool", "mailbox_provider"].map((filter_type) => ({
          filter_type,
          filter_values: Array.from({ length: 10 }, (_, index) => `v${index}`),
        })),
      },
      [{ message: "'filters' make 10000 value combinations with 'subaccounts'; at most 1000", param: "filters" }],
    ],
    [
      "a missing threshold evaluator",
      without("threshold_evaluator"),
      [{ message: "'threshold_evaluator' is required", param: "threshold_evaluator" }],
    ],
    [
      "an unknown operator",
      { ...valid, threshold_evaluator: { operator: "ge", source: "raw", value: 10 } },
      [{ message: "'threshold_evaluator.operator' must be one of gt, lt", param: "threshold_evaluator.operator" }],
    ],
    [
      "a value as text",
      { ...valid, threshold_evaluator: { operator: "gt", source: "raw", value: "10" } },
      [{ message: "'threshold_evaluator.value' must be a number", param: "threshold_evaluator.value" }],
    ],
    [
      "day_over_day on a rate",
      { ...valid, threshold_evaluator: { operator: "gt", source: "day_over_day", value: 10 } },
      [
        {
          message:
            "'threshold_evaluator.source' must be raw for block_bounce_rate: rates are compared as they are, day_over_day and week_over_week compare volumes",
          param: "threshold_evaluator.source",
        },
      ],
    ],
    [
      "a rate above 100",
      { ...valid, threshold_evaluator: { operator: "gt", source: "raw", value: 150 } },
      [
        {
          message: "'threshold_evaluator.value' must be a percentage from 0 to 100 for block_bounce_rate",
          param: "threshold_evaluator.value",
        },
      ],
    ],
    [
      "a day_over_day window over a day",
      {
        ...valid,
        metric: "injection_volume",
        threshold_evaluator: { operator: "lt", source: "day_over_day", value: -50 },
        window_minutes: 1500,
      },
      [{ message: "'window_minutes' must be at most 1440 with day_over_day", param: "window_minutes" }],
    ],
    [
      "no channel",
      { ...valid, channels: {} },
      [{ message: "'channels' must name at least one of emails, webhook, slack", param: "channels" }],
    ],
    [
      "eleven e-mail addresses",
      { ...valid, channels: { emails: Array.from({ length: 11 }, (_, index) => `ops${index}@example.com`) } },
      [{ message: "'channels.emails' must hold at most 10 values", param: "channels.emails" }],
    ],
    [
      "an address that is not one",
      { ...valid, channels: { emails: ["ops.example.com"] } },
      [{ message: "'channels.emails[0]' must be an e-mail address", param: "channels.emails[0]" }],
    ],
    [
      "a webhook target that is not an http URL",
      { ...valid, channels: { webhook: { target: "ftp://example.com/x" } } },
      [{ message: "'channels.webhook.target' must be an http or https URL", param: "channels.webhook.target" }],
    ],
    [
      "a slack channel without target",
      { ...valid, channels: { slack: {} } },
      [{ message: "'channels.slack.target' is required", param: "channels.slack.target" }],
    ],
    ["an unknown field", { ...valid, window: 60 }, [{ message: "'window' is not a field of an alert" }]],
    [
      "an unknown field of the evaluator",
      { ...valid, threshold_evaluator: { operator: "gt", source: "raw", value: 10, unit: "%" } },
      [{ message: "'unit' is not a field of 'threshold_evaluator'", param: "threshold_evaluator" }],
    ],
    [
      "a window below 5 minutes",
      { ...valid, window_minutes: 1 },
      [{ message: "'window_minutes' must be at least 5", param: "window_minutes" }],
    ],
    [
      "a fractional minimum volume",
      { ...valid, min_volume: 2.5 },
      [{ message: "'min_volume' must be a number", param: "min_volume" }],
    ],
    ["an array", [valid], [{ message: "the request body must be a JSON object (an alert)" }]],
  ])("%s", (_what, body, errors) => {
    expect(errorsOf(body)).toEqual({ status: 400, errors });
  });

  test("several problems at once are all listed", () => {
    expect(errorsOf({ ...without("name"), muted: 1 })).toEqual({
      status: 400,
      errors: [
        { message: "'name' is required", param: "name" },
        { message: "'muted' must be a boolean", param: "muted" },
      ],
    });
  });
});

describe("an update", () => {
  const stored = parseAlert(valid);

  test("changes only the fields given, the threshold evaluator field by field", () => {
    const updated = parseAlertUpdate(stored, { name: "Renamed", threshold_evaluator: { value: 75 } });
    expect(updated).toEqual({
      ...stored,
      name: "Renamed",
      threshold_evaluator: { operator: "gt", source: "raw", value: 75 },
    });
  });

  test("to any_subaccount drops the subaccounts, and subaccounts turn any_subaccount off", () => {
    const anySubaccount = parseAlertUpdate(stored, { any_subaccount: true });
    expect(anySubaccount).not.toHaveProperty("subaccounts");
    expect(parseAlertUpdate(anySubaccount, { subaccounts: [3] })).toMatchObject({
      any_subaccount: false,
      subaccounts: [3],
    });
  });

  test("that breaks the alert gets the 400 a create would", () => {
    expect(() => parseAlertUpdate(stored, { threshold_evaluator: { source: "week_over_week" } })).toThrow(
      "'threshold_evaluator.source' must be raw for block_bounce_rate",
    );
  });
});
