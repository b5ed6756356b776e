import { type ApiError, HttpError } from "@msgevents/http";
import * as z from "zod";
import {
  ALERT_DEFAULTS,
  type AlertChannels,
  type AlertDefinition,
  type AlertFilter,
  CHANNELS,
  WHOLE_ACCOUNT,
} from "./alert.ts";
import {
  ALERT_METRIC_NAMES,
  ALERT_METRICS,
  type AlertMetric,
  FILTER_TYPES,
  type FilterType,
  OPERATORS,
  SOURCES,
  UNSERVED_METRICS,
} from "./catalog.ts";

/** More value combinations than this (filter values multiplied out, times subaccounts) is refused. */
export const MAX_COMBINATIONS = 1000;
const MAX_WINDOW_MINUTES = 7 * 1440;

const httpUrl = z
  .string()
  .max(2048)
  .refine((value) => /^https?:\/\/[^/\s]+/i.test(value) && URL.canParse(value), "must be an http or https URL");
const minutes = (min: number, max: number) => z.number().int().min(min).max(max).optional();

const AlertInput = z.strictObject({
  // Read-only fields a client may send back from a GET: ignored.
  id: z.unknown().optional(),
  last_triggered: z.unknown().optional(),
  name: z.string().trim().min(1).max(50),
  metric: z.string(),
  muted: z.boolean(),
  subaccounts: z.array(z.number().int().min(WHOLE_ACCOUNT)).min(1).max(10).optional(),
  any_subaccount: z.boolean().optional(),
  filters: z
    .array(
      z.strictObject({
        filter_type: z.enum(Object.keys(FILTER_TYPES) as [FilterType, ...FilterType[]]),
        filter_values: z.array(z.string().trim().min(1).max(255)).min(1).max(10),
      }),
    )
    .max(Object.keys(FILTER_TYPES).length),
  threshold_evaluator: z.strictObject({
    operator: z.enum(OPERATORS),
    source: z.enum(SOURCES),
    value: z.number(),
  }),
  channels: z.strictObject({
    emails: z.array(z.email()).min(1).max(10).optional(),
    webhook: z.strictObject({ target: httpUrl }).optional(),
    slack: z.strictObject({ target: httpUrl }).optional(),
  }),
  window_minutes: minutes(5, MAX_WINDOW_MINUTES),
  min_volume: z.number().int().min(0).max(1_000_000_000).optional(),
  recovery_minutes: minutes(0, MAX_WINDOW_MINUTES),
  reminder_minutes: minutes(0, 30 * 1440),
});
type AlertInput = z.infer<typeof AlertInput>;

/** `threshold_evaluator.operator`, `filters[0].filter_values`. */
function pathText(path: readonly PropertyKey[]): string {
  return path
    .map((part, index) => (typeof part === "number" ? `[${part}]` : `${index > 0 ? "." : ""}${String(part)}`))
    .join("");
}

const TYPE_NAMES: Record<string, string> = { int: "number", object: "object", array: "array" };

/** One zod issue as SparkPost words it (api-error-response-changes: `'field' is required`, `'field' must be a type`). */
function describeIssue(issue: z.core.$ZodIssue): ApiError {
  const error = describeIssueText(issue);
  return error.param === "" ? { message: error.message } : error;
}

function describeIssueText(issue: z.core.$ZodIssue): ApiError {
  const param = pathText(issue.path);
  const field = `'${param}'`;
  switch (issue.code) {
    case "invalid_type": {
      if (issue.input === undefined) return { message: `${field} is required`, param };
      const type = TYPE_NAMES[issue.expected] ?? issue.expected;
      return { message: `${field} must be ${type === "array" || type === "object" ? "an" : "a"} ${type}`, param };
    }
    case "invalid_value":
      return { message: `${field} must be one of ${issue.values.join(", ")}`, param };
    case "unrecognized_keys": {
      const where = param === "" ? "an alert" : field;
      const keys = issue.keys.map((key) => `'${key}'`).join(", ");
      return { message: `${keys} ${issue.keys.length > 1 ? "are not fields" : "is not a field"} of ${where}`, param };
    }
    case "too_small":
      if (issue.origin === "string") return { message: `${field} must not be empty`, param };
      if (issue.origin === "array") return { message: `${field} must hold at least ${issue.minimum} value(s)`, param };
      return { message: `${field} must be at least ${issue.minimum}`, param };
    case "too_big":
      if (issue.origin === "string") return { message: `${field} must be at most ${issue.maximum} characters`, param };
      if (issue.origin === "array") return { message: `${field} must hold at most ${issue.maximum} values`, param };
      return { message: `${field} must be at most ${issue.maximum}`, param };
    case "invalid_format":
      return { message: `${field} must be an e-mail address`, param };
    default:
      return { message: `${field} ${issue.message}`, param };
  }
}

/** The rules between fields that the shape alone cannot state; each broken one as SparkPost words its 400s. */
function crossFieldProblems(input: AlertInput): ApiError[] {
  const problems: ApiError[] = [];
  const metric = input.metric;
  const definition = Object.hasOwn(ALERT_METRICS, metric) ? ALERT_METRICS[metric as AlertMetric] : undefined;
  const unserved = UNSERVED_METRICS[metric];
  if (unserved) problems.push({ message: unserved, param: "metric" });
  else if (!definition) {
    problems.push({ message: `'metric' must be one of ${ALERT_METRIC_NAMES.join(", ")}`, param: "metric" });
  }

  if (input.any_subaccount === true && input.subaccounts !== undefined) {
    problems.push({ message: "'subaccounts' must be unset when 'any_subaccount' is true", param: "subaccounts" });
  } else if (input.any_subaccount !== true && input.subaccounts === undefined) {
    problems.push({ message: "'subaccounts' is required unless 'any_subaccount' is true", param: "subaccounts" });
  } else if (input.subaccounts?.includes(WHOLE_ACCOUNT) && input.subaccounts.length > 1) {
    problems.push({
      message: "'subaccounts' may hold -1 (the whole account) only on its own",
      param: "subaccounts",
    });
  }

  const seen = new Set<string>();
  for (const filter of input.filters) {
    if (seen.has(filter.filter_type)) {
      problems.push({
        message: `'filters' may name each filter_type once; '${filter.filter_type}' is repeated`,
        param: "filters",
      });
    }
    seen.add(filter.filter_type);
  }
  const subaccountCombinations = input.any_subaccount ? 1 : (input.subaccounts?.length ?? 1);
  const combinations = input.filters.reduce(
    (product, filter) => product * filter.filter_values.length,
    subaccountCombinations,
  );
  if (combinations > MAX_COMBINATIONS) {
    problems.push({
      message: `'filters' make ${combinations} value combinations with 'subaccounts'; at most ${MAX_COMBINATIONS}`,
      param: "filters",
    });
  }

  const { source, value } = input.threshold_evaluator;
  if (definition?.kind === "rate") {
    if (source !== "raw") {
      problems.push({
        message: `'threshold_evaluator.source' must be raw for ${metric}: rates are compared as they are, day_over_day and week_over_week compare volumes`,
        param: "threshold_evaluator.source",
      });
    } else if (value < 0 || value > 100) {
      problems.push({
        message: `'threshold_evaluator.value' must be a percentage from 0 to 100 for ${metric}`,
        param: "threshold_evaluator.value",
      });
    }
  }
  const window = input.window_minutes ?? ALERT_DEFAULTS.window_minutes;
  if (source === "day_over_day" && window > 1440) {
    problems.push({ message: "'window_minutes' must be at most 1440 with day_over_day", param: "window_minutes" });
  }
  if (!CHANNELS.some((channel) => input.channels[channel] !== undefined)) {
    problems.push({ message: "'channels' must name at least one of emails, webhook, slack", param: "channels" });
  }
  return problems;
}

export function invalidAlert(errors: ApiError[]): HttpError {
  return new HttpError(400, errors);
}

/**
 * A create body (or an update merged onto its alert) as a stored alert, with msgevents' defaults filled in; throws
 * an HttpError 400 listing every problem, in SparkPost's words, otherwise.
 */
export function parseAlert(body: unknown): AlertDefinition {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw invalidAlert([{ message: "the request body must be a JSON object (an alert)" }]);
  }
  const parsed = AlertInput.safeParse(body, { reportInput: true });
  if (!parsed.success) throw invalidAlert(parsed.error.issues.map(describeIssue));
  const problems = crossFieldProblems(parsed.data);
  if (problems.length > 0) throw invalidAlert(problems);
  const input = parsed.data;
  const channels: AlertChannels = {};
  if (input.channels.emails) channels.emails = input.channels.emails;
  if (input.channels.webhook) channels.webhook = input.channels.webhook;
  if (input.channels.slack) channels.slack = input.channels.slack;
  return {
    name: input.name,
    metric: input.metric as AlertMetric,
    muted: input.muted,
    ...(input.any_subaccount ? {} : { subaccounts: [...new Set(input.subaccounts)] }),
    any_subaccount: input.any_subaccount === true,
    filters: input.filters.map(
      (filter): AlertFilter => ({ filter_type: filter.filter_type, filter_values: [...new Set(filter.filter_values)] }),
    ),
    threshold_evaluator: input.threshold_evaluator,
    channels,
    window_minutes: input.window_minutes ?? ALERT_DEFAULTS.window_minutes,
    min_volume: input.min_volume ?? ALERT_DEFAULTS.min_volume,
    recovery_minutes: input.recovery_minutes ?? ALERT_DEFAULTS.recovery_minutes,
    reminder_minutes: input.reminder_minutes ?? ALERT_DEFAULTS.reminder_minutes,
  };
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * SparkPost's update: every field optional, the given ones replacing the alert's (`threshold_evaluator` field by
 * field, as SparkPost's example updates only its `value`), then the whole result validated as a create would be.
 * Choosing `any_subaccount: true` drops the alert's `subaccounts`, and giving `subaccounts` turns `any_subaccount` off.
 */
export function parseAlertUpdate(existing: AlertDefinition, body: unknown): AlertDefinition {
  if (!isPlainObject(body))
    throw invalidAlert([{ message: "the request body must be a JSON object (the fields to change)" }]);
  const merged: Record<string, unknown> = { ...existing, ...body };
  if (isPlainObject(body.threshold_evaluator)) {
    merged.threshold_evaluator = { ...existing.threshold_evaluator, ...body.threshold_evaluator };
  }
  if (body.any_subaccount === true && !("subaccounts" in body)) delete merged.subaccounts;
  if ("subaccounts" in body && !("any_subaccount" in body)) merged.any_subaccount = false;
  return parseAlert(merged);
}
