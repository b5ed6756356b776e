import { alertIncidents, alerts } from "@msgevents/schema";
import { and, eq, inArray } from "drizzle-orm";
import { type AlertNotification, deliveriesFor, drillDownLink, roundValue } from "../channels/notification.ts";
import type { EvaluatedAlert } from "../evaluate/evaluate.ts";
import type { OpenIncident } from "../evaluate/incidents.ts";
import type { Window } from "../evaluate/plan.ts";
import type { AlertDefinition } from "../model/alert.ts";
import { definitionOf } from "./alerts.ts";
import type { AlertsDatabase } from "./database.ts";
import { queueDeliveries } from "./deliveries.ts";

/** The rules to evaluate, each with when it last changed (a rule edited while it was measured is left to the next cycle). */
export async function unmutedAlerts(
  db: AlertsDatabase,
): Promise<{ id: number; definition: AlertDefinition; updatedAt: Date }[]> {
  const rows = await db.select().from(alerts).where(eq(alerts.muted, false)).orderBy(alerts.id);
  return rows.map((row) => ({ id: row.id, definition: definitionOf(row), updatedAt: row.updatedAt }));
}

export async function openIncidentsOf(db: AlertsDatabase, alertIds: readonly number[]): Promise<OpenIncident[]> {
  if (alertIds.length === 0) return [];
  const rows = await db
    .select()
    .from(alertIncidents)
    .where(and(inArray(alertIncidents.alertId, [...alertIds]), eq(alertIncidents.status, "open")));
  return rows.map((row) => ({
    id: row.id,
    alertId: row.alertId,
    combination: row.combination,
    filters: row.filters,
    firstFired: row.firstFired,
    lastNotified: row.lastNotified,
    recoveringSince: row.recoveringSince,
  }));
}

export interface AppliedCounts {
  opened: number;
  reminded: number;
  closed: number;
}

/**
 * Writes what the evaluation decided, in the caller's transaction: incidents opened (each with one delivery per
 * channel), confirmed, reminded, recovering or closed. Opening is `ON CONFLICT DO NOTHING` against the one open
 * incident per alert and combination, so a rule never notifies twice for one incident.
 */
export async function applyEvaluation(
  db: AlertsDatabase,
  evaluated: readonly EvaluatedAlert[],
  now: Date,
  publicUrl: string,
): Promise<AppliedCounts> {
  const counts: AppliedCounts = { opened: 0, reminded: 0, closed: 0 };
  for (const alert of evaluated) {
    const notification = (
      kind: AlertNotification["kind"],
      incidentId: number,
      filters: Record<string, string | number>,
      value: number,
      window: Window,
      firstFired: Date,
    ): AlertNotification => ({
      alert_id: alert.id,
      incident_id: incidentId,
      name: alert.definition.name,
      metric: alert.definition.metric,
      triggered_value: roundValue(value),
      triggered_at: now.toISOString(),
      threshold_evaluator: alert.definition.threshold_evaluator,
      filters,
      kind,
      window_from: window.from.toISOString(),
      window_to: window.to.toISOString(),
      first_fired: firstFired.toISOString(),
      link: drillDownLink(publicUrl, alert.definition.metric, filters, window),
    });
    let triggered = false;
    for (const action of alert.actions) {
      switch (action.type) {
        case "open": {
          const { observation } = action;
          const value = observation.value ?? 0;
          const [incident] = await db
            .insert(alertIncidents)
            .values({
              alertId: alert.id,
              combination: observation.combination,
              filters: observation.filters,
              status: "open",
              triggeredValue: value,
              lastValue: value,
              windowStart: observation.window.from,
              firstFired: now,
              lastFired: now,
              lastNotified: now,
            })
            .onConflictDoNothing()
            .returning({ id: alertIncidents.id });
          if (!incident) break;
          const message = notification("triggered", incident.id, observation.filters, value, observation.window, now);
          await queueDeliveries(db, incident.id, "triggered", deliveriesFor(alert.definition.channels, message), now);
          counts.opened += 1;
          triggered = true;
          break;
        }
        case "fire": {
          const { incident, value, remind } = action;
          await db
            .update(alertIncidents)
            .set({ lastFired: now, lastValue: value, recoveringSince: null, ...(remind ? { lastNotified: now } : {}) })
            .where(eq(alertIncidents.id, incident.id));
          if (remind) {
            const message = notification(
              "reminder",
              incident.id,
              incident.filters,
              value,
              alert.windows.current,
              incident.firstFired,
            );
            await queueDeliveries(db, incident.id, "reminder", deliveriesFor(alert.definition.channels, message), now);
            counts.reminded += 1;
          }
          break;
        }
        case "recover":
          await db
            .update(alertIncidents)
            .set({ lastValue: action.value, recoveringSince: action.since })
            .where(eq(alertIncidents.id, action.incident.id));
          break;
        case "close":
          await db
            .update(alertIncidents)
            .set({ status: "closed", lastValue: action.value, closedAt: now, closedReason: "recovered" })
            .where(eq(alertIncidents.id, action.incident.id));
          counts.closed += 1;
          break;
      }
    }
    if (triggered) await db.update(alerts).set({ lastTriggered: now }).where(eq(alerts.id, alert.id));
  }
  return counts;
}
