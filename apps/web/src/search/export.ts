/** An event as the Events API returns it: flat fields, some of them objects (rcpt_meta, geo_ip) or arrays. */
export type ApiEvent = Record<string, unknown>;

/** The columns every export starts with; other fields follow in the order they first appear. */
const LEADING_COLUMNS = ["timestamp", "type", "event_id", "message_id", "rcpt_to", "campaign_id", "subject", "reason"];

export function toNdjson(events: readonly ApiEvent[]): string {
  return events.map((event) => `${JSON.stringify(event)}\n`).join("");
}

/** RFC 4180 CSV: one column per field seen in any event; objects and arrays as their JSON text. */
export function toCsv(events: readonly ApiEvent[]): string {
  const seen = new Set<string>();
  for (const event of events) for (const key of Object.keys(event)) seen.add(key);
  const columns = [
    ...LEADING_COLUMNS.filter((column) => seen.has(column)),
    ...[...seen].filter((column) => !LEADING_COLUMNS.includes(column)),
  ];
  const lines = [columns.map(csvCell).join(",")];
  for (const event of events) lines.push(columns.map((column) => csvCell(cellText(event[column]))).join(","));
  return `${lines.join("\r\n")}\r\n`;
}

function cellText(value: unknown): string {
  if (value === undefined || value === null) return "";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

function csvCell(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
