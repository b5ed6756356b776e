import type pg from "pg";

/**
 * The search counts as searches read them, per token and quarter hour: the row of search_token_counts plus the
 * element of the compacted day's row (migration 0022), as rows (token, bucket_start, events).
 */
export const SEARCH_COUNTS_BY_QUARTER = `
  SELECT token, bucket_start, sum(events)::integer AS events
  FROM (
    SELECT c.token, c.bucket_start, c.events FROM search_token_counts AS c
    UNION ALL
    SELECT d.token, (d.day::timestamp AT TIME ZONE 'UTC') + u.quarter * interval '15 minutes', u.events
    FROM search_token_day_counts AS d CROSS JOIN LATERAL unnest(d.quarters, d.events) AS u(quarter, events)
  ) AS counted
  GROUP BY token, bucket_start`;

/**
 * The search counts recounted from every stored event, in the same shape; a subject or friendly_from stored as an id
 * (migration 0030) counts as the text it names.
 */
export const SEARCH_COUNTS_RECOUNTED = `
  SELECT t.token, date_bin(interval '15 minutes', e.event_time, timestamptz '2000-01-01 00:00:00+00') AS bucket_start,
         count(*)::integer AS events
  FROM events AS e
  CROSS JOIN LATERAL unnest(msgevents_counted_tokens(e.recipient_domain,
    coalesce(e.friendly_from, (SELECT x.value FROM event_texts AS x WHERE x.id = e.friendly_from_ref)), e.sending_domain,
    coalesce(e.subject, (SELECT x.value FROM event_texts AS x WHERE x.id = e.subject_ref)), e.campaign_id, e.template_id, e.ip_pool, e.sending_ip, e.reason, e.mailbox_provider,
    e.mailbox_provider_region, e.ab_test_id, e.subaccount_id, e.bounce_class, e.type, e.payload)) AS t(token)
  GROUP BY 1, 2`;

/**
 * How the search counts compare with a recount of every stored event: `kept` quarter hours counted, `differing` those
 * whose count is not the recount's (either side missing included), and `invalid` rows or elements of 0 or less (or arrays of unequal lengths),
 * which the writers never leave.
 */
export async function searchCountsAgainstRecount(
  pool: pg.Pool,
): Promise<{ kept: number; differing: number; invalid: number }> {
  const { rows } = await pool.query<{ kept: string; differing: string; invalid: string }>(`
    WITH kept AS (${SEARCH_COUNTS_BY_QUARTER}), recounted AS (${SEARCH_COUNTS_RECOUNTED})
    SELECT (SELECT count(*) FROM kept) AS kept,
           (SELECT count(*) FROM kept AS k FULL JOIN recounted AS r USING (token, bucket_start)
            WHERE k.events IS DISTINCT FROM r.events) AS differing,
           (SELECT count(*) FROM search_token_counts WHERE events <= 0)
             + (SELECT count(*) FROM search_token_day_counts AS d
                WHERE cardinality(d.quarters) = 0 OR cardinality(d.quarters) <> cardinality(d.events)
                   OR EXISTS (SELECT FROM unnest(d.events) AS u(events) WHERE u.events <= 0)) AS invalid`);
  const row = rows[0];
  return { kept: Number(row?.kept), differing: Number(row?.differing), invalid: Number(row?.invalid) };
}
