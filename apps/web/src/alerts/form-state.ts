import { ALERT_DEFAULTS, type AlertDefinition, WHOLE_ACCOUNT } from "@msgevents/alerts/alert";
import { ALERT_METRICS, type AlertMetric, FILTER_TYPES, type FilterType } from "@msgevents/alerts/catalog";
import type { AlertObject } from "./types.ts";

export const FILTER_LABELS: Readonly<Record<FilterType, string>> = {
  sending_domain: "Sending domains",
  sending_ip: "Sending IPs",
  ip_pool: "IP pools",
  mailbox_provider: "Mailbox providers",
  campaign_id: "Campaigns",
};
export const FILTER_TYPE_NAMES = Object.keys(FILTER_TYPES) as FilterType[];

/** The form as the user edits it: lists as comma-separated text, numbers as typed. */
export interface AlertForm {
  name: string;
  metric: AlertMetric;
  muted: boolean;
  operator: "gt" | "lt";
  source: "raw" | "day_over_day" | "week_over_week";
  value: string;
  subaccountMode: "whole" | "each" | "listed";
  subaccounts: string;
  filters: Record<FilterType, string>;
  windowMinutes: string;
  minVolume: string;
  recoveryMinutes: string;
  reminderMinutes: string;
  emails: string;
  webhook: string;
  slack: string;
}

/** The form's fields, each the place an error about it is shown. */
export type FormField = keyof AlertForm | "channels";

export const EMPTY_FORM: AlertForm = {
  name: "",
  metric: "block_bounce_rate",
  muted: false,
  operator: "gt",
  source: "raw",
  value: "10",
  subaccountMode: "whole",
  subaccounts: "",
  filters: { sending_domain: "", sending_ip: "", ip_pool: "", mailbox_provider: "", campaign_id: "" },
  windowMinutes: String(ALERT_DEFAULTS.window_minutes),
  minVolume: String(ALERT_DEFAULTS.min_volume),
  recoveryMinutes: String(ALERT_DEFAULTS.recovery_minutes),
  reminderMinutes: String(ALERT_DEFAULTS.reminder_minutes),
  emails: "",
  webhook: "",
  slack: "",
};

const list = (text: string) =>
  text
    .split(/[,\n]/)
    .map((value) => value.trim())
    .filter((value) => value !== "");

/** A number as typed; text that is not one is sent as it is, for the API to name the field it is wrong in. */
const numberOrText = (text: string): number | string =>
  text.trim() !== "" && Number.isFinite(Number(text)) ? Number(text) : text;

export function formFromAlert(alert: AlertObject): AlertForm {
  const filters = { ...EMPTY_FORM.filters };
  for (const filter of alert.filters) filters[filter.filter_type] = filter.filter_values.join(", ");
  const whole = alert.subaccounts?.length === 1 && alert.subaccounts[0] === WHOLE_ACCOUNT;
  return {
    name: alert.name,
    metric: alert.metric,
    muted: alert.muted,
    operator: alert.threshold_evaluator.operator,
    source: alert.threshold_evaluator.source,
    value: String(alert.threshold_evaluator.value),
    subaccountMode: alert.any_subaccount ? "each" : whole ? "whole" : "listed",
    subaccounts: whole ? "" : (alert.subaccounts ?? []).join(", "),
    filters,
    windowMinutes: String(alert.window_minutes),
    minVolume: String(alert.min_volume),
    recoveryMinutes: String(alert.recovery_minutes),
    reminderMinutes: String(alert.reminder_minutes),
    emails: (alert.channels.emails ?? []).join(", "),
    webhook: alert.channels.webhook?.target ?? "",
    slack: alert.channels.slack?.target ?? "",
  };
}

/** The alert object the API takes (create, or update with every field). */
export function alertFromForm(form: AlertForm): Record<string, unknown> {
  const subaccounts =
    form.subaccountMode === "each"
      ? { any_subaccount: true }
      : {
          any_subaccount: false,
          subaccounts: form.subaccountMode === "whole" ? [WHOLE_ACCOUNT] : list(form.subaccounts).map(numberOrText),
        };
  const channels: AlertDefinition["channels"] = {};
  if (list(form.emails).length > 0) channels.emails = list(form.emails);
  if (form.webhook.trim()) channels.webhook = { target: form.webhook.trim() };
  if (form.slack.trim()) channels.slack = { target: form.slack.trim() };
  return {
    name: form.name.trim(),
    metric: form.metric,
    muted: form.muted,
    ...subaccounts,
    filters: FILTER_TYPE_NAMES.filter((type) => list(form.filters[type]).length > 0).map((type) => ({
      filter_type: type,
      filter_values: list(form.filters[type]),
    })),
    threshold_evaluator: { operator: form.operator, source: form.source, value: numberOrText(form.value) },
    channels,
    window_minutes: numberOrText(form.windowMinutes),
    min_volume: numberOrText(form.minVolume),
    recovery_minutes: numberOrText(form.recoveryMinutes),
    reminder_minutes: numberOrText(form.reminderMinutes),
  };
}

/** What the form can tell before asking the server: the same rules, said at the field. */
export function checkForm(form: AlertForm): Partial<Record<FormField, string>> {
  const problems: Partial<Record<FormField, string>> = {};
  if (form.name.trim() === "") problems.name = "Give the alert a name.";
  if (form.value.trim() === "" || !Number.isFinite(Number(form.value)))
    problems.value = "The threshold must be a number.";
  else if (ALERT_METRICS[form.metric].kind === "rate" && form.source === "raw") {
    const value = Number(form.value);
    if (value < 0 || value > 100) problems.value = "A rate's threshold is a percentage from 0 to 100.";
  }
  if (ALERT_METRICS[form.metric].kind === "rate" && form.source !== "raw") {
    problems.source = "Rates are compared as they are: choose raw (day and week comparisons are for volumes).";
  }
  if (form.subaccountMode === "listed" && list(form.subaccounts).length === 0) {
    problems.subaccounts = "List at least one subaccount id (0 is the primary account).";
  }
  if (!form.emails.trim() && !form.webhook.trim() && !form.slack.trim()) {
    problems.channels = "Choose at least one channel: e-mail, webhook or Slack.";
  }
  return problems;
}

/** The form field a server error's `param` is about (`threshold_evaluator.value` → value, `filters[1]…` → filters). */
export function fieldOfParam(param: string | undefined): FormField | undefined {
  if (!param) return undefined;
  const exact: Record<string, FormField> = {
    name: "name",
    metric: "metric",
    muted: "muted",
    subaccounts: "subaccounts",
    any_subaccount: "subaccounts",
    "threshold_evaluator.operator": "operator",
    "threshold_evaluator.source": "source",
    "threshold_evaluator.value": "value",
    window_minutes: "windowMinutes",
    min_volume: "minVolume",
    recovery_minutes: "recoveryMinutes",
    reminder_minutes: "reminderMinutes",
    channels: "channels",
    "channels.webhook.target": "webhook",
    "channels.slack.target": "slack",
  };
  if (exact[param]) return exact[param];
  if (param.startsWith("subaccounts")) return "subaccounts";
  if (param.startsWith("filters")) return "filters";
  if (param.startsWith("channels.emails")) return "emails";
  return undefined;
}
