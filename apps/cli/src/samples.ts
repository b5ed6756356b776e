import { readFileSync } from "node:fs";
import { usageError } from "./errors.ts";

type SampleRecord = { msys: Record<string, Record<string, unknown>> };

/** SparkPost's own sample of every event type, one record each (copied from its webhooks samples endpoint). */
const SAMPLE_FILE = new URL("../samples/batch-all-types.json", import.meta.url);

export function sampleRecords(): SampleRecord[] {
  return JSON.parse(readFileSync(SAMPLE_FILE, "utf8")) as SampleRecord[];
}

export function sampleTypes(records: readonly SampleRecord[] = sampleRecords()): string[] {
  return records.flatMap((record) => Object.values(record.msys).map((event) => String(event.type)));
}

/**
 * The sample batch for `send`: every type, or the ones asked for. Restamped to `now` unless told otherwise, because
 * SparkPost's samples are from 2016 and a search over the last 24 hours would not show them.
 */
export function sampleBatch(options: { types?: readonly string[]; now?: Date }): SampleRecord[] {
  const records = sampleRecords();
  const known = new Set(sampleTypes(records));
  const unknown = (options.types ?? []).filter((type) => !known.has(type));
  if (unknown.length > 0) {
    throw usageError(`--types ${unknown.join(",")}: no such event type; known types: ${[...known].join(",")}`);
  }
  const wanted = options.types && options.types.length > 0 ? new Set(options.types) : known;
  const seconds = options.now ? String(Math.floor(options.now.getTime() / 1000)) : undefined;
  return records
    .filter((record) => Object.values(record.msys).some((event) => wanted.has(String(event.type))))
    .map((record) => ({
      msys: Object.fromEntries(
        Object.entries(record.msys).map(([grouping, event]) => [
          grouping,
          seconds === undefined ? event : { ...event, timestamp: seconds },
        ]),
      ),
    }));
}
