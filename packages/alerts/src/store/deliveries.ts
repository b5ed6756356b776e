import { alertDeliveries } from "@msgevents/schema";
import { and, eq, sql } from "drizzle-orm";
import type { DeliveryMessage } from "../channels/notification.ts";
import type { DeliveryReceipt, OutboundDelivery } from "../delivery/transport.ts";
import type { AlertsDatabase } from "./database.ts";

/** Attempts per delivery, and the wait before each retry: about two hours in all, whatever the cycle's interval. */
export const MAX_ATTEMPTS = 6;
const RETRY_DELAYS_MINUTES = [1, 5, 15, 30, 60];
/** A delivery handed to a sender that has not reported back in this long counts as a failed attempt. */
export const RECEIPT_TIMEOUT_MS = 15 * 60_000;

export function queueDeliveries(
  db: AlertsDatabase,
  incidentId: number,
  kind: "triggered" | "reminder",
  messages: readonly DeliveryMessage[],
  now: Date,
) {
  if (messages.length === 0) return Promise.resolve();
  return db.insert(alertDeliveries).values(
    messages.map((message) => ({
      incidentId,
      kind,
      channel: message.channel,
      message: message as unknown as Record<string, unknown>,
      status: "pending" as const,
      nextAttemptAt: now,
      createdAt: now,
    })),
  );
}

/**
 * Takes up to `limit` due deliveries for an attempt: pending ones whose time has come, of alerts that are not muted
 * (a muted alert's notifications wait until it is unmuted). Claimed rows are `dispatched` with the attempt counted
 * and a deadline for their receipt, in one statement that skips rows another evaluator holds, so no delivery is
 * attempted twice at once.
 */
export async function claimDueDeliveries(db: AlertsDatabase, now: Date, limit = 100): Promise<OutboundDelivery[]> {
  const deadline = new Date(now.getTime() + RECEIPT_TIMEOUT_MS);
  const result = await db.execute<{ id: string | number; attempts: number; message: DeliveryMessage }>(sql`
    UPDATE alert_deliveries AS d
    SET status = 'dispatched', attempts = d.attempts + 1, dispatched_at = ${now.toISOString()}::timestamptz,
        next_attempt_at = ${deadline.toISOString()}::timestamptz
    WHERE d.id IN (
      SELECT due.id FROM alert_deliveries AS due
      JOIN alert_incidents AS i ON i.id = due.incident_id
      JOIN alerts AS a ON a.id = i.alert_id
      WHERE due.status = 'pending' AND due.next_attempt_at <= ${now.toISOString()}::timestamptz AND NOT a.muted
      ORDER BY due.next_attempt_at, due.id
      LIMIT ${limit}
      FOR UPDATE OF due SKIP LOCKED
    )
    RETURNING d.id, d.attempts, d.message`);
  return result.rows.map((row) => ({ id: Number(row.id), attempt: row.attempts, message: row.message }));
}

/** Dispatched deliveries whose sender never reported back by their deadline, as failed attempts. */
export async function lostAttempts(db: AlertsDatabase, now: Date): Promise<DeliveryReceipt[]> {
  const result = await db.execute<{ id: string | number; attempts: number }>(sql`
    SELECT id, attempts FROM alert_deliveries
    WHERE status = 'dispatched' AND next_attempt_at <= ${now.toISOString()}::timestamptz`);
  return result.rows.map((row) => ({
    deliveryId: Number(row.id),
    attempt: row.attempts,
    ok: false,
    error: `no report from the sender within ${RECEIPT_TIMEOUT_MS / 60_000} minutes`,
    at: now.toISOString(),
  }));
}

/**
 * Settles attempts: sent, retried later, or failed for good after MAX_ATTEMPTS. A receipt settles only the attempt
 * it names and only while that attempt is outstanding, so a duplicate or late receipt changes nothing. The last
 * error stays after a later success: the incident shows that a channel failed before it got through.
 */
export async function recordReceipts(db: AlertsDatabase, receipts: readonly DeliveryReceipt[]): Promise<void> {
  for (const receipt of receipts) {
    const at = new Date(receipt.at);
    const delay = RETRY_DELAYS_MINUTES[receipt.attempt - 1];
    const settled = receipt.ok
      ? { status: "sent" as const, sentAt: at, nextAttemptAt: null }
      : receipt.attempt >= MAX_ATTEMPTS || delay === undefined
        ? { status: "failed" as const, nextAttemptAt: null, lastError: receipt.error ?? "failed" }
        : {
            status: "pending" as const,
            nextAttemptAt: new Date(at.getTime() + delay * 60_000),
            lastError: receipt.error ?? "failed",
          };
    await db
      .update(alertDeliveries)
      .set(settled)
      .where(
        and(
          eq(alertDeliveries.id, receipt.deliveryId),
          eq(alertDeliveries.attempts, receipt.attempt),
          eq(alertDeliveries.status, "dispatched"),
        ),
      );
  }
}
