import { type BucketUnit, floorWall, formatTs, fromWall, nextWall, parseWall, toWall } from "./wall-clock.ts";

// An oracle of SparkPost's Metrics API, written from SparkPost's documentation (docs/metrics-api.md: "Metrics —
// definitions and how to rebuild them from stored events", "Precision, windows, rounding, uniques", and
// data-rollups.md's table of roll-up increments) over the webhook records themselves. It shares no code or SQL with
// the product: a test compares the two, so a slip in either shows.

export type Precision = BucketUnit;
export type Dimension =
  | "domain"
  | "campaign"
  | "template"
  | "sending_ip"
  | "ip_pool"
  | "sending_domain"
  | "subaccount"
  | "mailbox_provider"
  | "mailbox_provider_region";

export interface OracleEvent {
  type: string;
  /** Milliseconds since the epoch. */
  time: number;
  messageId: string | undefined;
  /** SparkPost's bounce classification code; an event without one is Undetermined (1). */
  bounceClass: number;
  reason: string;
  retries: number;
  queueTime: number;
  msgSize: number;
  dimensions: Record<Dimension, string | undefined>;
}

const text = (value: unknown): string | undefined =>
  typeof value === "string" ? value : typeof value === "number" ? String(value) : undefined;
/** SparkPost sends numbers as strings; a missing or malformed one counts as 0. */
const whole = (value: unknown): number => {
  const written = text(value);
  return written !== undefined && /^\d{1,12}$/.test(written) ? Number(written) : 0;
};
const domainOf = (address: string | undefined): string | undefined => {
  const at = address?.lastIndexOf("@") ?? -1;
  return address && at >= 0 ? address.slice(at + 1).toLowerCase() : undefined;
};
/** Webhook timestamps come as epoch seconds ("1717200000") or ISO-8601. */
const instantOf = (value: unknown): number => {
  const written = text(value) ?? "";
  return /^\d+$/.test(written) ? Number(written) * 1000 : Date.parse(written);
};

/**
 * The events a list of webhook batches holds, each once: SparkPost may deliver a batch again (a retry), and the same
 * event may arrive in two batches; an event is its `event_id` and `type`.
 */
export function eventsOfBatches(batches: readonly (readonly unknown[])[]): OracleEvent[] {
  const seen = new Map<string, OracleEvent>();
  for (const record of batches.flat()) {
    const msys = (record as { msys?: Record<string, Record<string, unknown>> }).msys ?? {};
    for (const fields of Object.values(msys)) {
      const type = String(fields.type);
      const key = `${text(fields.event_id)}/${type}`;
      if (seen.has(key)) continue;
      seen.set(key, {
        type,
        time: instantOf(fields.timestamp),
        messageId: text(fields.message_id),
        bounceClass: text(fields.bounce_class) === undefined ? 1 : Number(fields.bounce_class),
        reason: text(fields.reason) ?? "",
        retries: whole(fields.num_retries),
        queueTime: whole(fields.queue_time),
        msgSize: whole(fields.msg_size),
        dimensions: {
          domain: text(fields.recipient_domain) ?? domainOf(text(fields.rcpt_to)),
          campaign: text(fields.campaign_id),
          template: text(fields.template_id),
          sending_ip: text(fields.sending_ip),
          ip_pool: text(fields.ip_pool),
          sending_domain: text(fields.sending_domain) ?? domainOf(text(fields.friendly_from)),
          // Events of the primary account carry no subaccount or subaccount 0; SparkPost reports both as 0.
          subaccount: String(whole(fields.subaccount_id)),
          mailbox_provider: text(fields.mailbox_provider),
          mailbox_provider_region: text(fields.mailbox_provider_region),
        },
      });
    }
  }
  return [...seen.values()];
}

// Bounce categories by classification code (bounce-classification-codes.md); anything else is Undetermined.
const HARD = [10, 30, 90];
const SOFT = [20, 21, 22, 23, 24, 40, 60, 70, 100];
const BLOCK = [50, 51, 52, 53, 54];
const ADMIN = [25, 80];

const is = (event: OracleEvent, ...types: string[]) => (types.includes(event.type) ? 1 : 0);
const bounced = (event: OracleEvent) => event.type === "bounce" || event.type === "out_of_band";
const admin = (event: OracleEvent) => ADMIN.includes(event.bounceClass);
const category = (event: OracleEvent, codes: number[]) => (bounced(event) && codes.includes(event.bounceClass) ? 1 : 0);

/** What one event adds to each counted metric, by the table of definitions. */
const COUNTS: Readonly<Record<string, (event: OracleEvent) => number>> = {
  count_injected: (e) => is(e, "injection"),
  count_policy_rejection: (e) => is(e, "policy_rejection"),
  count_generation_rejection: (e) => is(e, "generation_rejection"),
  count_generation_failed: (e) => is(e, "generation_failure"),
  count_delivered: (e) => is(e, "delivery"),
  count_delivered_first: (e) => is(e, "delivery") * (e.retries === 0 ? 1 : 0),
  count_delivered_subsequent: (e) => is(e, "delivery") * (e.retries > 0 ? 1 : 0),
  count_delayed: (e) => is(e, "delay"),
  count_delayed_first: (e) => is(e, "delay") * (e.retries === 0 ? 1 : 0),
  count_inband_bounce: (e) => is(e, "bounce") * (admin(e) ? 0 : 1),
  // An out-of-band bounce of an Admin class does not occur (SparkPost's own refusals are in-band); read like in-band.
  count_outofband_bounce: (e) => is(e, "out_of_band") * (admin(e) ? 0 : 1),
  count_hard_bounce: (e) => category(e, HARD),
  count_soft_bounce: (e) => category(e, SOFT),
  count_block_bounce: (e) => category(e, BLOCK),
  count_undetermined_bounce: (e) =>
    bounced(e) && ![...HARD, ...SOFT, ...BLOCK, ...ADMIN].includes(e.bounceClass) ? 1 : 0,
  count_admin_bounce: (e) => category(e, ADMIN),
  count_rendered: (e) => is(e, "open", "amp_open"),
  count_initial_rendered: (e) => is(e, "initial_open", "amp_initial_open"),
  count_clicked: (e) => is(e, "click", "amp_click"),
  count_spam_complaint: (e) => is(e, "spam_complaint"),
  count_unsubscribe: (e) => is(e, "list_unsubscribe", "link_unsubscribe"),
  total_delivery_time_first: (e) => is(e, "delivery") * (e.retries === 0 ? e.queueTime : 0),
  total_delivery_time_subsequent: (e) => is(e, "delivery") * (e.retries > 0 ? e.queueTime : 0),
  total_msg_volume: (e) => is(e, "delivery") * e.msgSize,
};

/** Metrics made of others (the identities checked on SparkPost's samples). */
const COMBINED: Readonly<Record<string, (value: (metric: string) => number) => number>> = {
  count_rejected: (v) => v("count_policy_rejection") + v("count_generation_rejection") + v("count_generation_failed"),
  count_targeted: (v) =>
    v("count_injected") + v("count_policy_rejection") + v("count_generation_rejection") + v("count_generation_failed"),
  count_sent: (v) => v("count_delivered") + v("count_inband_bounce"),
  count_accepted: (v) => v("count_delivered") - v("count_outofband_bounce"),
  count_bounce: (v) => v("count_inband_bounce") + v("count_outofband_bounce"),
};

/** Unique metrics: messages with at least one event of these types, counted once per roll-up increment. */
export const UNIQUES: Readonly<Record<string, readonly string[]>> = {
  count_unique_rendered: ["open", "amp_open"],
  count_unique_initial_rendered: ["initial_open", "amp_initial_open"],
  count_unique_clicked: ["click", "amp_click"],
  count_unique_confirmed_opened: ["open", "amp_open", "initial_open", "amp_initial_open", "click", "amp_click"],
};

export const ORACLE_METRICS = [...Object.keys(COUNTS), ...Object.keys(COMBINED), ...Object.keys(UNIQUES)];
export const BOUNCE_ROUTE_METRICS = [
  "count_bounce",
  "count_inband_bounce",
  "count_outofband_bounce",
  "count_admin_bounce",
];

/**
 * The roll-up increment within which a unique metric counts a message once (data-rollups.md): a minute for 1min, 5min
 * and 15min precision, an hour for hour (read: an hour of the requested zone's clock, and 12hr as twelve of them), a
 * day (UTC) for day, week and month. Without a precision the aggregate routes take SparkPost's default, 1min.
 */
function incrementOf(precision: Precision | undefined, zone: string): (time: number) => number {
  if (precision === "hour" || precision === "12hr") return (time) => floorWall("hour", toWall(zone, time));
  if (precision === "day" || precision === "week" || precision === "month") {
    return (time) => floorWall("day", time);
  }
  return (time) => floorWall("1min", time);
}

export type GroupRoute =
  | "domain"
  | "campaign"
  | "template"
  | "sending-ip"
  | "ip-pool"
  | "sending-domain"
  | "subaccount"
  | "mailbox-provider"
  | "mailbox-provider-region";

export const GROUP_ROUTES: Readonly<Record<GroupRoute, { dimension: Dimension; key: string }>> = {
  domain: { dimension: "domain", key: "domain" },
  campaign: { dimension: "campaign", key: "campaign_id" },
  template: { dimension: "template", key: "template_id" },
  "sending-ip": { dimension: "sending_ip", key: "sending_ip" },
  "ip-pool": { dimension: "ip_pool", key: "ip_pool" },
  "sending-domain": { dimension: "sending_domain", key: "sending_domain" },
  subaccount: { dimension: "subaccount", key: "subaccount_id" },
  "mailbox-provider": { dimension: "mailbox_provider", key: "mailbox_provider" },
  "mailbox-provider-region": { dimension: "mailbox_provider_region", key: "mailbox_provider_region" },
};

export type Route =
  | "summary"
  | "time-series"
  | GroupRoute
  | "bounce-reason"
  | "bounce-reason/domain"
  | "bounce-classification"
  | "delay-reason"
  | "delay-reason/domain"
  | "rejection-reason"
  | "rejection-reason/domain";

export interface OracleQuery {
  route: Route;
  /** `YYYY-MM-DDTHH:MM` in `zone`, as the API takes them. */
  from: string;
  to: string;
  zone: string;
  precision: Precision | undefined;
  metrics: readonly string[];
  filters?: Partial<Record<Dimension, readonly string[]>>;
}

export interface Window {
  from: number;
  to: number;
  /** The zone buckets are cut in: UTC at day, week and month, whatever was asked (data-rollups.md). */
  zone: string;
}

/**
 * The window SparkPost reports: `from` back to the start of its bucket, `to` on to the end of the bucket holding it,
 * except at 1min where `to` is exclusive as given; without a precision, exactly [from, to).
 */
export function windowOf(query: OracleQuery): Window {
  const { precision } = query;
  const zone = precision === "day" || precision === "week" || precision === "month" ? "UTC" : query.zone;
  const from = parseWall(query.from);
  const to = parseWall(query.to);
  if (precision === undefined) return { from: fromWall(zone, from), to: fromWall(zone, to), zone };
  const end = precision === "1min" ? to : nextWall(precision, floorWall(precision, to));
  return { from: fromWall(zone, floorWall(precision, from)), to: fromWall(zone, end), zone };
}

type Row = Record<string, string | number>;

/** Sums the counted metrics of `events` and counts each unique metric's (increment, message) pairs. */
function measure(
  events: readonly OracleEvent[],
  metrics: readonly string[],
  increment: (time: number) => number,
): Record<string, number> {
  const sums: Record<string, number> = {};
  for (const [metric, count] of Object.entries(COUNTS)) {
    sums[metric] = events.reduce((sum, event) => sum + count(event), 0);
  }
  const value = (metric: string): number => {
    const combined = COMBINED[metric];
    if (combined) return combined(value);
    const types = UNIQUES[metric];
    if (types) {
      const pairs = new Set<string>();
      for (const event of events) {
        if (event.messageId !== undefined && types.includes(event.type)) {
          pairs.add(`${increment(event.time)}/${event.messageId}`);
        }
      }
      return pairs.size;
    }
    return sums[metric] ?? Number.NaN;
  };
  return Object.fromEntries(metrics.map((metric) => [metric, value(metric)]));
}

function groupBy<K>(events: readonly OracleEvent[], key: (event: OracleEvent) => K | undefined): Map<K, OracleEvent[]> {
  const groups = new Map<K, OracleEvent[]>();
  for (const event of events) {
    const found = key(event);
    if (found === undefined) continue;
    groups.set(found, [...(groups.get(found) ?? []), event]);
  }
  return groups;
}

/** Every row the API should answer for `query`, with the requested metrics (rows in no particular order). */
export function expectedRows(events: readonly OracleEvent[], query: OracleQuery): Row[] {
  const window = windowOf(query);
  const increment = incrementOf(query.precision, window.zone);
  const inWindow = events.filter(
    (event) =>
      event.time >= window.from &&
      event.time < window.to &&
      Object.entries(query.filters ?? {}).every(([dimension, values]) =>
        values.includes(event.dimensions[dimension as Dimension] ?? "\u0000"),
      ),
  );
  const { route } = query;

  if (route === "summary") return [measure(inWindow, query.metrics, increment)];

  if (route === "time-series") {
    const precision = query.precision;
    if (!precision) throw new Error("the oracle's time series need a precision");
    const bucketOf = (time: number) => floorWall(precision, toWall(window.zone, time));
    const buckets = groupBy(inWindow, (event) => bucketOf(event.time));
    const rows: Row[] = [];
    for (let wall = bucketOf(window.from); fromWall(window.zone, wall) < window.to; wall = nextWall(precision, wall)) {
      rows.push({
        ...measure(buckets.get(wall) ?? [], query.metrics, increment),
        ts: formatTs(window.zone, fromWall(window.zone, wall)),
      });
    }
    return rows;
  }

  if (route === "bounce-reason" || route === "bounce-reason/domain" || route === "bounce-classification") {
    const byDomain = route === "bounce-reason/domain";
    const bounces = inWindow.filter(bounced);
    const key = (event: OracleEvent) => {
      if (route === "bounce-classification") return String(event.bounceClass);
      if (byDomain && event.dimensions.domain === undefined) return undefined;
      return JSON.stringify([event.reason, event.bounceClass, ...(byDomain ? [event.dimensions.domain] : [])]);
    };
    return [...groupBy(bounces, key)].map(([, group]) => {
      const first = group[0] as OracleEvent;
      return {
        ...(route === "bounce-classification" ? {} : { reason: first.reason }),
        ...(byDomain ? { domain: first.dimensions.domain ?? "" } : {}),
        classification_id: first.bounceClass,
        ...measure(group, query.metrics, increment),
      };
    });
  }

  if (route === "delay-reason" || route === "delay-reason/domain") {
    const byDomain = route === "delay-reason/domain";
    const delays = inWindow.filter((event) => event.type === "delay" && (!byDomain || event.dimensions.domain));
    return [...groupBy(delays, (event) => JSON.stringify([event.reason, byDomain ? event.dimensions.domain : ""]))].map(
      ([, group]) => ({
        reason: (group[0] as OracleEvent).reason,
        ...(byDomain ? { domain: (group[0] as OracleEvent).dimensions.domain ?? "" } : {}),
        ...measure(group, ["count_delayed", "count_delayed_first"], increment),
      }),
    );
  }

  if (route === "rejection-reason" || route === "rejection-reason/domain") {
    // Category ids: 1 Policy Rejection, 2 Generation Rejection (SparkPost's), 3 Generation Failure (msgevents').
    const categories: Record<string, number> = { policy_rejection: 1, generation_rejection: 2, generation_failure: 3 };
    const byDomain = route === "rejection-reason/domain";
    const rejections = inWindow.filter(
      (event) => event.type in categories && (!byDomain || event.dimensions.domain !== undefined),
    );
    const key = (event: OracleEvent) =>
      JSON.stringify([event.reason, categories[event.type], byDomain ? event.dimensions.domain : ""]);
    return [...groupBy(rejections, key)].map(([, group]) => {
      const first = group[0] as OracleEvent;
      return {
        reason: first.reason,
        ...(byDomain ? { domain: first.dimensions.domain ?? "" } : {}),
        rejection_category_id: categories[first.type] ?? 0,
        count_rejected: group.length,
      };
    });
  }

  const { dimension, key } = GROUP_ROUTES[route];
  return [...groupBy(inWindow, (event) => event.dimensions[dimension])].map(([value, group]) => ({
    [key]: dimension === "subaccount" ? Number(value) : value,
    ...measure(group, query.metrics, increment),
  }));
}
