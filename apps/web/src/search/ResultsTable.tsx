import { Fragment, useState } from "react";
import { ScrollRegion } from "../ScrollRegion.tsx";
import type { ApiEvent } from "./export.ts";
import { relatedSearches } from "./related.ts";

const text = (value: unknown) => (value === undefined || value === null ? "" : String(value));

/** `2016-04-18 14:25:07` in UTC, whatever offset the event's timestamp carries. */
function displayTime(value: unknown): string {
  const time = Date.parse(text(value));
  return Number.isNaN(time) ? text(value) : new Date(time).toISOString().slice(0, 19).replace("T", " ");
}

const COLUMNS = ["Time (UTC)", "Type", "Recipient", "Campaign", "Subject", "Reason"] as const;

/**
 * Time, type, recipient, campaign, subject and reason of each event; a row opens to the whole event and to the
 * searches for the rest of its message and of its recipient. On a phone each row is a card (styles.css), and a
 * timeline shows them as one.
 */
export function ResultsTable({
  events,
  now,
  timeline = false,
}: {
  events: readonly ApiEvent[];
  now: Date;
  timeline?: boolean;
}) {
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  const toggle = (key: string) =>
    setOpen((current) => {
      const next = new Set(current);
      if (!next.delete(key)) next.add(key);
      return next;
    });
  return (
    <ScrollRegion label="Search results">
      <table className={timeline ? "results timeline" : "results"}>
        <thead>
          <tr>
            <th scope="col">
              <span className="visually-hidden">Details</span>
            </th>
            {COLUMNS.map((column) => (
              <th key={column} scope="col">
                {column}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {events.map((event) => {
            const key = `${text(event.type)}/${text(event.event_id)}`;
            const expanded = open.has(key);
            return (
              <Fragment key={key}>
                <tr className={expanded ? "expanded" : undefined}>
                  <td>
                    <button
                      type="button"
                      className="expander"
                      aria-expanded={expanded}
                      aria-controls={expanded ? `event-${key}` : undefined}
                      aria-label={`${expanded ? "Hide" : "Show"} event ${text(event.event_id)}`}
                      onClick={() => toggle(key)}
                    >
                      {expanded ? "▾" : "▸"}
                    </button>
                  </td>
                  <td className="nowrap cell-time" data-label={COLUMNS[0]}>
                    {displayTime(event.timestamp)}
                  </td>
                  <td className="nowrap cell-type" data-label={COLUMNS[1]}>
                    {text(event.type)}
                  </td>
                  <Cell label={COLUMNS[2]} value={text(event.rcpt_to ?? event.raw_rcpt_to)} />
                  <Cell label={COLUMNS[3]} value={text(event.campaign_id)} />
                  <Cell label={COLUMNS[4]} value={text(event.subject)} />
                  <Cell label={COLUMNS[5]} value={text(event.reason ?? event.raw_reason)} />
                </tr>
                {expanded && (
                  <tr className="event-detail" id={`event-${key}`}>
                    <td colSpan={7}>
                      <Related event={event} now={now} />
                      <pre>{JSON.stringify(event, null, 2)}</pre>
                    </td>
                  </tr>
                )}
              </Fragment>
            );
          })}
        </tbody>
      </table>
    </ScrollRegion>
  );
}

/** A cell that a phone's card leaves out when it is empty. */
function Cell({ label, value }: { label: string; value: string }) {
  return (
    <td data-label={label} className={value === "" ? "empty" : undefined}>
      {value}
    </td>
  );
}

/** Links to the rest of the event's message and of its recipient, each as a timeline. */
function Related({ event, now }: { event: ApiEvent; now: Date }) {
  const related = relatedSearches(event, now);
  if (!related.message && !related.recipient) return null;
  return (
    <nav className="related" aria-label={`Related to event ${text(event.event_id)}`}>
      {related.message && <a href={related.message}>This message's events</a>}
      {related.recipient && <a href={related.recipient}>This recipient's events</a>}
    </nav>
  );
}
