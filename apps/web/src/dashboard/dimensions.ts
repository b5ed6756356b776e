/**
 * The Metrics API's dimensions: each is a filter of every route and a group-by route of its own. `search` is the
 * Events API filter that finds the same events (by keyword where the Events API searches that field by keyword, so a
 * drill-down can also match longer values holding the same words: README, "Drill-down").
 */
export interface Dimension {
  /** The group-by route (`/api/v1/metrics/deliverability/<route>`) and the dashboard's name for the breakdown. */
  route: string;
  /** The Metrics API filter. */
  param: string;
  /** The key of each group-by result. */
  key: string;
  label: string;
  search: string;
  /** Whether the value is a number (subaccounts), shown as "0 (primary)". */
  numeric?: boolean;
}

export const DIMENSIONS: readonly Dimension[] = [
  { route: "domain", param: "domains", key: "domain", label: "Recipient domain", search: "recipient_domains" },
  {
    route: "mailbox-provider",
    param: "mailbox_providers",
    key: "mailbox_provider",
    label: "Mailbox provider",
    search: "mailbox_providers",
  },
  { route: "campaign", param: "campaigns", key: "campaign_id", label: "Campaign", search: "campaigns" },
  { route: "template", param: "templates", key: "template_id", label: "Template", search: "templates" },
  { route: "ip-pool", param: "ip_pools", key: "ip_pool", label: "IP pool", search: "ip_pools" },
  { route: "sending-ip", param: "sending_ips", key: "sending_ip", label: "Sending IP", search: "sending_ips" },
  {
    route: "sending-domain",
    param: "sending_domains",
    key: "sending_domain",
    label: "Sending domain",
    search: "sending_domains",
  },
  {
    route: "subaccount",
    param: "subaccounts",
    key: "subaccount_id",
    label: "Subaccount",
    search: "subaccounts",
    numeric: true,
  },
  {
    route: "mailbox-provider-region",
    param: "mailbox_provider_regions",
    key: "mailbox_provider_region",
    label: "Mailbox provider region",
    search: "mailbox_provider_regions",
  },
];

export const dimensionByRoute = (route: string): Dimension =>
  DIMENSIONS.find((dimension) => dimension.route === route) ?? (DIMENSIONS[0] as Dimension);

/** How a dimension's value reads: the primary account is subaccount 0. */
export const displayValue = (dimension: Dimension, value: string): string =>
  dimension.numeric && value === "0" ? "0 (primary account)" : value;
