import { parseWebhookRecords } from "@msgevents/schema";

const decoder = new TextDecoder("utf-8");
const encoder = new TextEncoder();

export interface RawBatch {
  text: string;
  records: unknown[];
}

/** A raw batch's text and records; throws InvalidBatchError when it is not a JSON array. */
export function readRawBatch(body: Uint8Array): RawBatch {
  const text = decoder.decode(body);
  return { text, records: parseWebhookRecords(text) };
}

/**
 * The raw batch without the records at `dropped` (indexes): `[` + every kept record's own text, in order, joined by
 * `,` + `]`. Every kept record keeps its exact text (the bytes SparkPost sent), so it loads again into exactly the row
 * it loaded into before; only the whitespace between records may change.
 */
export function withoutRecords(batch: RawBatch, dropped: ReadonlySet<number>): Uint8Array {
  const spans = arrayElementSpans(batch.text);
  if (spans.length !== batch.records.length) throw new Error("the batch's records could not be delimited");
  const kept = spans.filter((_, index) => !dropped.has(index)).map(([start, end]) => batch.text.slice(start, end));
  return encoder.encode(`[${kept.join(",")}]`);
}

/**
 * Where each element of a top-level JSON array starts and ends (end exclusive, surrounding whitespace left out).
 * Expects text JSON.parse accepted as an array: it only tracks strings (with escapes) and nesting depth.
 */
export function arrayElementSpans(text: string): [start: number, end: number][] {
  const spans: [number, number][] = [];
  let depth = 0;
  let inString = false;
  let start = -1;
  let lastNonSpace = -1;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (inString) {
      if (char === "\\") i++;
      else if (char === '"') {
        inString = false;
        lastNonSpace = i;
      }
      continue;
    }
    if (char === " " || char === "\n" || char === "\r" || char === "\t") continue;
    if (depth === 1 && (char === "," || char === "]")) {
      if (start !== -1) spans.push([start, lastNonSpace + 1]);
      start = -1;
      if (char === "]") depth--;
      continue;
    }
    if (depth === 1 && start === -1) start = i;
    if (char === '"') inString = true;
    else if (char === "[" || char === "{") depth++;
    else if (char === "]" || char === "}") depth--;
    lastNonSpace = i;
  }
  return spans;
}
