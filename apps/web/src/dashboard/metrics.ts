/**
 * What the dashboard shows and how each number maps back to events: counts by their Metrics API name (with the
 * Events API filters that select exactly the events counted, where a search can), and rates as SparkPost's app
 * computes them (see the Metrics API README for each metric's meaning).
 */
export interface CountDefinition {
  kind: "count";
  /** The Metrics API metric. */
  id: string;
  label: string;
  /** Line colour: each has at least 3:1 contrast on white, as WCAG asks of graphics. */
  color: string;
  /**
   * The Events API event types (and extra filters) that select exactly the events counted; absent where no search
   * does (unique counts are messages, not events; sent and accepted mix or subtract kinds).
   */
  events?: readonly string[];
  filters?: Record<string, readonly string[]>;
}

export interface RateDefinition {
  kind: "rate";
  id: string;
  label: string;
  color: string;
  numerator: CountDefinition;
  denominator: CountDefinition;
  /** The column heading where space is short: "Open %". */
  short: string;
  /**
   * Whether SparkPost's definition lets the rate pass 100 %: events of the window over messages of the window count
   * bounces, opens and complaints of mail sent before it, and unique opens and clicks are unique per increment.
   */
  canPass100: boolean;
}

export type MetricDefinition = CountDefinition | RateDefinition;

/** SparkPost's bounce classes by category; Admin (25, 80) is not part of `count_bounce`. */
export const BOUNCE_CATEGORIES = {
  hard: ["10", "30", "90"],
  soft: ["20", "21", "22", "23", "24", "40", "60", "70", "100"],
  block: ["50", "51", "52", "53", "54"],
  admin: ["25", "80"],
  undetermined: ["1"],
} as const;

/** Every class but Admin's: a search for bounces as `count_bounce` counts them. */
export const NON_ADMIN_BOUNCE_CLASSES = [
  ...BOUNCE_CATEGORIES.undetermined,
  ...BOUNCE_CATEGORIES.hard,
  ...BOUNCE_CATEGORIES.soft,
  ...BOUNCE_CATEGORIES.block,
].sort((a, b) => Number(a) - Number(b));

const BOUNCE_TYPES = ["bounce", "out_of_band"];
const count = (
  id: string,
  label: string,
  color: string,
  events?: readonly string[],
  filters?: Record<string, readonly string[]>,
): CountDefinition => ({
  kind: "count",
  id,
  label,
  color,
  ...(events ? { events } : {}),
  ...(filters ? { filters } : {}),
});

export const TARGETED = count("count_targeted", "Targeted", "#374151", [
  "injection",
  "policy_rejection",
  "generation_rejection",
  "generation_failure",
]);
export const INJECTED = count("count_injected", "Injected", "#4b5563", ["injection"]);
export const SENT = count("count_sent", "Sent", "#0f766e");
export const DELIVERED = count("count_delivered", "Delivered", "#15803d", ["delivery"]);
export const ACCEPTED = count("count_accepted", "Accepted", "#166534");
export const BOUNCED = count("count_bounce", "Bounced", "#b91c1c", BOUNCE_TYPES, {
  bounce_classes: NON_ADMIN_BOUNCE_CLASSES,
});
export const HARD_BOUNCED = count("count_hard_bounce", "Hard bounces", "#991b1b", BOUNCE_TYPES, {
  bounce_classes: BOUNCE_CATEGORIES.hard,
});
export const SOFT_BOUNCED = count("count_soft_bounce", "Soft bounces", "#c2410c", BOUNCE_TYPES, {
  bounce_classes: BOUNCE_CATEGORIES.soft,
});
export const BLOCK_BOUNCED = count("count_block_bounce", "Block bounces", "#9f1239", BOUNCE_TYPES, {
  bounce_classes: BOUNCE_CATEGORIES.block,
});
export const UNDETERMINED_BOUNCED = count(
  "count_undetermined_bounce",
  "Undetermined bounces",
  "#6b21a8",
  BOUNCE_TYPES,
  {
    bounce_classes: BOUNCE_CATEGORIES.undetermined,
  },
);
export const ADMIN_BOUNCED = count("count_admin_bounce", "Admin bounces", "#57534e", BOUNCE_TYPES, {
  bounce_classes: BOUNCE_CATEGORIES.admin,
});
export const DELAYED = count("count_delayed", "Delayed", "#b45309", ["delay"]);
export const REJECTED = count("count_rejected", "Rejected", "#7c2d12", [
  "policy_rejection",
  "generation_rejection",
  "generation_failure",
]);
export const OPENED = count("count_rendered", "Opened", "#1d4ed8", ["open", "amp_open"]);
export const UNIQUE_OPENED = count("count_unique_confirmed_opened", "Unique opens", "#1e40af");
export const CLICKED = count("count_clicked", "Clicked", "#7e22ce", ["click", "amp_click"]);
export const UNIQUE_CLICKED = count("count_unique_clicked", "Unique clicks", "#6b21a8");
export const COMPLAINED = count("count_spam_complaint", "Spam complaints", "#be185d", ["spam_complaint"]);
export const UNSUBSCRIBED = count("count_unsubscribe", "Unsubscribes", "#0e7490", [
  "list_unsubscribe",
  "link_unsubscribe",
]);

const rate = (
  id: string,
  label: string,
  color: string,
  numerator: CountDefinition,
  denominator: CountDefinition,
  canPass100: boolean,
): RateDefinition => ({
  kind: "rate",
  id,
  label,
  color,
  numerator,
  denominator,
  short: `${label.replace(/ rate$/, "").replace("Click-through", "Click")} %`,
  canPass100,
});

export const DELIVERED_RATE = rate("delivered_rate", "Delivered rate", "#15803d", DELIVERED, SENT, false);
export const BOUNCE_RATE = rate("bounce_rate", "Bounce rate", "#b91c1c", BOUNCED, SENT, true);
export const HARD_BOUNCE_RATE = rate("hard_bounce_rate", "Hard bounce rate", "#991b1b", HARD_BOUNCED, SENT, true);
export const OPEN_RATE = rate("open_rate", "Open rate", "#1d4ed8", UNIQUE_OPENED, ACCEPTED, true);
export const CLICK_RATE = rate("click_rate", "Click-through rate", "#7e22ce", UNIQUE_CLICKED, ACCEPTED, true);
export const COMPLAINT_RATE = rate("complaint_rate", "Complaint rate", "#be185d", COMPLAINED, ACCEPTED, true);
export const UNSUBSCRIBE_RATE = rate("unsubscribe_rate", "Unsubscribe rate", "#0e7490", UNSUBSCRIBED, ACCEPTED, true);

/** Everything the chart can draw, counts on the left axis and rates (%) on the right. */
export const CHART_METRICS: readonly MetricDefinition[] = [
  TARGETED,
  INJECTED,
  SENT,
  DELIVERED,
  ACCEPTED,
  BOUNCED,
  HARD_BOUNCED,
  SOFT_BOUNCED,
  BLOCK_BOUNCED,
  DELAYED,
  REJECTED,
  OPENED,
  UNIQUE_OPENED,
  CLICKED,
  UNIQUE_CLICKED,
  COMPLAINED,
  UNSUBSCRIBED,
  DELIVERED_RATE,
  BOUNCE_RATE,
  HARD_BOUNCE_RATE,
  OPEN_RATE,
  CLICK_RATE,
  COMPLAINT_RATE,
  UNSUBSCRIBE_RATE,
];

/** The chart's series until the user picks others: the volume of each kind of event, and two rates. */
export const DEFAULT_CHART = [
  INJECTED,
  DELIVERED,
  BOUNCED,
  DELAYED,
  REJECTED,
  OPENED,
  CLICKED,
  COMPLAINED,
  BOUNCE_RATE,
  OPEN_RATE,
].map((metric) => metric.id);

/** The rate cards, each beside its value for the previous period. */
export const KEY_RATES = [DELIVERED_RATE, BOUNCE_RATE, HARD_BOUNCE_RATE, OPEN_RATE, CLICK_RATE, COMPLAINT_RATE];

/** The bounce split: the four categories that make up `count_bounce`, and Admin beside them. */
export const BOUNCE_SPLIT = [
  { metric: HARD_BOUNCED, category: "Hard" },
  { metric: SOFT_BOUNCED, category: "Soft" },
  { metric: BLOCK_BOUNCED, category: "Block" },
  { metric: UNDETERMINED_BOUNCED, category: "Undetermined" },
] as const;

/** The counts a metric is made of (a rate needs its numerator and denominator). */
export function countsOf(metrics: readonly MetricDefinition[]): string[] {
  const ids = metrics.flatMap((metric) =>
    metric.kind === "count" ? [metric.id] : [metric.numerator.id, metric.denominator.id],
  );
  return [...new Set(ids)];
}

/** The summary's metrics: every key rate's counts, the bounce split and the totals shown beside them. */
export const SUMMARY_METRICS = countsOf([
  ...KEY_RATES,
  TARGETED,
  REJECTED,
  DELAYED,
  ...BOUNCE_SPLIT.map((part) => part.metric),
  ADMIN_BOUNCED,
]);

/** 100 × numerator / denominator, as SparkPost's app computes rates: 0 when there is nothing to divide by. */
export function percentage(numerator: number, denominator: number): number {
  return denominator <= 0 ? 0 : (100 * numerator) / denominator;
}

/** A metric's value in a row of counts. */
export function metricValue(metric: MetricDefinition, row: Readonly<Record<string, unknown>> | undefined): number {
  const read = (id: string) => Number(row?.[id] ?? 0);
  return metric.kind === "count" ? read(metric.id) : percentage(read(metric.numerator.id), read(metric.denominator.id));
}

export const formatCount = (value: number): string => value.toLocaleString("en-US");
export const formatRate = (value: number): string => `${value.toFixed(1)}%`;
export const formatValue = (metric: MetricDefinition, value: number): string =>
  metric.kind === "count" ? formatCount(value) : formatRate(value);
