/** The Events API's list filters besides `events`, in the order the search form shows them. */
export interface FilterDefinition {
  param: string;
  label: string;
  /** How the Events API matches values, shown under the input. */
  hint: string;
}

const EXACT = "exact values";
const KEYWORDS = "keywords, in order (e.g. blackfriday matches blackfriday-specials)";

export const FILTERS: readonly FilterDefinition[] = [
  { param: "recipients", label: "Recipients", hint: "exact addresses, any case" },
  { param: "recipient_domains", label: "Recipient domains", hint: KEYWORDS },
  { param: "campaigns", label: "Campaigns", hint: KEYWORDS },
  { param: "templates", label: "Templates", hint: KEYWORDS },
  { param: "subjects", label: "Subjects", hint: KEYWORDS },
  { param: "reasons", label: "Reasons", hint: KEYWORDS },
  { param: "bounce_classes", label: "Bounce classes", hint: "numbers, e.g. 10, 25" },
  { param: "from_addresses", label: "From addresses", hint: "exact addresses, any case" },
  { param: "sending_domains", label: "Sending domains", hint: KEYWORDS },
  { param: "sending_ips", label: "Sending IPs", hint: EXACT },
  { param: "ip_pools", label: "IP pools", hint: KEYWORDS },
  { param: "subaccounts", label: "Subaccounts", hint: "numbers; 0 is the primary account" },
  { param: "mailbox_providers", label: "Mailbox providers", hint: KEYWORDS },
  { param: "mailbox_provider_regions", label: "Mailbox provider regions", hint: KEYWORDS },
  { param: "messages", label: "Message IDs", hint: EXACT },
  { param: "transmissions", label: "Transmission IDs", hint: EXACT },
  { param: "event_ids", label: "Event IDs", hint: EXACT },
  { param: "ab_tests", label: "A/B tests", hint: KEYWORDS },
  { param: "ab_test_versions", label: "A/B test versions", hint: "numbers; needs A/B tests" },
  { param: "rcpt_meta", label: "Recipient metadata", hint: "key=value; same key: any, different keys: all" },
  { param: "rcpt_tags", label: "Recipient tags", hint: "any of these tags, exact" },
];
