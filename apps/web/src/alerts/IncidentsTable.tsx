import { ScrollRegion } from "../ScrollRegion.tsx";
import type { IncidentObject } from "./types.ts";

const filtersText = (filters: Record<string, string | number>) =>
  Object.entries(filters)
    .map(([key, value]) => `${key} ${value}`)
    .join(", ") || "whole account";

/** An alert's incidents, newest first: when and how it fired, how each notification went, and the events behind it. */
export function IncidentsTable({ incidents }: { incidents: IncidentObject[] }) {
  if (incidents.length === 0) return <p className="status">No incident yet: the rule has not fired.</p>;
  return (
    <ScrollRegion label="Incidents">
      <table className="incidents">
        <thead>
          <tr>
            <th scope="col">Incident</th>
            <th scope="col">Status</th>
            <th scope="col">Value when fired</th>
            <th scope="col">First fired</th>
            <th scope="col">Last fired</th>
            <th scope="col">Combination</th>
            <th scope="col">Notifications</th>
            <th scope="col">Events</th>
          </tr>
        </thead>
        <tbody>
          {incidents.map((incident) => (
            <tr key={incident.id} data-incident={incident.id}>
              <th scope="row">{incident.id}</th>
              <td>
                {incident.status}
                {incident.closed_reason ? ` (${incident.closed_reason})` : ""}
              </td>
              <td className="number">{incident.triggered_value}</td>
              <td className="nowrap">{incident.first_fired}</td>
              <td className="nowrap">{incident.last_fired}</td>
              <td>{filtersText(incident.filters)}</td>
              <td>
                <ul className="deliveries">
                  {incident.deliveries.map((delivery) => (
                    <li key={`${delivery.channel}-${delivery.created_at}`} data-status={delivery.status}>
                      {delivery.kind} by {delivery.channel}: {delivery.status}
                      {delivery.attempts > 1 ? ` after ${delivery.attempts} attempts` : ""}
                      {delivery.last_error ? ` (last error: ${delivery.last_error})` : ""}
                    </li>
                  ))}
                </ul>
              </td>
              <td>
                <a href={incident.link}>Events of incident {incident.id}</a>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollRegion>
  );
}
