import type pg from "pg";
import { DAY_MS, utcDay } from "../model/utc-days.ts";

/**
 * Makes sure a daily partition exists for each given time. Partitions already seen by this process are skipped
 * without a round trip; the rest are created in one short statement of their own (creating a partition locks the
 * parent table, so it must never run inside a long load transaction).
 */
export class PartitionManager {
  private readonly known = new Set<string>();

  constructor(private readonly pool: pg.Pool) {}

  async ensureFor(times: Iterable<Date>): Promise<void> {
    const missing = new Set<string>();
    for (const time of times) {
      const day = utcDay(time);
      if (!this.known.has(day)) missing.add(day);
    }
    for (const day of missing) {
      await this.pool.query("SELECT msgevents_ensure_partitions($1::date, $1::date)", [day]);
      this.known.add(day);
    }
  }

  /** Creates partitions from `daysBack` days ago to `daysAhead` days ahead of now (run at start and daily). */
  async ensureAround(now: Date, { daysBack = 1, daysAhead = 7 } = {}): Promise<number> {
    const first = utcDay(new Date(now.getTime() - daysBack * DAY_MS));
    const last = utcDay(new Date(now.getTime() + daysAhead * DAY_MS));
    const result = await this.pool.query<{ created: number }>(
      "SELECT msgevents_ensure_partitions($1::date, $2::date) AS created",
      [first, last],
    );
    for (let t = Date.parse(first); t <= Date.parse(last); t += DAY_MS) this.known.add(utcDay(new Date(t)));
    return result.rows[0]?.created ?? 0;
  }

  /** Forget cached partitions, e.g. after retention dropped some. */
  forget(): void {
    this.known.clear();
  }
}
