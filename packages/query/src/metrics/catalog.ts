import type { RollupCounter } from "@msgevents/schema";

/** A served metric as a sum of rollup counters minus others (count_accepted: delivered less out-of-band bounces). */
export interface MetricDefinition {
  plus: readonly RollupCounter[];
  minus?: readonly RollupCounter[];
}

const REJECTED: readonly RollupCounter[] = [
  "count_policy_rejection",
  "count_generation_rejection",
  "count_generation_failed",
];

const same = (counter: RollupCounter): MetricDefinition => ({ plus: [counter] });

/** Every metric msgevents serves, by SparkPost's name; see the package README for each meaning. */
export const SERVED_METRICS = {
  count_targeted: { plus: ["count_injected", ...REJECTED] },
  count_injected: same("count_injected"),
  count_rejected: { plus: REJECTED },
  count_policy_rejection: same("count_policy_rejection"),
  count_generation_rejection: same("count_generation_rejection"),
  count_generation_failed: same("count_generation_failed"),
  count_sent: { plus: ["count_delivered", "count_inband_bounce"] },
  count_delivered: same("count_delivered"),
  count_delivered_first: same("count_delivered_first"),
  count_delivered_subsequent: same("count_delivered_subsequent"),
  count_accepted: { plus: ["count_delivered"], minus: ["count_outofband_bounce"] },
  count_delayed: same("count_delayed"),
  count_delayed_first: same("count_delayed_first"),
  count_bounce: { plus: ["count_inband_bounce", "count_outofband_bounce"] },
  count_inband_bounce: same("count_inband_bounce"),
  count_outofband_bounce: same("count_outofband_bounce"),
  count_hard_bounce: same("count_hard_bounce"),
  count_soft_bounce: same("count_soft_bounce"),
  count_block_bounce: same("count_block_bounce"),
  count_undetermined_bounce: same("count_undetermined_bounce"),
  count_admin_bounce: same("count_admin_bounce"),
  count_rendered: same("count_rendered"),
  count_initial_rendered: same("count_initial_rendered"),
  count_unique_rendered: same("count_unique_rendered"),
  count_unique_initial_rendered: same("count_unique_initial_rendered"),
  count_unique_confirmed_opened: same("count_unique_confirmed_opened"),
  count_clicked: same("count_clicked"),
  count_unique_clicked: same("count_unique_clicked"),
  count_spam_complaint: same("count_spam_complaint"),
  count_unsubscribe: same("count_unsubscribe"),
  total_delivery_time_first: same("total_delivery_time_first"),
  total_delivery_time_subsequent: same("total_delivery_time_subsequent"),
  total_msg_volume: same("total_msg_volume"),
} as const satisfies Record<string, MetricDefinition>;

export type ServedMetric = keyof typeof SERVED_METRICS;

/** SparkPost's UI asks for approximate uniques under these names; msgevents' uniques are exact, so both are one. */
const APPROXIMATE_ALIASES: Readonly<Record<string, ServedMetric>> = {
  count_unique_rendered_approx: "count_unique_rendered",
  count_unique_initial_rendered_approx: "count_unique_initial_rendered",
  count_unique_confirmed_opened_approx: "count_unique_confirmed_opened",
  count_unique_clicked_approx: "count_unique_clicked",
};

/** SparkPost metrics that no webhook event carries enough to rebuild, with why (the 400 says so). */
const UNSERVED: ReadonlyArray<readonly [pattern: RegExp, why: string]> = [
  [/^count_nonprefetched_/, "no event field marks an open as prefetched"],
  [
    /^count_(inbox|spam)_(panel|seed|seed_private|seed_virtual)$|^count_moved_to_(inbox|spam)$/,
    "inbox placement comes from SparkPost's Deliverability Add-On, not from events",
  ],
  [/^count_raw_clicked(_approx)?$/, "link-name metrics are not served"],
];

/** The metric a requested name stands for, or why it cannot be served. */
export function resolveMetric(name: string): { metric: ServedMetric } | { unserved: string } | undefined {
  if (Object.hasOwn(SERVED_METRICS, name)) return { metric: name as ServedMetric };
  const alias = APPROXIMATE_ALIASES[name];
  if (alias) return { metric: alias };
  for (const [pattern, why] of UNSERVED) if (pattern.test(name)) return { unserved: why };
  return undefined;
}

/** The metrics the bounce routes accept. */
export const BOUNCE_METRICS = ["count_bounce", "count_inband_bounce", "count_outofband_bounce", "count_admin_bounce"];

/** What the delay-reason routes answer (they take no `metrics`, as at SparkPost). */
export const DELAY_METRICS = ["count_delayed", "count_delayed_first"];

/** The rejection-reason routes' kinds of rejection: SparkPost's category id and name, and the metric counting it. */
export const REJECTION_TYPES = [
  { id: 1, name: "Policy Rejection", metric: "count_policy_rejection" },
  { id: 2, name: "Generation Rejection", metric: "count_generation_rejection" },
  { id: 3, name: "Generation Failure", metric: "count_generation_failed" },
] as const;
