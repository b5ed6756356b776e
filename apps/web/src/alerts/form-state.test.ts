import { parseAlert } from "@msgevents/alerts";
import { describe, expect, test } from "vitest";
import { alertFromForm, checkForm, EMPTY_FORM, fieldOfParam, formFromAlert } from "./form-state.ts";
import type { AlertObject } from "./types.ts";

const filled = {
  ...EMPTY_FORM,
  name: "Blocks at Gmail",
  subaccountMode: "listed" as const,
  subaccounts: "0, 4",
  filters: { ...EMPTY_FORM.filters, mailbox_provider: "Gmail,\nYahoo" },
  emails: "ops@example.com, deliverability@example.com",
  slack: " https://hooks.slack.com/services/T00/B00/XX ",
};

describe("the alert form", () => {
  test("makes an alert object the API accepts as it is", () => {
    const body = alertFromForm(filled);
    expect(body).toMatchObject({
      subaccounts: [0, 4],
      any_subaccount: false,
      filters: [{ filter_type: "mailbox_provider", filter_values: ["Gmail", "Yahoo"] }],
      threshold_evaluator: { operator: "gt", source: "raw", value: 10 },
      channels: {
        emails: ["ops@example.com", "deliverability@example.com"],
        slack: { target: "https://hooks.slack.com/services/T00/B00/XX" },
      },
    });
    expect(() => parseAlert(body)).not.toThrow();
  });

  test("reads back every field of an alert it made", () => {
    const stored: AlertObject = { ...parseAlert(alertFromForm(filled)), id: 3, last_triggered: null };
    expect(formFromAlert(stored)).toEqual({
      ...filled,
      filters: { ...filled.filters, mailbox_provider: "Gmail, Yahoo" },
      slack: filled.slack.trim(),
    });
  });

  test("says at the field what it can tell before asking the server", () => {
    expect(checkForm({ ...EMPTY_FORM, value: "ten", source: "day_over_day" })).toEqual({
      name: "Give the alert a name.",
      value: "The threshold must be a number.",
      source: "Rates are compared as they are: choose raw (day and week comparisons are for volumes).",
      channels: "Choose at least one channel: e-mail, webhook or Slack.",
    });
    expect(checkForm(filled)).toEqual({});
  });

  test("puts each of the server's errors at the field it names", () => {
    expect(fieldOfParam("threshold_evaluator.value")).toBe("value");
    expect(fieldOfParam("filters[1].filter_values")).toBe("filters");
    expect(fieldOfParam("channels.emails[0]")).toBe("emails");
    expect(fieldOfParam(undefined)).toBeUndefined();
  });
});
