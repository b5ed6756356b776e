import { type SQL, sql } from "drizzle-orm";
import { drizzle, type NodePgDatabase } from "drizzle-orm/node-postgres";
import type pg from "pg";

/** A node of `EXPLAIN (FORMAT JSON)`'s plan: the fields the plan tests read. */
export interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Name"?: string;
  "Index Cond"?: string;
  "Recheck Cond"?: string;
  Filter?: string;
  Plans?: PlanNode[];
}

/** Every node of a plan, the root first. */
export const nodesOf = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodesOf)];

/** Every node of the plan `db` would run `statement` with, in its current transaction and settings. */
export async function explain(db: NodePgDatabase, statement: SQL): Promise<PlanNode[]> {
  const { rows } = await db.execute<{ "QUERY PLAN": [{ Plan: PlanNode }] }>(sql`EXPLAIN (FORMAT JSON) ${statement}`);
  const plan = rows[0]?.["QUERY PLAN"][0]?.Plan;
  if (!plan) throw new Error("no plan");
  return nodesOf(plan);
}

/** Every node of `statement`'s plan in a transaction of its own (rolled back), after `settings` (transaction-local). */
export async function planOf(pool: pg.Pool, statement: SQL, settings?: SQL): Promise<PlanNode[]> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const db = drizzle({ client });
    if (settings) await db.execute(settings);
    return await explain(db, statement);
  } finally {
    await client.query("ROLLBACK");
    client.release();
  }
}

/** Whether a node computes the search tokens of each row it reads (a filter on rows, not an index condition). */
export function computesTokensPerRow(nodes: PlanNode[]): boolean {
  return nodes.some((node) => node.Filter?.includes("msgevents_search_hashes"));
}
