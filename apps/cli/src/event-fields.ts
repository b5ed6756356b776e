import { sampleRecords } from "./samples.ts";

/**
 * The fields an Events API result can have, for checking --columns: every field of SparkPost's samples of all 27
 * event types, and the enrichments only the Events API adds.
 */
const EVENTS_API_ONLY = ["sending_domain", "mailbox_provider", "mailbox_provider_region", "user_agent_parsed"];

export function eventFields(): string[] {
  const fields = new Set<string>(EVENTS_API_ONLY);
  for (const record of sampleRecords()) {
    for (const event of Object.values(record.msys)) for (const field of Object.keys(event)) fields.add(field);
  }
  return [...fields].sort();
}
