import { describe, expect, test } from "vitest";
import { ALERT_DEFAULTS, type AlertDefinition } from "../model/alert.ts";
import { judgeAlerts, measureAlerts } from "./evaluate.ts";
import { decide, type OpenIncident } from "./incidents.ts";
import type { Observation } from "./observe.ts";
import { planQueries, scopeOf, windowsOf } from "./plan.ts";
import type { AlertMetricsSource, MeasureQuery, MeasureRow } from "./source.ts";

const NOW = new Date("2030-01-10T12:00:30Z");

const evaluateAlerts = async (
  alerts: { id: number; definition: AlertDefinition }[],
  open: OpenIncident[],
  source: AlertMetricsSource,
  now: Date,
) => judgeAlerts(await measureAlerts(alerts, source, now), open, now);

function alert(fields: Partial<AlertDefinition> = {}): AlertDefinition {
  return {
    name: "Block bounces",
    metric: "block_bounce_rate",
    muted: false,
    subaccounts: [-1],
    any_subaccount: false,
    filters: [{ filter_type: "mailbox_provider", filter_values: ["Gmail", "Yahoo"] }],
    threshold_evaluator: { operator: "gt", source: "raw", value: 10 },
    channels: { webhook: { target: "https://example.com/hook" } },
    ...ALERT_DEFAULTS,
    ...fields,
  };
}

/** A metrics source answering from a table of rows per window start, recording every query it gets. */
function tableSource(rows: (query: MeasureQuery) => MeasureRow[]): AlertMetricsSource & { queries: MeasureQuery[] } {
  const queries: MeasureQuery[] = [];
  return {
    queries,
    async measure(query) {
      queries.push(query);
      return rows(query);
    },
  };
}

describe("planning", () => {
  test("a window ends on the minute before now and spans window_minutes; *_over_* sources add the earlier one", () => {
    expect(windowsOf(alert(), NOW)).toEqual({
      current: { from: new Date("2030-01-10T11:00:00Z"), to: new Date("2030-01-10T12:00:00Z") },
    });
    const weekly = alert({
      metric: "injection_volume",
      threshold_evaluator: { operator: "lt", source: "week_over_week", value: -50 },
    });
    expect(windowsOf(weekly, NOW).comparison).toEqual({
      from: new Date("2030-01-03T11:00:00Z"),
      to: new Date("2030-01-03T12:00:00Z"),
    });
  });

  test("subaccounts [-1] are the whole account, explicit ones and any_subaccount a dimension each", () => {
    expect(scopeOf(alert()).dimensions).toEqual(["mailbox_provider"]);
    expect(scopeOf(alert({ subaccounts: [0, 4] })).constraints.get("subaccount")).toEqual(["0", "4"]);
    const any = scopeOf(alert({ subaccounts: undefined, any_subaccount: true }));
    expect(any.dimensions).toEqual(["subaccount", "mailbox_provider"]);
    expect(any.constraints.has("subaccount")).toBe(false);
  });

  test("alerts reading one window at the same dimensions share one query with every metric and value they need", () => {
    const reads = [
      alert(),
      alert({ metric: "hard_bounce_rate", filters: [{ filter_type: "mailbox_provider", filter_values: ["Outlook"] }] }),
      alert({ metric: "spam_complaint_rate", window_minutes: 120 }),
    ].map((definition) => {
      const windows = windowsOf(definition, NOW);
      return { alert: definition, scope: scopeOf(definition), windows: [windows.current] };
    });
    const planned = planQueries(reads);
    expect(planned).toHaveLength(2);
    expect(planned[0]?.query.metrics).toEqual(["count_block_bounce", "count_hard_bounce", "count_sent"]);
    expect(planned[0]?.query.filters.get("mailbox_provider")).toEqual(["Gmail", "Yahoo", "Outlook"]);
  });

  test("a dimension one of the sharing alerts leaves open is not filtered", () => {
    const constrained = alert({ subaccounts: [3], filters: [] });
    const open = alert({ subaccounts: undefined, any_subaccount: true, filters: [] });
    const planned = planQueries(
      [constrained, open].map((definition) => ({
        alert: definition,
        scope: scopeOf(definition),
        windows: [windowsOf(definition, NOW).current],
      })),
    );
    expect(planned).toHaveLength(1);
    expect(planned[0]?.query.filters.size).toBe(0);
  });
});

describe("evaluation", () => {
  const gmail = (sent: number, blocks: number): MeasureRow => ({
    values: ["Gmail"],
    metrics: { count_sent: sent, count_block_bounce: blocks },
  });

  test("fires for the one combination above the threshold, and judges none below the minimum volume", async () => {
    const source = tableSource(() => [
      gmail(200, 40),
      { values: ["Yahoo"], metrics: { count_sent: 50, count_block_bounce: 25 } },
      { values: ["Outlook"], metrics: { count_sent: 500, count_block_bounce: 400 } },
    ]);
    const [result] = await evaluateAlerts([{ id: 1, definition: alert() }], [], source, NOW);
    expect(result?.actions).toEqual([
      {
        type: "open",
        observation: {
          combination: '{"mailbox_provider":"Gmail"}',
          filters: { mailbox_provider: "Gmail" },
          value: 20,
          firing: true,
          window: { from: new Date("2030-01-10T11:00:00Z"), to: new Date("2030-01-10T12:00:00Z") },
        },
      },
    ]);
    // Yahoo: 25 of 50 is 50 %, but 50 messages are below the minimum volume of 100. Outlook is not in the filter.
    expect(result?.observations).toBe(2);
  });

  test("day_over_day catches a drop, even to no events at all, and needs the minimum volume a day earlier", async () => {
    const drop = alert({
      metric: "injection_volume",
      subaccounts: undefined,
      any_subaccount: true,
      filters: [],
      threshold_evaluator: { operator: "lt", source: "day_over_day", value: -50 },
    });
    const today = new Date("2030-01-10T11:00:00Z").getTime();
    const source = tableSource((query) =>
      query.from.getTime() === today
        ? [{ values: ["1"], metrics: { count_injected: 300 } }]
        : [
            { values: ["1"], metrics: { count_injected: 1000 } },
            { values: ["2"], metrics: { count_injected: 800 } },
            { values: ["3"], metrics: { count_injected: 40 } },
          ],
    );
    const [result] = await evaluateAlerts([{ id: 2, definition: drop }], [], source, NOW);
    const opened = result?.actions.map((action) => (action.type === "open" ? action.observation : undefined));
    expect(opened?.map((observation) => [observation?.filters, observation?.value])).toEqual([
      [{ subaccount_id: 1 }, -70],
      [{ subaccount_id: 2 }, -100],
    ]);
  });

  test("a volume that must not drop below a value watches explicit combinations without events", async () => {
    const silence = alert({
      metric: "event_volume",
      filters: [{ filter_type: "sending_domain", filter_values: ["mail.example.com"] }],
      threshold_evaluator: { operator: "lt", source: "raw", value: 1 },
      window_minutes: 360,
    });
    const [result] = await evaluateAlerts(
      [{ id: 3, definition: silence }],
      [],
      tableSource(() => []),
      NOW,
    );
    expect(result?.actions).toMatchObject([
      { type: "open", observation: { value: 0, filters: { sending_domain: "mail.example.com" } } },
    ]);
  });
});

describe("an incident", () => {
  const definition = alert({ recovery_minutes: 60, reminder_minutes: 1440 });
  const observation = (value: number | undefined): Observation => ({
    combination: "{}",
    filters: {},
    value,
    firing: value !== undefined && value > 10,
    window: { from: new Date(NOW.getTime() - 3_600_000), to: NOW },
  });
  const open = (fields: Partial<OpenIncident> = {}): OpenIncident => ({
    id: 9,
    alertId: 1,
    combination: "{}",
    filters: {},
    firstFired: new Date("2030-01-10T08:00:00Z"),
    lastNotified: new Date("2030-01-10T08:00:00Z"),
    recoveringSince: null,
    ...fields,
  });

  test("opens once: a combination still firing with an open incident is only confirmed", () => {
    expect(decide(definition, observation(20), undefined, NOW)?.type).toBe("open");
    expect(decide(definition, observation(20), open(), NOW)).toMatchObject({ type: "fire", remind: false });
  });

  test("reminds once the reminder period passed since the last notification", () => {
    const lastNotified = new Date(NOW.getTime() - 1440 * 60_000);
    expect(decide(definition, observation(20), open({ lastNotified }), NOW)).toMatchObject({ remind: true });
    expect(decide({ ...definition, reminder_minutes: 0 }, observation(20), open({ lastNotified }), NOW)).toMatchObject({
      remind: false,
    });
  });

  test("closes only after staying within the threshold for the recovery period", () => {
    expect(decide(definition, observation(5), open(), NOW)).toMatchObject({ type: "recover", since: NOW });
    const since = new Date(NOW.getTime() - 59 * 60_000);
    expect(decide(definition, observation(5), open({ recoveringSince: since }), NOW)).toMatchObject({
      type: "recover",
      since,
    });
    const longAgo = new Date(NOW.getTime() - 60 * 60_000);
    expect(decide(definition, observation(5), open({ recoveringSince: longAgo }), NOW)?.type).toBe("close");
  });

  test("firing again while recovering starts the recovery over", () => {
    const since = new Date(NOW.getTime() - 30 * 60_000);
    expect(decide(definition, observation(30), open({ recoveringSince: since }), NOW)?.type).toBe("fire");
  });

  test("is left as it is while the combination cannot be judged", () => {
    expect(decide(definition, observation(undefined), open(), NOW)).toBeUndefined();
  });
});
