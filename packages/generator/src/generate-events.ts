import { createHash } from "node:crypto";

/** One webhook record as SparkPost posts it: `{"msys":{"<grouping>":{...fields, "type"}}}`. */
export interface WebhookRecord {
  msys: Record<string, Record<string, unknown>>;
}

export interface GenerateEventsOptions {
  /** Same seed, same events (default 1). Different seeds also give disjoint event, message and transmission ids. */
  seed?: number;
  /** Event timestamps rise steadily from `from` to `to` (default: 2024-06-01 00:00 UTC plus one day). */
  from?: Date;
  to?: Date;
  /**
   * How many events the time range is spread over: generateEvents defaults it to its count, createEventGenerator to
   * 1,000,000. Set it to the grand total when streaming; events past it continue at the same rate beyond `to`.
   */
  total?: number;
  /** Distinct recipient addresses (default 100,000). */
  recipients?: number;
  /** Distinct corporate recipient domains besides the big mailbox providers (default 2,000). */
  recipientDomains?: number;
  /** Distinct marketing campaigns (default 200), besides a handful of transactional ones. */
  campaigns?: number;
  /** Distinct templates (default 60). */
  templates?: number;
  /** Distinct subaccounts (default 12, subaccount 0 being the primary account). */
  subaccounts?: number;
  /**
   * `realistic` (default): every field SparkPost sends with the options most senders turn on (~1.0-1.5 KB of JSON).
   * `lean`: only the fields every sender's events carry (ids, times, addresses, campaign and template, IP and pool,
   * sizes and timings, bounce reason), no recipient metadata, tags, geo or A/B test (~600 B of JSON).
   */
  profile?: "realistic" | "lean";
}

export interface EventGenerator {
  /** The next event record. */
  next(): WebhookRecord;
  /** The next count event records. */
  take(count: number): WebhookRecord[];
  /** How many records were generated so far. */
  readonly generated: number;
}

/** count realistic, deterministic webhook records; see createEventGenerator. */
export function generateEvents(count: number, options: GenerateEventsOptions = {}): WebhookRecord[] {
  return createEventGenerator({ ...options, total: options.total ?? count }).take(count);
}

type Grouping = "message_event" | "track_event" | "gen_event" | "unsubscribe_event";

/**
 * Event mix by type, roughly as an ESP sees it: every message is injected and nearly all delivered; about a third
 * get opened, some clicked; a few bounce or are delayed; complaints and unsubscribes are rare (events ≈ 2.5 × messages).
 */
const TYPE_WEIGHTS: ReadonlyArray<readonly [type: string, grouping: Grouping, weight: number]> = [
  ["injection", "message_event", 30],
  ["delivery", "message_event", 28.5],
  ["open", "track_event", 14],
  ["initial_open", "track_event", 10],
  ["click", "track_event", 6],
  ["delay", "message_event", 2.5],
  ["bounce", "message_event", 2],
  ["amp_open", "track_event", 0.5],
  ["amp_initial_open", "track_event", 0.4],
  ["amp_click", "track_event", 0.2],
  ["policy_rejection", "message_event", 0.5],
  ["out_of_band", "message_event", 0.3],
  ["list_unsubscribe", "unsubscribe_event", 0.3],
  ["link_unsubscribe", "unsubscribe_event", 0.3],
  ["spam_complaint", "message_event", 0.1],
  ["generation_failure", "gen_event", 0.1],
  ["generation_rejection", "gen_event", 0.05],
];

const FIRST_NAMES = [
  "james",
  "mary",
  "robert",
  "patricia",
  "john",
  "jennifer",
  "michael",
  "linda",
  "david",
  "elizabeth",
  "william",
  "barbara",
  "richard",
  "susan",
  "joseph",
  "jessica",
  "thomas",
  "sarah",
  "chris",
  "karen",
  "daniel",
  "lisa",
  "matthew",
  "nancy",
  "anthony",
  "betty",
  "mark",
  "sandra",
  "paul",
  "ashley",
  "steven",
  "emily",
  "andrew",
  "donna",
  "kevin",
  "michelle",
  "brian",
  "carol",
  "george",
  "amanda",
  "sofia",
  "lucas",
  "emma",
  "noah",
  "mia",
  "leon",
  "hannah",
  "mateo",
  "chloe",
  "yuki",
];
const LAST_NAMES = [
  "smith",
  "johnson",
  "williams",
  "brown",
  "jones",
  "garcia",
  "miller",
  "davis",
  "rodriguez",
  "martinez",
  "hernandez",
  "lopez",
  "gonzalez",
  "wilson",
  "anderson",
  "thomas",
  "taylor",
  "moore",
  "jackson",
  "martin",
  "lee",
  "perez",
  "thompson",
  "white",
  "harris",
  "sanchez",
  "clark",
  "ramirez",
  "lewis",
  "robinson",
  "walker",
  "young",
  "allen",
  "king",
  "wright",
  "scott",
  "torres",
  "nguyen",
  "hill",
  "flores",
  "muller",
  "schmidt",
  "rossi",
  "dubois",
  "silva",
  "kowalski",
  "tanaka",
  "kim",
  "patel",
  "singh",
];
/** Mailbox providers and their share of recipients; the rest go to corporate domains. */
const PROVIDER_DOMAINS: ReadonlyArray<readonly [string, number]> = [
  ["gmail.com", 0.34],
  ["yahoo.com", 0.08],
  ["outlook.com", 0.07],
  ["hotmail.com", 0.06],
  ["icloud.com", 0.06],
  ["aol.com", 0.02],
  ["gmx.de", 0.02],
  ["web.de", 0.015],
  ["comcast.net", 0.015],
];
const CORPORATE_WORDS = [
  "acme",
  "globex",
  "initech",
  "umbrella",
  "stark",
  "wayne",
  "hooli",
  "vandelay",
  "wonka",
  "tyrell",
  "cyberdyne",
  "soylent",
  "aperture",
  "gringotts",
  "oscorp",
  "monarch",
  "pied-piper",
  "dunder",
  "prestige",
  "massive",
];
const CORPORATE_TLDS = ["com", "io", "co.uk", "de", "net", "org", "fr", "com.au"];
const TRANSACTIONAL_TEMPLATES = [
  "password-reset",
  "order-confirmation",
  "shipping-update",
  "welcome",
  "invoice",
  "account-verification",
];
const CAMPAIGN_THEMES = [
  "spring-sale",
  "weekly-newsletter",
  "product-launch",
  "black-friday",
  "win-back",
  "onboarding-drip",
  "webinar-invite",
  "summer-deals",
  "holiday-gift-guide",
  "loyalty-rewards",
];
const SUBJECTS = [
  "Good news: your order has shipped and is on its way",
  "Reset your password for your Example account",
  "Welcome aboard, {name}! Here is how to get started",
  "Summer deals are here! Up to 50% off bestsellers",
  "Last chance: 40% off everything ends tonight at midnight",
  "Your weekly digest: top stories and product updates",
  "You left something in your cart - complete your order",
  "Invoice #{n} is ready to view and download",
  "Please confirm your email address to activate your account",
  "New features we think you'll love this month",
  "{name}, your loyalty rewards are waiting to be redeemed",
  "Join our live webinar on Thursday: scaling email programs",
];
const IP_POOLS = ["default", "transactional", "marketing", "marketing-warmup", "dedicated-eu"];
const USER_AGENTS = [
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
  "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)",
  "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36",
  "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17531; Pro)",
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0",
  "YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html",
];
const GEO: ReadonlyArray<
  readonly [country: string, region: string, city: string, lat: number, lon: number, zip: string]
> = [
  ["US", "NY", "New York", 40.7128, -74.006, "10001"],
  ["US", "CA", "San Francisco", 37.7749, -122.4194, "94103"],
  ["US", "MD", "Columbia", 39.1749, -76.8375, "21046"],
  ["US", "TX", "Austin", 30.2672, -97.7431, "73301"],
  ["US", "IL", "Chicago", 41.8781, -87.6298, "60601"],
  ["GB", "ENG", "London", 51.5072, -0.1276, "EC1A"],
  ["DE", "BE", "Berlin", 52.52, 13.405, "10115"],
  ["FR", "IDF", "Paris", 48.8566, 2.3522, "75001"],
  ["CA", "ON", "Toronto", 43.6532, -79.3832, "M5H"],
  ["AU", "NSW", "Sydney", -33.8688, 151.2093, "2000"],
  ["BR", "SP", "Sao Paulo", -23.5505, -46.6333, "01000"],
  ["IN", "MH", "Mumbai", 19.076, 72.8777, "400001"],
  ["JP", "13", "Tokyo", 35.6762, 139.6503, "100-0001"],
  ["NL", "NH", "Amsterdam", 52.3676, 4.9041, "1011"],
];
const TAGS = ["newsletter", "vip", "trial", "customer", "lead", "us", "eu", "apac", "mobile", "beta"];
const PLANS = ["free", "starter", "pro", "enterprise"];
const REGIONS = ["us-east", "us-west", "eu-central", "eu-west", "apac"];
const LOCALES = ["en-US", "en-GB", "de-DE", "fr-FR", "es-ES", "pt-BR", "ja-JP"];
const SIGNUP_SOURCES = ["checkout", "newsletter-form", "mobile-app", "referral", "import"];
const LINKS: ReadonlyArray<readonly [string, string]> = [
  ["Shop now", "https://shop.example.com/sale?utm_source=email&utm_medium=sparkpost"],
  ["Read more", "https://blog.example.com/posts/whats-new"],
  ["Track your order", "https://shop.example.com/orders/track"],
  ["Reset password", "https://app.example.com/reset"],
  ["View in browser", "https://email.example.com/view"],
  ["Manage preferences", "https://app.example.com/preferences"],
];
const BOUNCES: ReadonlyArray<readonly [bounceClass: string, code: string, reason: string]> = [
  ["10", "550", "550 5.1.1 The email account that you tried to reach does not exist."],
  ["10", "550", "550 5.1.1 <recipient>: Recipient address rejected: User unknown in virtual mailbox table"],
  ["30", "550", "550 5.2.1 The email account that you tried to reach is disabled."],
  ["22", "552", "552 5.2.2 The recipient's mailbox is full and can't accept messages now."],
  ["51", "554", "554 5.7.1 Service unavailable; Client host blocked using Spamhaus."],
  ["90", "550", "550 5.7.1 Unauthenticated email from this domain is not accepted due to domain's DMARC policy."],
];
const DELAYS: ReadonlyArray<readonly [bounceClass: string, code: string, reason: string]> = [
  ["21", "421", "421 4.7.0 Try again later, closing connection. (EHLO)"],
  ["21", "451", "451 4.7.1 Greylisted, please try again in 180 seconds"],
  ["22", "452", "452 4.2.2 The email account that you tried to reach is over quota."],
  ["24", "421", "421 4.4.2 Connection timed out"],
];
const REJECTIONS: ReadonlyArray<readonly [bounceClass: string, code: string, reason: string]> = [
  ["25", "554", "550 5.7.1 [internal] recipient blackholed due to previous bounce"],
  ["71", "554", "554 5.7.1 recipient address suppressed due to customer policy"],
];
const GENERATION_ERRORS: ReadonlyArray<readonly [string, string]> = [
  ["554", "554 5.3.3 [internal] Error while rendering part html: substitution value 'first_name' did not exist"],
  ["554", "554 5.3.3 [internal] Template 'welcome' has no published version"],
];

/** mulberry32: tiny, fast, good enough for synthetic data, and the same sequence on every platform. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

interface Recipient {
  address: string;
  domain: string;
  hash: string;
  meta: Record<string, string>;
  tags: string[];
  geo: (typeof GEO)[number];
  userAgent: string;
}

interface Template {
  id: string;
  version: string;
  subject: string;
  transactional: boolean;
}

interface Campaign {
  id: string;
  transactional: boolean;
  templates: Template[];
  /** Some marketing campaigns run an A/B test over their two templates. */
  abTestId?: string;
}

interface Message {
  messageId: string;
  transmissionId: string;
  recipient: Recipient;
  campaign: Campaign;
  template: Template;
  subaccountId: string;
  ipPool: string;
  sendingIp: string;
  fromAddress: string;
  injectionTime: string;
  msgSize: string;
  /** Milliseconds the message spent queued before delivery (SparkPost's queue_time). */
  queueTime: string;
  ampEnabled: boolean;
}

/**
 * The fields a lean event keeps: what every sender's events carry whatever options they use (ids, times, addresses,
 * campaign and template, IP and pool, sizes, timings and bounce reasons). Recipient metadata and tags, geo-IP, user
 * agents and links, the A/B test, AMP and tracking flags, the recipient hash, copies of the recipient (raw_rcpt_to,
 * routing_domain), the envelope sender and the delivery details are left out.
 */
const LEAN_FIELDS: ReadonlySet<string> = new Set([
  "type",
  "event_id",
  "timestamp",
  "customer_id",
  "subaccount_id",
  "transmission_id",
  "campaign_id",
  "template_id",
  "friendly_from",
  "rcpt_to",
  "recipient_domain",
  "ip_pool",
  "sending_ip",
  "message_id",
  "subject",
  "injection_time",
  "msg_size",
  "num_retries",
  "queue_time",
  "bounce_class",
  "error_code",
  "reason",
  "raw_reason",
]);

function leanOf(record: WebhookRecord): WebhookRecord {
  const [grouping, event] = Object.entries(record.msys)[0] as [string, Record<string, unknown>];
  return {
    msys: { [grouping]: Object.fromEntries(Object.entries(event).filter(([field]) => LEAN_FIELDS.has(field))) },
  };
}

/** How many recent messages follow-up events (delivery, open, click, ...) pick from. */
const RECENT_MESSAGES = 4096;
const CUSTOMER_ID = "245617";

/**
 * A deterministic stream of realistic SparkPost webhook records (~1.0-1.5 KB of JSON each): the type mix above,
 * messages that are injected and then delivered/opened/clicked, recipients over a Zipf-like mix of mailbox providers
 * and corporate domains, campaigns, templates, subjects, subaccounts, IP pools, rcpt_meta and rcpt_tags, and
 * numeric fields as strings like real webhook payloads. Event ids are unique per seed.
 */
export function createEventGenerator(options: GenerateEventsOptions = {}): EventGenerator {
  const seed = options.seed ?? 1;
  const random = seededRandom(seed);
  const from = (options.from ?? new Date("2024-06-01T00:00:00Z")).getTime();
  const to = (options.to ?? new Date(from + 86_400_000)).getTime();
  const total = Math.max(1, options.total ?? 1_000_000);
  const msPerEvent = (to - from) / total;

  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const idPrefix = String(1_000_000 + (Math.abs(Math.trunc(seed)) % 9_000_000));
  const hexPrefix = (Math.abs(Math.trunc(seed)) % 0x100000000).toString(16).padStart(8, "0");

  const corporateDomains = Array.from(
    { length: options.recipientDomains ?? 2000 },
    (_, index) =>
      `${CORPORATE_WORDS[index % CORPORATE_WORDS.length]}${index >= CORPORATE_WORDS.length ? Math.floor(index / CORPORATE_WORDS.length) : ""}.${CORPORATE_TLDS[index % CORPORATE_TLDS.length]}`,
  );
  const recipientCount = options.recipients ?? 100_000;
  const recipients: Array<Recipient | undefined> = new Array(recipientCount);
  const recipientAt = (index: number): Recipient => {
    const cached = recipients[index];
    if (cached) return cached;
    // Derived from the index alone, so a recipient looks the same whenever it is first met.
    const local = seededRandom(seed * 7919 + index);
    let share = local();
    let domain: string | undefined;
    for (const [provider, weight] of PROVIDER_DOMAINS) {
      if (share < weight) {
        domain = provider;
        break;
      }
      share -= weight;
    }
    // Corporate domains are Zipf-like too: a few big customers, a long tail.
    domain ??= corporateDomains[Math.floor(corporateDomains.length * local() ** 3)] as string;
    const first = FIRST_NAMES[index % FIRST_NAMES.length] as string;
    const last = LAST_NAMES[Math.floor(index / FIRST_NAMES.length) % LAST_NAMES.length] as string;
    const serial = Math.floor(index / (FIRST_NAMES.length * LAST_NAMES.length));
    const address = `${first}.${last}${serial > 0 ? serial : ""}@${domain}`;
    const tagCount = Math.floor(local() * 4);
    const recipient: Recipient = {
      address,
      domain,
      hash: createHash("sha1").update(address).digest("hex"),
      meta: {
        customer_ref: `C${String(100_000 + index)}`,
        plan: PLANS[Math.floor(local() * PLANS.length)] as string,
        region: REGIONS[Math.floor(local() * REGIONS.length)] as string,
        locale: LOCALES[Math.floor(local() * LOCALES.length)] as string,
        signup_source: SIGNUP_SOURCES[Math.floor(local() * SIGNUP_SOURCES.length)] as string,
      },
      tags: Array.from({ length: tagCount }, (_, tag) => TAGS[(index + tag * 3) % TAGS.length] as string),
      geo: GEO[Math.floor(local() * GEO.length)] as (typeof GEO)[number],
      userAgent: USER_AGENTS[Math.floor(local() * USER_AGENTS.length)] as string,
    };
    recipients[index] = recipient;
    return recipient;
  };

  const templateCount = Math.max(TRANSACTIONAL_TEMPLATES.length + 1, options.templates ?? 60);
  const templates: Template[] = Array.from({ length: templateCount }, (_, index) => {
    const transactional = index < TRANSACTIONAL_TEMPLATES.length;
    return {
      id: transactional ? `${TRANSACTIONAL_TEMPLATES[index]}` : `marketing-${String(index).padStart(3, "0")}`,
      version: String(1 + (index % 4)),
      subject: (SUBJECTS[index % SUBJECTS.length] as string)
        .replace("{name}", "there")
        .replace("{n}", String(40_000 + index)),
      transactional,
    };
  });
  const marketingTemplates = templates.filter((template) => !template.transactional);
  const campaigns: Campaign[] = [
    ...TRANSACTIONAL_TEMPLATES.map((name, index) => ({
      id: name,
      transactional: true,
      templates: [templates[index] as Template],
    })),
    ...Array.from({ length: options.campaigns ?? 200 }, (_, index) => ({
      id: `${CAMPAIGN_THEMES[index % CAMPAIGN_THEMES.length]}-${2024 + Math.floor(index / 120)}-${String(1 + (Math.floor(index / CAMPAIGN_THEMES.length) % 12)).padStart(2, "0")}${index >= 120 ? `-v${index}` : ""}`,
      transactional: false,
      ...(index % 5 === 0 ? { abTestId: `subject-test-${index}` } : {}),
      templates: [0, 1].map(
        (offset) => marketingTemplates[(index * 2 + offset) % marketingTemplates.length] as Template,
      ),
    })),
  ];
  const transactionalCampaigns = campaigns.filter((campaign) => campaign.transactional);
  const marketingCampaigns = campaigns.filter((campaign) => !campaign.transactional);
  const subaccountCount = Math.max(1, options.subaccounts ?? 12);
  const sendingIps = IP_POOLS.map((_, pool) =>
    Array.from({ length: 4 }, (_, ip) => `198.51.100.${pool * 16 + ip + 10}`),
  );

  const typeTotal = TYPE_WEIGHTS.reduce((sum, [, , weight]) => sum + weight, 0);
  const recent: Message[] = [];
  let generated = 0;
  let messageCounter = 0;
  let transmissionCounter = 0;
  let transmission: { id: string; campaign: Campaign; subaccountId: string; remaining: number } | undefined;

  const newMessage = (now: number): Message => {
    if (!transmission || transmission.remaining <= 0) {
      const transactional = random() < 0.35;
      transmission = {
        id: `${idPrefix}${String(++transmissionCounter).padStart(10, "0")}`,
        campaign: transactional ? pick(transactionalCampaigns) : pick(marketingCampaigns),
        // Subaccount 0 (primary) sends most mail.
        subaccountId: String(random() < 0.5 ? 0 : 1 + Math.floor(random() * (subaccountCount - 1))),
        remaining: transactional ? 1 + Math.floor(random() * 3) : 50 + Math.floor(random() * 1000),
      };
    }
    transmission.remaining--;
    const campaign = transmission.campaign;
    const poolIndex = campaign.transactional ? 1 : random() < 0.8 ? 2 : Math.floor(random() * IP_POOLS.length);
    const pool = sendingIps[poolIndex] as string[];
    const message: Message = {
      messageId: `${hexPrefix}${(++messageCounter).toString(16).padStart(12, "0")}`,
      transmissionId: transmission.id,
      recipient: recipientAt(Math.floor(random() * recipientCount)),
      campaign,
      template: pick(campaign.templates),
      subaccountId: transmission.subaccountId,
      ipPool: IP_POOLS[poolIndex] as string,
      sendingIp: pick(pool),
      fromAddress: campaign.transactional ? "no-reply@notify.example.com" : "news@mail.example.com",
      injectionTime: new Date(now).toISOString(),
      msgSize: String(8_000 + Math.floor(random() * 60_000)),
      // Mostly sub-second, with a long tail of slow receivers.
      queueTime: String(150 + Math.floor(random() ** 4 * 30_000)),
      ampEnabled: !campaign.transactional && random() < 0.1,
    };
    if (recent.length < RECENT_MESSAGES) recent.push(message);
    else recent[Math.floor(random() * RECENT_MESSAGES)] = message;
    return message;
  };

  const next = (): WebhookRecord => {
    const index = generated++;
    const now = Math.floor(from + (index + random()) * msPerEvent);
    let roll = random() * typeTotal;
    let chosen = TYPE_WEIGHTS[0] as (typeof TYPE_WEIGHTS)[number];
    for (const entry of TYPE_WEIGHTS) {
      if (roll < entry[2]) {
        chosen = entry;
        break;
      }
      roll -= entry[2];
    }
    const [type, grouping] = chosen;
    const startsMessage = type === "injection" || grouping === "gen_event" || type === "policy_rejection";
    const message = startsMessage || recent.length === 0 ? newMessage(now) : pick(recent);
    const { recipient, template } = message;
    const event: Record<string, unknown> = {
      type,
      event_id: `${idPrefix}${String(index).padStart(11, "0")}`,
      timestamp: String(Math.floor(now / 1000)),
      customer_id: CUSTOMER_ID,
      subaccount_id: message.subaccountId,
      transmission_id: message.transmissionId,
      campaign_id: message.campaign.id,
      template_id: template.id,
      template_version: template.version,
      friendly_from: message.fromAddress,
      rcpt_to: recipient.address,
      raw_rcpt_to: recipient.address,
      rcpt_hash: recipient.hash,
      recipient_domain: recipient.domain,
      routing_domain: recipient.domain,
      rcpt_meta: recipient.meta,
      rcpt_tags: recipient.tags,
      ip_pool: message.ipPool,
      sending_ip: message.sendingIp,
      transactional: template.transactional ? "1" : "0",
    };
    if (grouping === "gen_event") {
      const [code, reason] = pick(GENERATION_ERRORS);
      Object.assign(event, {
        error_code: code,
        reason,
        raw_reason: reason,
        recv_method: "rest",
        rcpt_subs: { first_name: recipient.address.split(".")[0], plan: recipient.meta.plan },
      });
      return { msys: { gen_event: event } };
    }
    Object.assign(event, {
      message_id: message.messageId,
      msg_from: `msprvs1=${message.messageId}=bounces-${CUSTOMER_ID}@bounces.example.com`,
      subject: template.subject,
      injection_time: message.injectionTime,
    });
    if (message.campaign.abTestId !== undefined && type !== "bounce" && type !== "delay") {
      event.ab_test_id = message.campaign.abTestId;
      event.ab_test_version = template === message.campaign.templates[0] ? "1" : "2";
    }
    if (type !== "policy_rejection") {
      Object.assign(event, {
        msg_size: message.msgSize,
        click_tracking: true,
        open_tracking: true,
        initial_pixel: true,
        amp_enabled: message.ampEnabled,
      });
    }
    const queueTime = message.queueTime;
    switch (type) {
      case "injection":
        event.recv_method = "rest";
        break;
      case "delivery":
        Object.assign(event, {
          delv_method: "esmtp",
          ip_address: `203.0.113.${1 + (recipient.hash.charCodeAt(0) % 250)}`,
          num_retries: random() < 0.95 ? "0" : "1",
          queue_time: queueTime,
          outbound_tls: "1",
          recv_method: "rest",
        });
        break;
      case "bounce":
      case "delay":
      case "out_of_band": {
        const [bounceClass, code, reason] = pick(type === "delay" ? DELAYS : BOUNCES);
        Object.assign(event, {
          bounce_class: type === "out_of_band" ? "10" : bounceClass,
          error_code: code,
          reason,
          raw_reason: reason,
          delv_method: "esmtp",
          ip_address: `203.0.113.${1 + (recipient.hash.charCodeAt(1) % 250)}`,
          num_retries: type === "delay" ? String(1 + Math.floor(random() * 5)) : "0",
          queue_time: queueTime,
          recv_method: "rest",
        });
        if (type === "delay") event.outbound_tls = "1";
        break;
      }
      case "policy_rejection": {
        const [bounceClass, code, reason] = pick(REJECTIONS);
        Object.assign(event, {
          bounce_class: bounceClass,
          error_code: code,
          reason,
          raw_reason: reason,
          recv_method: "rest",
          remote_addr: "192.0.2.44",
        });
        break;
      }
      case "spam_complaint":
        Object.assign(event, {
          fbtype: "abuse",
          report_by: `fbl.${recipient.domain}`,
          report_to: "abuse@mail.example.com",
          delv_method: "esmtp",
          num_retries: "0",
          queue_time: queueTime,
        });
        break;
      case "list_unsubscribe":
      case "link_unsubscribe":
        Object.assign(event, {
          mailfrom: event.msg_from,
          ip_address: `100.64.${recipient.hash.charCodeAt(2)}.${recipient.hash.charCodeAt(3)}`,
          recv_method: "rest",
        });
        if (type === "link_unsubscribe")
          Object.assign(event, { user_agent: recipient.userAgent, delv_method: "esmtp" });
        break;
      default: {
        // Engagement (track_event): where and with what the recipient opened or clicked.
        const [country, region, city, latitude, longitude, zip] = recipient.geo;
        Object.assign(event, {
          delv_method: "esmtp",
          num_retries: "0",
          queue_time: queueTime,
          ip_address: `100.64.${recipient.hash.charCodeAt(2)}.${recipient.hash.charCodeAt(3)}`,
          user_agent: recipient.userAgent,
          geo_ip: { country, region, city, latitude, longitude, zip, postal_code: zip },
        });
        if (type === "click" || type === "amp_click") {
          const [name, url] = pick(LINKS);
          Object.assign(event, { target_link_name: name, target_link_url: url });
        }
      }
    }
    return { msys: { [grouping]: event } };
  };

  const produce = options.profile === "lean" ? () => leanOf(next()) : next;
  return {
    next: produce,
    take(count: number): WebhookRecord[] {
      const records = new Array<WebhookRecord>(count);
      for (let i = 0; i < count; i++) records[i] = produce();
      return records;
    },
    get generated() {
      return generated;
    },
  };
}
