/**
 * What the dashboard charts and how each number maps back to events: the Metrics API name, and the Events API
 * filters that select exactly the events it counts (see the Metrics API README for each metric's meaning).
 */
export interface MetricDefinition {
  metric: string;
  label: string;
  /** Line colour: each has at least 3:1 contrast on white, as WCAG asks of graphics. */
  color: string;
  events: readonly string[];
  /** Extra Events API filters, e.g. bounce classes. */
  filters?: Record<string, readonly string[]>;
}

/** SparkPost's bounce classes outside the Admin category (25, 80), which `count_bounce` leaves out. */
export const NON_ADMIN_BOUNCE_CLASSES = [
  "1",
  "10",
  "20",
  "21",
  "22",
  "23",
  "24",
  "30",
  "40",
  "50",
  "51",
  "52",
  "53",
  "54",
  "60",
  "70",
  "90",
  "100",
] as const;

export const INJECTED: MetricDefinition = {
  metric: "count_injected",
  label: "Injected",
  color: "#4b5563",
  events: ["injection"],
};
export const DELIVERED: MetricDefinition = {
  metric: "count_delivered",
  label: "Delivered",
  color: "#15803d",
  events: ["delivery"],
};
export const BOUNCED: MetricDefinition = {
  metric: "count_bounce",
  label: "Bounced",
  color: "#b91c1c",
  events: ["bounce", "out_of_band"],
  filters: { bounce_classes: NON_ADMIN_BOUNCE_CLASSES },
};
export const DELAYED: MetricDefinition = {
  metric: "count_delayed",
  label: "Delayed",
  color: "#b45309",
  events: ["delay"],
};
export const REJECTED: MetricDefinition = {
  metric: "count_rejected",
  label: "Rejected",
  color: "#7c2d12",
  events: ["policy_rejection", "generation_rejection", "generation_failure"],
};
export const OPENED: MetricDefinition = {
  metric: "count_rendered",
  label: "Opened",
  color: "#1d4ed8",
  events: ["open", "amp_open"],
};
export const CLICKED: MetricDefinition = {
  metric: "count_clicked",
  label: "Clicked",
  color: "#7e22ce",
  events: ["click", "amp_click"],
};
export const COMPLAINED: MetricDefinition = {
  metric: "count_spam_complaint",
  label: "Spam complaints",
  color: "#be185d",
  events: ["spam_complaint"],
};
export const TARGETED: MetricDefinition = {
  metric: "count_targeted",
  label: "Targeted",
  color: "#374151",
  events: ["injection", "policy_rejection", "generation_rejection", "generation_failure"],
};

/** The volume chart's series, one per event kind. */
export const VOLUME_METRICS = [INJECTED, DELIVERED, BOUNCED, DELAYED, REJECTED, OPENED, CLICKED, COMPLAINED];

/** The columns of the top-domains table. */
export const DOMAIN_METRICS = [TARGETED, DELIVERED, BOUNCED, OPENED, CLICKED];

/**
 * The key rates, as SparkPost's app computes them (100 × numerator / denominator, 0 when the denominator is 0):
 * delivered and bounce rates over messages sent; open, click and complaint rates over messages accepted.
 */
export const RATES = [
  { id: "delivered", label: "Delivered rate", numerator: "count_delivered", denominator: "count_sent" },
  { id: "bounce", label: "Bounce rate", numerator: "count_bounce", denominator: "count_sent" },
  { id: "open", label: "Open rate", numerator: "count_unique_confirmed_opened", denominator: "count_accepted" },
  { id: "click", label: "Click-through rate", numerator: "count_unique_clicked", denominator: "count_accepted" },
  { id: "complaint", label: "Complaint rate", numerator: "count_spam_complaint", denominator: "count_accepted" },
] as const;

export const RATE_METRICS = [...new Set(RATES.flatMap((rate) => [rate.numerator, rate.denominator]))];

export function percentage(numerator: number, denominator: number): number {
  return denominator === 0 ? 0 : (100 * numerator) / denominator;
}
