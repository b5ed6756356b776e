import { type AlertIncidentRow, alertDeliveries, alertIncidents } from "@msgevents/schema";
import { desc, eq, inArray } from "drizzle-orm";
import { drillDownLink, roundValue } from "../channels/notification.ts";
import type { AlertMetric } from "../model/catalog.ts";
import type { IncidentDelivery, IncidentObject } from "../model/incident.ts";
import type { AlertsDatabase } from "./database.ts";

/** The most recent incidents an alert lists (SparkPost lists them all; a flapping rule could make that large). */
export const INCIDENTS_LISTED = 1000;

const iso = (time: Date | null) => time?.toISOString() ?? null;

function incidentObject(row: AlertIncidentRow, metric: AlertMetric, deliveries: IncidentDelivery[]): IncidentObject {
  return {
    id: row.id,
    triggered_value: roundValue(row.triggeredValue),
    first_fired: row.firstFired.toISOString(),
    last_fired: row.lastFired.toISOString(),
    status: row.status,
    filters: row.filters,
    last_value: roundValue(row.lastValue),
    closed_at: iso(row.closedAt),
    closed_reason: row.closedReason,
    // Relative: the web app is served by the same origin as this API.
    link: drillDownLink("", metric, row.filters, { from: row.windowStart, to: row.firstFired }),
    deliveries,
  };
}

/** An alert's incidents, newest first, each with every delivery of its notifications. */
export async function listIncidents(
  db: AlertsDatabase,
  alertId: number,
  metric: AlertMetric,
): Promise<IncidentObject[]> {
  const rows = await db
    .select()
    .from(alertIncidents)
    .where(eq(alertIncidents.alertId, alertId))
    .orderBy(desc(alertIncidents.id))
    .limit(INCIDENTS_LISTED);
  if (rows.length === 0) return [];
  const deliveries = await db
    .select()
    .from(alertDeliveries)
    .where(
      inArray(
        alertDeliveries.incidentId,
        rows.map((row) => row.id),
      ),
    )
    .orderBy(alertDeliveries.id);
  const byIncident = new Map<number, IncidentDelivery[]>();
  for (const delivery of deliveries) {
    const list = byIncident.get(delivery.incidentId) ?? [];
    list.push({
      channel: delivery.channel,
      kind: delivery.kind,
      status: delivery.status,
      attempts: delivery.attempts,
      created_at: delivery.createdAt.toISOString(),
      sent_at: iso(delivery.sentAt),
      last_error: delivery.lastError,
    });
    byIncident.set(delivery.incidentId, list);
  }
  return rows.map((row) => incidentObject(row, metric, byIncident.get(row.id) ?? []));
}
