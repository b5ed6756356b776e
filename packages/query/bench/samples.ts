// What the benchmark searches for, taken from the generated records themselves (no query of the database before the
// timed searches, so "searched immediately" holds): for every keyword field, a rare, a common and an everywhere
// keyword of the one-day window, plus one recipient and one rcpt_meta value.

/** Keyword fields of the Events API with the webhook field each searches; `domain` fields also split on periods. */
export const KEYWORD_FIELDS = [
  { parameter: "subjects", field: "subject", domain: false },
  { parameter: "reasons", field: "reason", domain: false },
  { parameter: "campaigns", field: "campaign_id", domain: false },
  { parameter: "templates", field: "template_id", domain: false },
  { parameter: "recipient_domains", field: "recipient_domain", domain: true },
  { parameter: "sending_domains", field: "sending_domain", domain: true },
  { parameter: "ip_pools", field: "ip_pool", domain: false },
  { parameter: "mailbox_providers", field: "mailbox_provider", domain: false },
] as const;

type WebhookEvent = Record<string, unknown>;

/** Mailbox provider and region by recipient domain, as SparkPost reports them (the generator has no such field). */
const PROVIDERS: Record<string, [string, string]> = {
  "gmail.com": ["Gmail", "Global"],
  "yahoo.com": ["Yahoo", "Global"],
  "outlook.com": ["Hotmail / Outlook", "Global"],
  "hotmail.com": ["Hotmail / Outlook", "Global"],
  "icloud.com": ["Apple iCloud", "Global"],
  "aol.com": ["AOL", "North America"],
  "gmx.de": ["GMX", "Europe"],
  "web.de": ["WEB.DE", "Europe"],
  "comcast.net": ["Comcast", "North America"],
};

/** Adds SparkPost's mailbox_provider fields to a generated event (corporate domains: Google Workspace or Other). */
export function withMailboxProvider(record: unknown): unknown {
  const event = Object.values((record as { msys: Record<string, WebhookEvent> }).msys)[0];
  const domain = event?.recipient_domain;
  if (!event || typeof domain !== "string") return record;
  const [provider, region] =
    PROVIDERS[domain] ?? (domain.length % 3 === 0 ? ["Google Workspace", "Global"] : ["Other", "Global"]);
  event.mailbox_provider = provider;
  event.mailbox_provider_region = region;
  return record;
}

function keywordsOf(value: unknown, domain: boolean): string[] {
  if (typeof value !== "string") return [];
  return value
    .toLowerCase()
    .split(domain ? /[\s._-]+/ : /[\s_-]+/)
    .filter((keyword) => keyword.length > 0);
}

export interface KeywordSample {
  label: "rare" | "middle" | "common" | "everywhere";
  keyword: string;
  /** Events of the window that hold the keyword (the expected total_count). */
  events: number;
}

/** Collects keyword frequencies over [from, to) and the single-recipient samples while records stream by. */
export class SampleCollector {
  private readonly counts = new Map<string, Map<string, number>>();
  private windowEvents = 0;
  recipient = "";
  customerRef = "";
  /** A campaign still sending at the end of the range, for the 7-day shape. */
  campaign = "";
  /** Another campaign sending near the end, for the two-campaign shape. */
  otherCampaign = "";

  constructor(
    private readonly from: Date,
    private readonly to: Date,
  ) {}

  add(records: unknown[]): void {
    for (const record of records) {
      const event = Object.values((record as { msys: Record<string, WebhookEvent> }).msys)[0];
      if (!event) continue;
      if (!this.recipient && typeof event.rcpt_to === "string") {
        this.recipient = event.rcpt_to;
        this.customerRef = String((event.rcpt_meta as Record<string, unknown> | undefined)?.customer_ref ?? "");
      }
      if (typeof event.campaign_id === "string" && event.campaign_id !== this.campaign) {
        this.otherCampaign = this.campaign;
        this.campaign = event.campaign_id;
      }
      const time = Number(event.timestamp) * 1000;
      if (time < this.from.getTime() || time >= this.to.getTime()) continue;
      this.windowEvents += 1;
      for (const { field, domain } of KEYWORD_FIELDS) {
        const value =
          field === "sending_domain"
            ? (event.sending_domain ?? String(event.friendly_from).split("@")[1])
            : event[field];
        const counts = this.counts.get(field) ?? new Map<string, number>();
        this.counts.set(field, counts);
        for (const keyword of new Set(keywordsOf(value, domain))) counts.set(keyword, (counts.get(keyword) ?? 0) + 1);
      }
    }
  }

  /**
   * The least frequent keyword, the one nearest 2% of the window's events (the middle match rates, 1-4%, where a page
   * is too sparse for a walk of the time index and too many for the token index to hand over cheaply), the one
   * nearest a tenth, and the most frequent.
   */
  keywords(field: string): KeywordSample[] {
    const entries = [...(this.counts.get(field) ?? new Map<string, number>())].sort(
      (a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1),
    );
    if (entries.length === 0) return [];
    const nearest = (share: number) =>
      entries.reduce((best, entry) =>
        Math.abs(entry[1] - share * this.windowEvents) < Math.abs(best[1] - share * this.windowEvents) ? entry : best,
      );
    const picks: [KeywordSample["label"], [string, number]][] = [
      ["rare", entries[0] as [string, number]],
      ["middle", nearest(0.02)],
      ["common", nearest(0.1)],
      ["everywhere", entries.at(-1) as [string, number]],
    ];
    // A field with few keywords may give one keyword two labels: time it once.
    const seen = new Set<string>();
    return picks
      .filter(([, [keyword]]) => !seen.has(keyword) && seen.add(keyword))
      .map(([label, [keyword, events]]) => ({ label, keyword, events }));
  }
}
