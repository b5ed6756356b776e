import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  check,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";

const time = (name: string) => timestamp(name, { withTimezone: true, precision: 3 });

/**
 * Alert rules (SparkPost's Alerts API, served by packages/alerts): `name`, `metric` and `muted` as columns, everything
 * else of the alert object (subaccounts, filters, threshold evaluator, channels, window, minimum volume, recovery and
 * reminder periods) in `definition`, validated by packages/alerts before it is written.
 */
export const alerts = pgTable("alerts", {
  id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
  name: text("name").notNull(),
  metric: text("metric").notNull(),
  muted: boolean("muted").notNull().default(false),
  definition: jsonb("definition").$type<Record<string, unknown>>().notNull(),
  lastTriggered: time("last_triggered"),
  createdAt: time("created_at").notNull(),
  updatedAt: time("updated_at").notNull(),
});

export const INCIDENT_STATUSES = ["open", "closed"] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

/**
 * One episode of an alert firing for one value combination (`filters`, e.g. subaccount 0 at gmail): opened when the
 * rule fires, closed once it stayed within its threshold for the alert's recovery period. At most one open incident
 * per alert and combination (`combination` is the canonical text of `filters`), so a rule never fires twice for one
 * incident, whoever evaluates it.
 */
export const alertIncidents = pgTable(
  "alert_incidents",
  {
    id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
    alertId: integer("alert_id")
      .notNull()
      .references(() => alerts.id, { onDelete: "cascade" }),
    combination: text("combination").notNull(),
    filters: jsonb("filters").$type<Record<string, string | number>>().notNull(),
    status: text("status").$type<IncidentStatus>().notNull(),
    /** The value when it fired, and at the last evaluation that found it beyond the threshold. */
    triggeredValue: doublePrecision("triggered_value").notNull(),
    lastValue: doublePrecision("last_value").notNull(),
    /** The start of the window that fired (first_fired is its end), for drill-down links. */
    windowStart: time("window_start").notNull(),
    firstFired: time("first_fired").notNull(),
    lastFired: time("last_fired").notNull(),
    lastNotified: time("last_notified").notNull(),
    /** Since when every evaluation found it within the threshold; null while it fires. */
    recoveringSince: time("recovering_since"),
    closedAt: time("closed_at"),
    closedReason: text("closed_reason"),
  },
  (table) => [
    check("alert_incidents_status_check", sql`${table.status} in ('open', 'closed')`),
    uniqueIndex("alert_incidents_open_idx").on(table.alertId, table.combination).where(sql`${table.status} = 'open'`),
    index("alert_incidents_alert_idx").on(table.alertId, table.id),
  ],
);

export const DELIVERY_STATUSES = ["pending", "dispatched", "sent", "failed"] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * The outbox: one notification of an incident on one channel. Written in the transaction that opens the incident (or
 * decides a reminder), then attempted until it is sent or out of attempts; `dispatched` means handed to a sender that
 * reports back (the sender Lambda outside the VPC). Every attempt's outcome shows on the incident.
 */
export const alertDeliveries = pgTable(
  "alert_deliveries",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    incidentId: integer("incident_id")
      .notNull()
      .references(() => alertIncidents.id, { onDelete: "cascade" }),
    kind: text("kind").$type<"triggered" | "reminder">().notNull(),
    channel: text("channel").$type<"emails" | "webhook" | "slack">().notNull(),
    message: jsonb("message").$type<Record<string, unknown>>().notNull(),
    status: text("status").$type<DeliveryStatus>().notNull(),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: time("next_attempt_at"),
    dispatchedAt: time("dispatched_at"),
    sentAt: time("sent_at"),
    lastError: text("last_error"),
    createdAt: time("created_at").notNull(),
  },
  (table) => [
    check("alert_deliveries_status_check", sql`${table.status} in ('pending', 'dispatched', 'sent', 'failed')`),
    index("alert_deliveries_due_idx").on(table.nextAttemptAt).where(sql`${table.status} in ('pending', 'dispatched')`),
    index("alert_deliveries_incident_idx").on(table.incidentId, table.id),
  ],
);

export type AlertRow = typeof alerts.$inferSelect;
export type AlertIncidentRow = typeof alertIncidents.$inferSelect;
export type AlertDeliveryRow = typeof alertDeliveries.$inferSelect;
