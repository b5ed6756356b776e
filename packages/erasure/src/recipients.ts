import { EVERY_ACCOUNT, recordEvents } from "@msgevents/schema";
import type pg from "pg";
import { canonicalAddress, type RecipientHasher } from "./recipient-hash.ts";

/** One recipient of a raw record: an address (canonical) and the account its event belongs to (0: the primary). */
export interface RecordRecipient {
  address: string;
  subaccount: number;
}

const ADDRESS_FIELDS = ["rcpt_to", "raw_rcpt_to"] as const;

/**
 * The recipients of one raw webhook record: the rcpt_to and raw_rcpt_to of each of its events, canonical, each
 * (address, account) once. Matching raw records rather than stored rows is what lets an erasure and the loader find a
 * record whichever of the two fields holds the address, and whether or not the record could be stored.
 */
export function recordRecipients(record: unknown): RecordRecipient[] {
  const found = new Map<string, RecordRecipient>();
  for (const event of recordEvents(record)) {
    const subaccount = subaccountOf(event.subaccount_id);
    for (const field of ADDRESS_FIELDS) {
      const value = event[field];
      if (typeof value !== "string" || value.trim() === "") continue;
      const address = canonicalAddress(value);
      found.set(`${subaccount} ${address}`, { address, subaccount });
    }
  }
  return [...found.values()];
}

/** The account of an event as the Metrics API counts it: its subaccount_id (number or digits), else 0. */
function subaccountOf(value: unknown): number {
  if (typeof value === "number" && Number.isInteger(value) && value >= 0) return value;
  if (typeof value === "string" && /^\d{1,10}$/.test(value)) return Number(value);
  return 0;
}

/**
 * Serializes the suppression list's readers with its writers: every load transaction holds it shared, and the eraser
 * takes it exclusively once before it looks for a request's events. A load that began before a recipient was
 * suppressed has then committed (its events are found and erased), and one that begins after sees the suppression.
 */
export const SUPPRESSION_FENCE_LOCK = 727_110_023;

export type SuppressionCheck = (recipient: RecordRecipient) => boolean;

/**
 * Which of these recipients are suppressed (erased), in one indexed read of the suppression list: a recipient is
 * when its keyed hash is listed for every account or for the account of its event.
 */
export async function readSuppression(
  db: Pick<pg.ClientBase, "query">,
  hasher: RecipientHasher,
  recipients: Iterable<RecordRecipient>,
): Promise<SuppressionCheck> {
  const hashes = new Map<string, string>();
  for (const { address } of recipients) {
    if (!hashes.has(address)) hashes.set(address, hasher.hash(address).toString("hex"));
  }
  if (hashes.size === 0) return () => false;
  const { rows } = await db.query<{ hash: string; scope: number }>(
    `SELECT encode(recipient_hash, 'hex') AS hash, scope FROM suppressed_recipients
     WHERE recipient_hash = ANY($1::bytea[])`,
    [[...new Set(hashes.values())].map((hex) => Buffer.from(hex, "hex"))],
  );
  if (rows.length === 0) return () => false;
  const scopes = new Map<string, Set<number>>();
  for (const row of rows) {
    const set = scopes.get(row.hash) ?? new Set<number>();
    set.add(row.scope);
    scopes.set(row.hash, set);
  }
  return ({ address, subaccount }) => {
    const listed = scopes.get(hashes.get(address) ?? "");
    return listed !== undefined && (listed.has(EVERY_ACCOUNT) || listed.has(subaccount));
  };
}
