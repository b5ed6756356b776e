import { sql } from "drizzle-orm";
import type { DeliveryTransport } from "./delivery/transport.ts";
import { judgeAlerts, measureAlerts } from "./evaluate/evaluate.ts";
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
 * locally): record the sender's receipts, measure every unmuted alert, judge it against its open incidents and write
 * what changed in one transaction (which holds one connection only briefly: the pool may have just two), then attempt
 * every due delivery once.
 */
export async function runAlertCycle(deps: AlertCycleDeps, now: Date): Promise<AlertCycleResult> {
  let receipts = await deps.transport.collect((collected) => recordReceipts(deps.db, collected));
  const lost = await lostAttempts(deps.db, now);
  await recordReceipts(deps.db, lost);
  receipts += lost.length;

  // Measured first, without a lock or a transaction: the source's queries run side by side on the pool. Then, under
  // the lock, the incidents are read and the decisions written for the rules that did not change in between.
  const rules = await unmutedAlerts(deps.db);
  const measured = await measureAlerts(rules, deps.source, now);
  const evaluation = await deps.db.transaction(async (tx) => {
    const locked = await tx.execute<{ locked: boolean }>(
      sql`SELECT pg_try_advisory_xact_lock(${EVALUATION_LOCK}) AS locked`,
    );
    if (!locked.rows[0]?.locked) return undefined;
    const unchanged = new Set(
      (await unmutedAlerts(tx))
        .filter((rule) =>
          rules.some((measuredRule) => measuredRule.id === rule.id && +measuredRule.updatedAt === +rule.updatedAt),
        )
        .map((rule) => rule.id),
    );
    const current = measured.filter((alert) => unchanged.has(alert.id));
    const open = await openIncidentsOf(
      tx,
      current.map((alert) => alert.id),
    );
    const evaluated = judgeAlerts(current, open, now);
    const counts = await applyEvaluation(tx, evaluated, now, deps.publicUrl);
    return {
      ...counts,
      alerts: current.length,
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
