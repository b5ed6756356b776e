import type pg from "pg";

/**
 * Writes every row of each table anew (an UPDATE of its first column to itself), leaving as many dead row versions as
 * it has rows, and flushes this connection's statistics, which vacuum decisions read, before returning: for tests of
 * what maintenance vacuums. Returns the tables that held rows.
 */
export async function rewriteEveryRow(client: pg.ClientBase, tables: readonly string[]): Promise<string[]> {
  const rewritten: string[] = [];
  for (const table of tables) {
    const first = await client.query<{ column: string }>(
      "SELECT attname AS column FROM pg_attribute WHERE attrelid = $1::regclass AND attnum = 1",
      [table],
    );
    const column = first.rows[0]?.column;
    const updated = await client.query(`UPDATE ${table} AS t SET ${column} = t.${column}`);
    if ((updated.rowCount ?? 0) > 0) rewritten.push(table);
  }
  await client.query("SELECT pg_stat_force_next_flush()");
  return rewritten;
}
