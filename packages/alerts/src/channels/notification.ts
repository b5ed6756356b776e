import type { AlertChannels, AlertDefinition, Channel, ThresholdEvaluator } from "../model/alert.ts";
import { ALERT_METRICS, type AlertMetric, COMBINATION_KEYS, SEARCH_PARAMS } from "../model/catalog.ts";

/** SparkPost's webhook payload object for one incident (alerts.apib, "Webhook Payload"). */
export interface SparkPostAlertPayload {
  alert_id: number;
  incident_id: number;
  name: string;
  metric: string;
  triggered_value: number;
  triggered_at: string;
  threshold_evaluator: ThresholdEvaluator;
  filters: Record<string, string | number>;
}

/** Everything every channel says about one firing: SparkPost's payload plus what Slack and e-mail show. */
export interface AlertNotification extends SparkPostAlertPayload {
  kind: "triggered" | "reminder";
  /** The window the value covers (ISO). */
  window_from: string;
  window_to: string;
  first_fired: string;
  /** The web app's search for the events behind the value, over that window. */
  link: string;
}

/** One delivery as stored in the outbox and handed to a sender: the channel, where to, and what. */
export type DeliveryMessage =
  | { channel: "webhook"; target: string; notification: AlertNotification }
  | { channel: "slack"; target: string; notification: AlertNotification }
  | { channel: "emails"; recipients: string[]; notification: AlertNotification };

/** Values rounded to 2 decimals for people and receivers (the stored value keeps full precision). */
export const roundValue = (value: number): number => Math.round(value * 100) / 100;

const searchTime = (time: Date) => `${time.toISOString().slice(0, 19)}Z`;

/**
 * The web app's search (`#/search?…`, apps/web's address format: one parameter per value) for the events behind an
 * alert's value in a combination: the numerator's events of a rate, the volume's events, over the window.
 */
export function drillDownLink(
  baseUrl: string,
  metric: AlertMetric,
  filters: Record<string, string | number>,
  window: { from: Date; to: Date },
): string {
  const params = new URLSearchParams();
  const search = ALERT_METRICS[metric].search;
  for (const type of search.events) params.append("events", type);
  for (const bounceClass of "bounceClasses" in search ? search.bounceClasses : []) {
    params.append("bounce_classes", String(bounceClass));
  }
  for (const [dimension, key] of Object.entries(COMBINATION_KEYS)) {
    const value = filters[key];
    if (value !== undefined) params.append(SEARCH_PARAMS[dimension as keyof typeof SEARCH_PARAMS], String(value));
  }
  params.set("from", searchTime(window.from));
  params.set("to", searchTime(window.to));
  params.set("per_page", "100");
  return `${baseUrl.replace(/\/+$/, "")}/#/search?${params.toString()}`;
}

export function sparkPostPayload(notification: AlertNotification): SparkPostAlertPayload {
  const { alert_id, incident_id, name, metric, triggered_value, triggered_at, threshold_evaluator, filters } =
    notification;
  return { alert_id, incident_id, name, metric, triggered_value, triggered_at, threshold_evaluator, filters };
}

/** One delivery per channel the alert names. */
export function deliveriesFor(channels: AlertChannels, notification: AlertNotification): DeliveryMessage[] {
  const messages: DeliveryMessage[] = [];
  const order: Channel[] = ["webhook", "slack", "emails"];
  for (const channel of order) {
    if (channel === "emails" && channels.emails) messages.push({ channel, recipients: channels.emails, notification });
    if (channel === "webhook" && channels.webhook)
      messages.push({ channel, target: channels.webhook.target, notification });
    if (channel === "slack" && channels.slack) messages.push({ channel, target: channels.slack.target, notification });
  }
  return messages;
}

/** `block_bounce_rate above 10 (raw)`, `injection_volume below -50% day over day`. */
export function describeThreshold(alert: Pick<AlertDefinition, "metric" | "threshold_evaluator">): string {
  const { operator, source, value } = alert.threshold_evaluator;
  const direction = operator === "gt" ? "above" : "below";
  if (source === "raw") {
    const unit = ALERT_METRICS[alert.metric].kind === "rate" ? "%" : "";
    return `${alert.metric} ${direction} ${value}${unit}`;
  }
  return `${alert.metric} ${direction} ${value}% ${source.replaceAll("_", " ")}`;
}
