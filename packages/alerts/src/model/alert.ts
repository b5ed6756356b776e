import type { AlertMetric, FilterType, Operator, Source } from "./catalog.ts";

export interface AlertFilter {
  filter_type: FilterType;
  filter_values: string[];
}

export interface ThresholdEvaluator {
  operator: Operator;
  source: Source;
  /** A percentage for rates, a count for volumes, a relative change in percent for the `*_over_*` sources. */
  value: number;
}

export interface AlertChannels {
  emails?: string[];
  webhook?: { target: string };
  slack?: { target: string };
}

export const CHANNELS = ["emails", "webhook", "slack"] as const;
export type Channel = (typeof CHANNELS)[number];

/** An alert as stored: SparkPost's alert object without `id` and `last_triggered`, every default filled in. */
export interface AlertDefinition {
  name: string;
  metric: AlertMetric;
  muted: boolean;
  /** SparkPost's: subaccount ids each evaluated on its own, or `[-1]` for the whole account as one. */
  subaccounts?: number[];
  any_subaccount: boolean;
  filters: AlertFilter[];
  threshold_evaluator: ThresholdEvaluator;
  channels: AlertChannels;
  /** msgevents' additions (SparkPost fixes these): see the package README. */
  window_minutes: number;
  min_volume: number;
  recovery_minutes: number;
  reminder_minutes: number;
}

/** SparkPost's alert object as the API answers it. */
export interface Alert extends AlertDefinition {
  id: number;
  last_triggered: string | null;
}

export const ALERT_DEFAULTS = {
  window_minutes: 60,
  min_volume: 100,
  recovery_minutes: 60,
  reminder_minutes: 1440,
} as const;

/** SparkPost's "the whole account" subaccount: master and every subaccount as one. */
export const WHOLE_ACCOUNT = -1;
