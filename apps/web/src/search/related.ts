import { searchHref } from "../routing.ts";
import type { ApiEvent } from "./export.ts";
import { DEFAULT_SEARCH, isoSeconds, searchToHashQuery } from "./search-state.ts";

const DAY = 86_400_000;
/** How far back from the event a timeline looks: a message's injection and its first delivery attempts. */
const LOOK_BACK = 30 * DAY;

function timeline(filter: "messages" | "recipients", value: string, at: number, now: Date): string {
  return searchHref(
    searchToHashQuery({
      ...DEFAULT_SEARCH,
      filters: { [filter]: [value] },
      range: {
        preset: "custom",
        from: isoSeconds(new Date(at - LOOK_BACK)),
        to: isoSeconds(new Date(Math.max(now.getTime(), at + 60_000))),
      },
      perPage: 100,
      timeline: true,
    }),
  );
}

/**
 * Searches for the rest of an event's story: every event of its message, and every event of its recipient, from 30
 * days before it until now, shown as a timeline. Absent where the event has no message id or recipient.
 */
export function relatedSearches(event: ApiEvent, now: Date): { message?: string; recipient?: string } {
  const at = Date.parse(String(event.timestamp));
  if (Number.isNaN(at)) return {};
  const message = typeof event.message_id === "string" && event.message_id !== "" ? event.message_id : undefined;
  const recipient = typeof event.rcpt_to === "string" && event.rcpt_to !== "" ? event.rcpt_to : undefined;
  return {
    ...(message ? { message: timeline("messages", message, at, now) } : {}),
    ...(recipient ? { recipient: timeline("recipients", recipient, at, now) } : {}),
  };
}
