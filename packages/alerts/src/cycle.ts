import { sql } from "drizzle-orm";
import type { DeliveryTransport } from "./delivery/transport.ts";
import { evaluateAlerts } from "./evaluate/evaluate.ts";
import type { AlertMetricsSource } from "./evaluate/source.ts";
import type { AlertsDatabase } from "./store/database.ts";
import { claimDueDeliveries, lostAttempts, recordReceipts } from "./store/deliveries.ts";
import { applyEvaluation, openIncidentsOf, unmutedAlerts } from "./store/evaluation.ts";

/** Serializes evaluations: a second evaluator (an overlapping schedule, two local stacks on one database) skips. */
const EVALUATION_LOCK = 727_110_024;

export interface AlertCycleDeps {
  db: AlertsDatabase;
  source: AlertMetricsSource;
  transport: DeliveryTransport;
  /** Where the web app is, for the links in notifications. */
  publicUrl: string;
}

export interface AlertCycleResult {
  /** False when another evaluator held the lock: this cycle only delivered. */
  evaluated: boolean;
  alerts: number;
  observations: number;
  opened: number;
  reminded: number;
  closed: number;
  /** Receipts recorded (from the sender, and attempts whose receipt never came). */
  receipts: number;
  attempted: number;
  sent: number;
  failed: number;
}

/**
 * One evaluation cycle at `now` (the schedule's time: every 5 minutes in AWS, MSGEVENTS_ALERT_INTERVAL_SECONDS
 * locally): record the sender's receipts, evaluate every unmuted alert and write what changed in one transaction,
 * then attempt every due delivery once.
 */
export async function runAlertCycle(deps: AlertCycleDeps, now: Date): Promise<AlertCycleResult> {
  let receipts = await deps.transport.collect((collected) => recordReceipts(deps.db, collected));
  const lost = await lostAttempts(deps.db, now);
  await recordReceipts(deps.db, lost);
  receipts += lost.length;

  const evaluation = await deps.db.transaction(async (tx) => {
    const locked = await tx.execute<{ locked: boolean }>(
      sql`SELECT pg_try_advisory_xact_lock(${EVALUATION_LOCK}) AS locked`,
    );
    if (!locked.rows[0]?.locked) return undefined;
    const alerts = await unmutedAlerts(tx);
    const open = await openIncidentsOf(
      tx,
      alerts.map((alert) => alert.id),
    );
    const evaluated = await evaluateAlerts(alerts, open, deps.source, now);
    const counts = await applyEvaluation(tx, evaluated, now, deps.publicUrl);
    return {
      ...counts,
      alerts: alerts.length,
      observations: evaluated.reduce((n, alert) => n + alert.observations, 0),
    };
  });

  const claimed = await claimDueDeliveries(deps.db, now);
  const settled = claimed.length > 0 ? await deps.transport.send(claimed) : [];
  await recordReceipts(deps.db, settled);
  return {
    evaluated: evaluation !== undefined,
    alerts: evaluation?.alerts ?? 0,
    observations: evaluation?.observations ?? 0,
    opened: evaluation?.opened ?? 0,
    reminded: evaluation?.reminded ?? 0,
    closed: evaluation?.closed ?? 0,
    receipts,
    attempted: claimed.length,
    sent: settled.filter((receipt) => receipt.ok).length,
    failed: settled.filter((receipt) => !receipt.ok).length,
  };
}
