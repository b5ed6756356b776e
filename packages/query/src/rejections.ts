import { createHmac } from "node:crypto";
import { type HttpResponse, jsonResponse } from "@msgevents/http";
import { DAY_MS } from "@msgevents/schema";
import { sql } from "drizzle-orm";
import { cursorTime, openCursor, parseCursorParameter, sealCursor } from "./cursor.ts";
import { parseTime } from "./request/dates.ts";
import { invalidParameter } from "./request/errors.ts";
import { assertKnownParameters } from "./request/query-string.ts";
import { type SearchDatabase, withSnapshot } from "./search/snapshot.ts";

export const REJECTIONS_PATH = "/api/v1/rejections";

const KNOWN: ReadonlySet<string> = new Set(["from", "to", "per_page", "cursor"]);
const DEFAULT_DAYS = 7;
export const REJECTIONS_DEFAULT_PER_PAGE = 100;
export const REJECTIONS_MAX_PER_PAGE = 1000;

export interface RejectionsContext {
  db: SearchDatabase;
  cursorKey: Buffer;
  now: Date;
}

/** Where a page ended: the batch (newest received first, then batch id) and the rejection's place in its list. */
interface RejectionPosition {
  receivedAt: Date;
  batchId: string;
  ordinal: number;
}

interface RejectionRow extends Record<string, unknown> {
  batch_id: string;
  received_at: Date;
  loaded_at: Date | null;
  ordinal: string;
  index: number | null;
  reason: string | null;
}

/**
 * `GET /api/v1/rejections`: the records the loader refused (not events at all), one result per record with the
 * loader's reason, newest batch first, in the Events API's paging shape. Reads the `batches` table only (SELECT).
 */
export async function listRejections(params: Map<string, string>, context: RejectionsContext): Promise<HttpResponse> {
  assertKnownParameters(params, KNOWN);
  const window = parseRejectionsWindow(params.get("from"), params.get("to"), context.now);
  const perPage = parseRejectionsPerPage(params.get("per_page"));
  const key = rejectionsCursorKey(context.cursorKey);
  const after = parseCursorParameter(params.get("cursor"), (cursor) => decodeRejectionsCursor(cursor, key));

  const inWindow = sql`received_at >= ${window.from} AND received_at < ${window.to}
    AND records_rejected > 0 AND jsonb_typeof(rejections) = 'array'`;
  const afterPosition = after
    ? sql`AND ((b.received_at, b.batch_id) < (${after.receivedAt}::timestamptz, ${after.batchId}::text)
           OR ((b.received_at, b.batch_id) = (${after.receivedAt}::timestamptz, ${after.batchId}::text)
               AND r.ordinal > ${after.ordinal}::bigint))`
    : sql``;
  // One snapshot for the page and its count, like every other answer (see withSnapshot).
  const [page, total] = await withSnapshot(context.db.$client, (snapshot) =>
    snapshot.all([
      (db) =>
        db.execute<RejectionRow>(sql`
      SELECT b.batch_id, b.received_at, b.loaded_at, r.ordinal,
             CASE WHEN jsonb_typeof(r.value -> 'index') = 'number' THEN (r.value ->> 'index')::int END AS "index",
             r.value ->> 'reason' AS reason
      FROM batches b
      CROSS JOIN LATERAL jsonb_array_elements(b.rejections) WITH ORDINALITY AS r(value, ordinal)
      WHERE ${inWindow} ${afterPosition}
      ORDER BY b.received_at DESC, b.batch_id DESC, r.ordinal
      LIMIT ${perPage + 1}`),
      (db) =>
        db.execute<{ total: string }>(
          sql`SELECT coalesce(sum(jsonb_array_length(rejections)), 0) AS total FROM batches WHERE ${inWindow}`,
        ),
    ]),
  );
  const rows = page.rows.slice(0, perPage);
  const results = rows.map((row) => ({
    batch_id: row.batch_id,
    received_at: new Date(row.received_at).toISOString(),
    loaded_at: row.loaded_at === null ? null : new Date(row.loaded_at).toISOString(),
    index: row.index,
    reason: row.reason,
  }));
  const links: { next?: string } = {};
  const last = rows.at(-1);
  if (page.rows.length > perPage && last) {
    const position = { receivedAt: new Date(last.received_at), batchId: last.batch_id, ordinal: Number(last.ordinal) };
    links.next = nextLink(perPage, window, encodeRejectionsCursor(position, key));
  }
  return jsonResponse(200, { results, total_count: Number(total.rows[0]?.total ?? 0), links });
}

/** `from` (inclusive, default 7 days before now) and `to` (exclusive, default now), the Events API's date formats. */
export function parseRejectionsWindow(
  from: string | undefined,
  to: string | undefined,
  now: Date,
): { from: Date; to: Date } {
  const end = to === undefined ? now : parseTime(to, "to");
  const start = from === undefined ? new Date(end.getTime() - DEFAULT_DAYS * DAY_MS) : parseTime(from, "from");
  if (start.getTime() >= end.getTime()) {
    throw invalidParameter("from", "invalid date range", "'from' must be before 'to'");
  }
  return { from: start, to: end };
}

export function parseRejectionsPerPage(value: string | undefined): number {
  if (value === undefined) return REJECTIONS_DEFAULT_PER_PAGE;
  const perPage = Number(value);
  if (!/^\d{1,6}$/.test(value) || perPage < 1 || perPage > REJECTIONS_MAX_PER_PAGE) {
    throw invalidParameter(
      "per_page",
      "invalid parameter",
      `'per_page' must be an integer from 1 to ${REJECTIONS_MAX_PER_PAGE}`,
    );
  }
  return perPage;
}

/** A key of its own, so a cursor of the events search is never mistaken for one of this list. */
function rejectionsCursorKey(cursorKey: Buffer): Buffer {
  return createHmac("sha256", cursorKey).update("msgevents/rejections/cursor/v1").digest();
}

function encodeRejectionsCursor(position: RejectionPosition, key: Buffer): string {
  return sealCursor([position.receivedAt.toISOString(), position.batchId, position.ordinal], key);
}

function decodeRejectionsCursor(cursor: string, key: Buffer): RejectionPosition | undefined {
  const values = openCursor(cursor, key);
  if (values?.length !== 3) return undefined;
  const [time, batchId, ordinal] = values;
  const receivedAt = cursorTime(time);
  if (!receivedAt || typeof batchId !== "string" || !Number.isSafeInteger(ordinal)) return undefined;
  return { receivedAt, batchId, ordinal: ordinal as number };
}

/** The next page's relative URL, with `from` and `to` pinned so the default window does not slide while paging. */
function nextLink(perPage: number, window: { from: Date; to: Date }, cursor: string): string {
  const query = new URLSearchParams({
    from: window.from.toISOString(),
    to: window.to.toISOString(),
    per_page: String(perPage),
    cursor,
  });
  return `${REJECTIONS_PATH}?${query.toString()}`;
}
