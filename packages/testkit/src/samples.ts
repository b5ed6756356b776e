import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** SparkPost's own sample payloads, copied from the reference so a clean clone needs nothing outside the repo. */
export const samplesDir = fileURLToPath(new URL("../fixtures/sparkpost/", import.meta.url));

const NOT_EVENTS = new Set(["batch-all-types", "events-api-response", "legacy-message-events-api-response", "ping"]);

/** The 27 single-event sample files by event type (file name without `.json`). */
export const sampleEventTypes: readonly string[] = readdirSync(samplesDir)
  .filter((file) => file.endsWith(".json"))
  .map((file) => file.slice(0, -".json".length))
  .filter((name) => !NOT_EVENTS.has(name))
  .sort();

export function readSampleText(name: string): string {
  return readFileSync(new URL(`${name}.json`, `file://${samplesDir}`), "utf8");
}

export function readSample(name: string): unknown {
  return JSON.parse(readSampleText(name));
}

/** A sample as a webhook batch: the single-event files hold one record, SparkPost posts arrays. */
export function sampleBatch(name: string): unknown[] {
  const sample = readSample(name);
  return Array.isArray(sample) ? sample : [sample];
}
