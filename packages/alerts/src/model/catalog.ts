/**
 * What an alert can watch, as Metrics API metrics (packages/query/README.md, "Metrics API"): a rate is
 * 100 × numerator / denominator as SparkPost's app computes it, a volume a sum of metrics. The evaluator asks its
 * metrics source for exactly these names, so an alert's value is what the Metrics API answers for its window.
 */
export type AlertMetricDefinition =
  | {
      kind: "rate";
      numerator: string;
      denominator: string;
      /** The events the numerator counts, as an Events API search (drill-down links). */
      search: DrillDown;
      describe: string;
    }
  | { kind: "volume"; metrics: readonly string[]; search: DrillDown; describe: string };

export interface DrillDown {
  events: readonly string[];
  bounceClasses?: readonly number[];
}

const BOUNCES = ["bounce", "out_of_band"];
/** The bounce classes of each category, as the rollups count them (migration 0008). */
const HARD = [10, 30, 90];
const SOFT = [20, 21, 22, 23, 24, 40, 60, 70, 100];
const BLOCK = [50, 51, 52, 53, 54];

/** Every event the Metrics API counts, each in exactly one of these metrics. */
const ALL_COUNTED = [
  "count_targeted",
  "count_delivered",
  "count_delayed",
  "count_bounce",
  "count_admin_bounce",
  "count_rendered",
  "count_initial_rendered",
  "count_clicked",
  "count_spam_complaint",
  "count_unsubscribe",
];

export const ALERT_METRICS = {
  block_bounce_rate: {
    kind: "rate",
    numerator: "count_block_bounce",
    denominator: "count_sent",
    search: { events: BOUNCES, bounceClasses: BLOCK },
    describe: "block bounces per message sent, %",
  },
  hard_bounce_rate: {
    kind: "rate",
    numerator: "count_hard_bounce",
    denominator: "count_sent",
    search: { events: BOUNCES, bounceClasses: HARD },
    describe: "hard bounces per message sent, %",
  },
  soft_bounce_rate: {
    kind: "rate",
    numerator: "count_soft_bounce",
    denominator: "count_sent",
    search: { events: BOUNCES, bounceClasses: SOFT },
    describe: "soft bounces per message sent, %",
  },
  spam_complaint_rate: {
    kind: "rate",
    numerator: "count_spam_complaint",
    denominator: "count_accepted",
    search: { events: ["spam_complaint"] },
    describe: "spam complaints per message accepted, %",
  },
  delivered_rate: {
    kind: "rate",
    numerator: "count_delivered",
    denominator: "count_sent",
    search: { events: ["delivery", "bounce"] },
    describe: "deliveries per message sent, %",
  },
  injection_volume: {
    kind: "volume",
    metrics: ["count_injected"],
    search: { events: ["injection"] },
    describe: "messages injected",
  },
  accepted_volume: {
    kind: "volume",
    metrics: ["count_accepted"],
    search: { events: ["delivery"] },
    describe: "messages accepted by the receivers",
  },
  event_volume: {
    kind: "volume",
    metrics: ALL_COUNTED,
    search: { events: [] },
    describe: "events received",
  },
} as const satisfies Record<string, AlertMetricDefinition>;

export type AlertMetric = keyof typeof ALERT_METRICS;
export const ALERT_METRIC_NAMES = Object.keys(ALERT_METRICS) as AlertMetric[];

export const metricDefinition = (metric: AlertMetric): AlertMetricDefinition => ALERT_METRICS[metric];

/** SparkPost's own metrics that no webhook event rebuilds, with why (the 400 says so). */
export const UNSERVED_METRICS: Readonly<Record<string, string>> = {
  health_score:
    "health_score is SparkPost's proprietary daily score, computed from data its webhook events do not carry; msgevents cannot evaluate it (watch hard_bounce_rate, block_bounce_rate and spam_complaint_rate instead)",
  monthly_sending_limit:
    "monthly_sending_limit compares usage with your SparkPost plan's quota, which no event carries; msgevents cannot evaluate it (watch injection_volume instead)",
};

export const SOURCES = ["raw", "day_over_day", "week_over_week"] as const;
export type Source = (typeof SOURCES)[number];
export const OPERATORS = ["gt", "lt"] as const;
export type Operator = (typeof OPERATORS)[number];

/** How far back the comparison window of each source lies. */
export const SOURCE_OFFSET_MS: Readonly<Record<Source, number>> = {
  raw: 0,
  day_over_day: 86_400_000,
  week_over_week: 7 * 86_400_000,
};

/**
 * The dimensions a value combination is made of, in the order combinations are keyed and shown: the Metrics API's
 * dimension names. `subaccount` comes from `subaccounts`/`any_subaccount`, the others from `filters`.
 */
export const ALERT_DIMENSIONS = [
  "subaccount",
  "sending_domain",
  "sending_ip",
  "ip_pool",
  "mailbox_provider",
  "campaign",
] as const;
export type AlertDimension = (typeof ALERT_DIMENSIONS)[number];

/** The filter types of the alert object, each a dimension; `campaign_id` is msgevents' own. */
export const FILTER_TYPES = {
  sending_domain: "sending_domain",
  sending_ip: "sending_ip",
  ip_pool: "ip_pool",
  mailbox_provider: "mailbox_provider",
  campaign_id: "campaign",
} as const satisfies Record<string, AlertDimension>;
export type FilterType = keyof typeof FILTER_TYPES;

/** The key each dimension has in an incident's `filters` (SparkPost's: `subaccount_id`, `mailbox_provider`, …). */
export const COMBINATION_KEYS: Readonly<Record<AlertDimension, string>> = {
  subaccount: "subaccount_id",
  sending_domain: "sending_domain",
  sending_ip: "sending_ip",
  ip_pool: "ip_pool",
  mailbox_provider: "mailbox_provider",
  campaign: "campaign_id",
};

/** The Events API parameter that filters each dimension (drill-down links). */
export const SEARCH_PARAMS: Readonly<Record<AlertDimension, string>> = {
  subaccount: "subaccounts",
  sending_domain: "sending_domains",
  sending_ip: "sending_ips",
  ip_pool: "ip_pools",
  mailbox_provider: "mailbox_providers",
  campaign: "campaigns",
};
