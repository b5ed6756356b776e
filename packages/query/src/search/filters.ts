import type { CursorPosition } from "../cursor.ts";

/**
 * How a filter's values match. `keyword`: SparkPost keyword search (keywords split on spaces, dashes, underscores;
 * a value matches when its keywords appear in that order); `domain`: the same, also splitting on periods; `lower`:
 * whole value, case-insensitive; `exact`: whole value, case-sensitive.
 */
export type MatchMode = "keyword" | "domain" | "lower" | "exact";

/** Filters over text fields, all served by the search-token index. `prefix` must match migration 0002. */
export const TEXT_FILTERS = {
  recipients: { field: "rcpt_to", prefix: "r=", mode: "lower" },
  recipient_domains: { field: "recipient_domain", prefix: "rd:", mode: "domain" },
  from_addresses: { field: "friendly_from", prefix: "f=", mode: "lower" },
  sending_domains: { field: "sending_domain", prefix: "sd:", mode: "domain" },
  subjects: { field: "subject", prefix: "su:", mode: "keyword" },
  reasons: { field: "reason", prefix: "re:", mode: "keyword" },
  campaigns: { field: "campaign_id", prefix: "ca:", mode: "keyword" },
  templates: { field: "template_id", prefix: "te:", mode: "keyword" },
  sending_ips: { field: "sending_ip", prefix: "s=", mode: "exact" },
  ip_pools: { field: "ip_pool", prefix: "ip:", mode: "keyword" },
  messages: { field: "message_id", prefix: "m=", mode: "exact" },
  transmissions: { field: "transmission_id", prefix: "x=", mode: "exact" },
  mailbox_providers: { field: "mailbox_provider", prefix: "mp:", mode: "keyword" },
  mailbox_provider_regions: { field: "mailbox_provider_region", prefix: "mr:", mode: "keyword" },
  ab_tests: { field: "ab_test_id", prefix: "ab:", mode: "keyword" },
} as const satisfies Record<string, { field: string; prefix: string; mode: MatchMode }>;

export type TextFilterName = keyof typeof TEXT_FILTERS;

export interface MetadataFilter {
  key: string;
  /** Any of these values matches. */
  values: string[];
}

/** Every filter is optional; values within one filter are alternatives, different filters must all match. */
export interface SearchFilters {
  eventIds?: string[];
  types?: string[];
  text?: Partial<Record<TextFilterName, string[]>>;
  subaccounts?: number[];
  bounceClasses?: number[];
  abTestVersions?: number[];
  /** Each key must match (one of its values). */
  rcptMeta?: MetadataFilter[];
  rcptTags?: string[];
}

export interface SearchQuery {
  /** Inclusive. */
  from: Date;
  /** Exclusive. */
  to: Date;
  perPage: number;
  filters: SearchFilters;
  /** Keyset pagination: results strictly after this position. */
  after?: CursorPosition;
  /** Offset pagination, for the legacy Message Events API only. */
  offset?: number;
}
