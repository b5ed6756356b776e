import { Fragment, useState } from "react";
import { ScrollRegion } from "../ScrollRegion.tsx";
import type { ApiEvent } from "./export.ts";

const text = (value: unknown) => (value === undefined || value === null ? "" : String(value));

/** `2016-04-18 14:25:07` in UTC, whatever offset the event's timestamp carries. */
function displayTime(value: unknown): string {
  const time = Date.parse(text(value));
  return Number.isNaN(time) ? text(value) : new Date(time).toISOString().slice(0, 19).replace("T", " ");
}

/** Time, type, recipient, campaign, subject and reason of each event; a row opens to the whole event. */
export function ResultsTable({ events }: { events: readonly ApiEvent[] }) {
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  const toggle = (key: string) =>
    setOpen((current) => {
      const next = new Set(current);
      if (!next.delete(key)) next.add(key);
      return next;
    });
  return (
    <ScrollRegion label="Search results">
      <table className="results">
        <thead>
          <tr>
            <th scope="col">
              <span className="visually-hidden">Details</span>
            </th>
            <th scope="col">Time (UTC)</th>
            <th scope="col">Type</th>
            <th scope="col">Recipient</th>
            <th scope="col">Campaign</th>
            <th scope="col">Subject</th>
            <th scope="col">Reason</th>
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
                  <td className="nowrap">{displayTime(event.timestamp)}</td>
                  <td className="nowrap">{text(event.type)}</td>
                  <td>{text(event.rcpt_to ?? event.raw_rcpt_to)}</td>
                  <td>{text(event.campaign_id)}</td>
                  <td>{text(event.subject)}</td>
                  <td>{text(event.reason ?? event.raw_reason)}</td>
                </tr>
                {expanded && (
                  <tr className="event-detail" id={`event-${key}`}>
                    <td colSpan={7}>
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
