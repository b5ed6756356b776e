import { type AlertRow, alertIncidents, alerts } from "@msgevents/schema";
import { and, asc, eq } from "drizzle-orm";
import type { Alert, AlertDefinition } from "../model/alert.ts";
import type { AlertMetric } from "../model/catalog.ts";
import type { AlertsDatabase } from "./database.ts";

/** What `definition` holds: the alert object without the fields that have columns. */
type StoredDefinition = Omit<AlertDefinition, "name" | "metric" | "muted">;

export function definitionOf(row: AlertRow): AlertDefinition {
  return {
    name: row.name,
    metric: row.metric as AlertMetric,
    muted: row.muted,
    ...(row.definition as unknown as StoredDefinition),
  };
}

/** SparkPost's alert object, keys in its documented order, then msgevents' additions. */
export function alertObject(row: AlertRow): Alert {
  const definition = definitionOf(row);
  return {
    id: row.id,
    name: definition.name,
    ...(definition.any_subaccount ? {} : { subaccounts: definition.subaccounts }),
    any_subaccount: definition.any_subaccount,
    metric: definition.metric,
    muted: definition.muted,
    filters: definition.filters,
    threshold_evaluator: definition.threshold_evaluator,
    last_triggered: row.lastTriggered?.toISOString() ?? null,
    channels: definition.channels,
    window_minutes: definition.window_minutes,
    min_volume: definition.min_volume,
    recovery_minutes: definition.recovery_minutes,
    reminder_minutes: definition.reminder_minutes,
  };
}

function columnsOf(definition: AlertDefinition) {
  const { name, metric, muted, ...rest } = definition;
  return { name, metric, muted, definition: rest as unknown as Record<string, unknown> };
}

export async function listAlerts(db: AlertsDatabase): Promise<AlertRow[]> {
  return db.select().from(alerts).orderBy(asc(alerts.id));
}

export async function findAlert(db: AlertsDatabase, id: number): Promise<AlertRow | undefined> {
  const [row] = await db.select().from(alerts).where(eq(alerts.id, id));
  return row;
}

export async function insertAlert(db: AlertsDatabase, definition: AlertDefinition, now: Date): Promise<number> {
  const [row] = await db
    .insert(alerts)
    .values({ ...columnsOf(definition), createdAt: now, updatedAt: now })
    .returning({ id: alerts.id });
  if (!row) throw new Error("inserting the alert returned no id");
  return row.id;
}

/** The fields that decide what an incident is: changing one ends the alert's open incidents. */
const EVALUATED: readonly (keyof AlertDefinition)[] = [
  "metric",
  "subaccounts",
  "any_subaccount",
  "filters",
  "threshold_evaluator",
  "window_minutes",
  "min_volume",
];

export const changesEvaluation = (before: AlertDefinition, after: AlertDefinition): boolean =>
  EVALUATED.some((field) => JSON.stringify(before[field]) !== JSON.stringify(after[field]));

/**
 * Stores the updated alert. When what it evaluates changed, its open incidents are closed ("alert updated") in the
 * same transaction: they described the old rule, and a combination still beyond the new threshold opens a new one.
 */
export async function updateAlert(
  db: AlertsDatabase,
  id: number,
  before: AlertDefinition,
  after: AlertDefinition,
  now: Date,
): Promise<AlertRow | undefined> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(alerts)
      .set({ ...columnsOf(after), updatedAt: now })
      .where(eq(alerts.id, id))
      .returning();
    if (row && changesEvaluation(before, after)) {
      await tx
        .update(alertIncidents)
        .set({ status: "closed", closedAt: now, closedReason: "alert updated" })
        .where(and(eq(alertIncidents.alertId, id), eq(alertIncidents.status, "open")));
    }
    return row;
  });
}

/** Deletes the alert, its incidents and their deliveries (foreign keys); false when there was none. */
export async function deleteAlert(db: AlertsDatabase, id: number): Promise<boolean> {
  const deleted = await db.delete(alerts).where(eq(alerts.id, id)).returning({ id: alerts.id });
  return deleted.length > 0;
}
