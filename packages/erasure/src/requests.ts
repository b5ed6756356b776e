import { type ErasureStatus, EVERY_ACCOUNT, withClient } from "@msgevents/schema";
import type pg from "pg";
import { type RecipientHasher, showHash } from "./recipient-hash.ts";
import type { RtbfRequest } from "./rtbf-request.ts";

/**
 * Saves a request and suppresses its recipients at once, in one transaction: from its commit on, the loader drops
 * their records (a load already running is waited for by the eraser's fence). Stores keyed hashes only; the address
 * reaches the database as a parameter, for the search index's own hash of it (see erasure_recipients), and is not
 * stored. Returns the request's id.
 */
export async function saveRequest(
  pool: pg.Pool,
  hasher: RecipientHasher,
  request: RtbfRequest,
  credential: string,
): Promise<number> {
  const hashes = request.recipients.map((address) => hasher.hash(address));
  return withClient(pool, async (client) => {
    await client.query("BEGIN");
    try {
      const { rows } = await client.query<{ request_id: string }>(
        `INSERT INTO erasure_requests (credential, scope, recipients) VALUES ($1, $2, $3) RETURNING request_id`,
        [credential, request.scope, request.recipients.length],
      );
      const requestId = Number(rows[0]?.request_id);
      await client.query(
        `INSERT INTO erasure_recipients (request_id, recipient_hash, search_token)
         SELECT $1, r.hash, hashtext('r=' || lower(r.address))
         FROM unnest($2::bytea[], $3::text[]) AS r(hash, address)`,
        [requestId, hashes, request.recipients],
      );
      await client.query(
        `INSERT INTO suppressed_recipients (recipient_hash, scope, request_id)
         SELECT hash, $2, $3 FROM unnest($1::bytea[]) AS hash ORDER BY hash
         ON CONFLICT DO NOTHING`,
        [hashes, request.scope, requestId],
      );
      await client.query("COMMIT");
      return requestId;
    } catch (error) {
      await client.query("ROLLBACK");
      throw error;
    }
  });
}

/** A request as the API and the CLI show it: its audit entry and where its erasure is. */
export interface RequestView {
  id: string;
  received_at: string;
  /** The API key that made it, as an identifier (never the key). */
  credential: string;
  /** `all` (include_subaccounts), `primary`, or `subaccount:<id>` (X-MSYS-SUBACCOUNT). */
  accounts: string;
  recipients: number;
  status: ErasureStatus;
  /** While erasing events: the UTC day it resumes at. */
  next_day: string | null;
  events_erased: number;
  /** Raw batches found holding the recipients, rewritten by this request, and still to do. */
  batches_found: number;
  batches_rewritten: number;
  batches_pending: number;
  records_removed: number;
  started_at: string | null;
  completed_at: string | null;
  updated_at: string | null;
  last_error: string | null;
  /** The keyed hash of each recipient (detail only). */
  recipient_hashes?: string[];
}

interface RequestRow {
  request_id: string;
  received_at: Date;
  credential: string;
  scope: number;
  recipients: number;
  status: ErasureStatus;
  next_day: string | null;
  events_erased: string;
  batches_found: number;
  batches_rewritten: number;
  batches_pending: number;
  records_removed: number;
  started_at: Date | null;
  completed_at: Date | null;
  updated_at: Date | null;
  last_error: string | null;
}

const SELECT_REQUESTS = `
  SELECT r.request_id, r.received_at, r.credential, r.scope, r.recipients, r.status, r.next_day::text AS next_day,
         r.events_erased, r.batches_rewritten, r.records_removed, r.started_at, r.completed_at, r.updated_at,
         r.last_error,
         (SELECT count(*)::int FROM erasure_batches b WHERE b.request_id = r.request_id) AS batches_found,
         (SELECT count(*)::int FROM erasure_batches b WHERE b.request_id = r.request_id AND b.done_at IS NULL)
           AS batches_pending
  FROM erasure_requests r`;

function view(row: RequestRow): RequestView {
  const iso = (value: Date | null) => value?.toISOString() ?? null;
  return {
    id: String(row.request_id),
    received_at: row.received_at.toISOString(),
    credential: row.credential,
    accounts: row.scope === EVERY_ACCOUNT ? "all" : row.scope === 0 ? "primary" : `subaccount:${row.scope}`,
    recipients: row.recipients,
    status: row.status,
    next_day: row.status === "events" ? row.next_day : null,
    events_erased: Number(row.events_erased),
    batches_found: row.batches_found,
    batches_rewritten: row.batches_rewritten,
    batches_pending: row.batches_pending,
    records_removed: row.records_removed,
    started_at: iso(row.started_at),
    completed_at: iso(row.completed_at),
    updated_at: iso(row.updated_at),
    last_error: row.last_error,
  };
}

/** Requests newest first, at most `limit`, before `beforeId` when paging, of one recipient when asked. */
export async function listRequests(
  db: Pick<pg.Pool, "query">,
  options: { limit: number; beforeId?: number; recipientHash?: Buffer },
): Promise<RequestView[]> {
  const { rows } = await db.query<RequestRow>(
    `${SELECT_REQUESTS}
     WHERE ($2::bigint IS NULL OR r.request_id < $2)
       AND ($3::bytea IS NULL
            OR r.request_id IN (SELECT request_id FROM erasure_recipients WHERE recipient_hash = $3))
     ORDER BY r.request_id DESC LIMIT $1`,
    [options.limit, options.beforeId ?? null, options.recipientHash ?? null],
  );
  return rows.map(view);
}

/** One request with its recipients' keyed hashes, or undefined. */
export async function getRequest(db: Pick<pg.Pool, "query">, requestId: number): Promise<RequestView | undefined> {
  const { rows } = await db.query<RequestRow>(`${SELECT_REQUESTS} WHERE r.request_id = $1`, [requestId]);
  const row = rows[0];
  if (!row) return undefined;
  const hashes = await db.query<{ recipient_hash: Buffer }>(
    "SELECT recipient_hash FROM erasure_recipients WHERE request_id = $1 ORDER BY recipient_hash",
    [requestId],
  );
  return { ...view(row), recipient_hashes: hashes.rows.map((hash) => showHash(hash.recipient_hash)) };
}
