import { ALERT_METRICS, type AlertMetric } from "../model/catalog.ts";
import { type AlertNotification, describeThreshold, sparkPostPayload } from "./notification.ts";

const metricOf = (notification: AlertNotification) => notification.metric as AlertMetric;

function formatValue(notification: AlertNotification): string {
  const { source } = notification.threshold_evaluator;
  if (source !== "raw") return `${notification.triggered_value}% ${source.replaceAll("_", " ")}`;
  return ALERT_METRICS[metricOf(notification)].kind === "rate"
    ? `${notification.triggered_value}%`
    : String(notification.triggered_value);
}

function describeFilters(filters: Record<string, string | number>): string {
  const parts = Object.entries(filters).map(([key, value]) => `${key} ${value}`);
  return parts.length > 0 ? parts.join(", ") : "the whole account";
}

const headline = (notification: AlertNotification) =>
  `${notification.kind === "reminder" ? "Still firing" : "Alert"}: ${notification.name}`;

/** The webhook channel's body: SparkPost's payload, an array of one object per incident. */
export const webhookBody = (notification: AlertNotification): string =>
  JSON.stringify([sparkPostPayload(notification)]);

/** Slack escapes only these three in message text (api.slack.com, "Formatting text for app surfaces"). */
const slackEscape = (text: string) => text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");

/**
 * An incoming-webhook message: `text` (the notification, and what Slack shows where blocks cannot be shown) and
 * blocks with the rule, value, threshold, filters, window and a button to the events behind the value.
 */
export function slackBody(notification: AlertNotification): string {
  const threshold = describeThreshold({
    metric: metricOf(notification),
    threshold_evaluator: notification.threshold_evaluator,
  });
  const filters = describeFilters(notification.filters);
  const text = `${headline(notification)} — ${notification.metric} ${formatValue(notification)} (${threshold}) for ${filters}`;
  const field = (title: string, value: string) => ({ type: "mrkdwn", text: `*${title}*\n${slackEscape(value)}` });
  return JSON.stringify({
    text: slackEscape(text),
    blocks: [
      { type: "section", text: { type: "mrkdwn", text: `*${slackEscape(headline(notification))}*` } },
      {
        type: "section",
        fields: [
          field("Value", `${notification.metric} ${formatValue(notification)}`),
          field("Threshold", threshold),
          field("Filters", filters),
          field("Window", `${notification.window_from} – ${notification.window_to}`),
        ],
      },
      {
        type: "actions",
        elements: [{ type: "button", text: { type: "plain_text", text: "Open the events" }, url: notification.link }],
      },
    ],
  });
}

const htmlEscape = (text: string) =>
  text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");

/** The e-mail's subject, text and HTML parts. */
export function emailContent(notification: AlertNotification): { subject: string; text: string; html: string } {
  const threshold = describeThreshold({
    metric: metricOf(notification),
    threshold_evaluator: notification.threshold_evaluator,
  });
  const rows: [string, string][] = [
    ["Value", `${notification.metric} ${formatValue(notification)}`],
    ["Threshold", threshold],
    ["Filters", describeFilters(notification.filters)],
    ["Window", `${notification.window_from} – ${notification.window_to}`],
    ["First fired", notification.first_fired],
    ["Incident", `${notification.incident_id} of alert ${notification.alert_id}`],
  ];
  const subject = `[msgevents] ${headline(notification)} (${notification.metric} ${formatValue(notification)})`;
  const text = [
    `${headline(notification)}`,
    "",
    ...rows.map(([name, value]) => `${name}: ${value}`),
    "",
    `The events: ${notification.link}`,
  ].join("\n");
  const html = [
    `<h1>${htmlEscape(headline(notification))}</h1>`,
    "<table>",
    ...rows.map(([name, value]) => `<tr><th align="left">${htmlEscape(name)}</th><td>${htmlEscape(value)}</td></tr>`),
    "</table>",
    `<p><a href="${htmlEscape(notification.link)}">Open the events</a></p>`,
  ].join("\n");
  return { subject, text, html };
}
