import type pg from "pg";

/**
 * Checks a client out of the pool for `work` and always gives it back. pg's pool listens for connection errors only
 * while a client sits idle in it: an error that arrives while the client is checked out but between queries (a
 * server restart, an administrator's shutdown) would be emitted with no listener and crash the process. Here it is
 * kept; the next query on that client fails on its own, and a client that failed is destroyed instead of reused.
 */
export async function withClient<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let connectionError: Error | undefined;
  const keepError = (error: Error) => {
    connectionError ??= error;
  };
  client.on("error", keepError);
  try {
    const value = await work(client);
    client.off("error", keepError);
    client.release(connectionError);
    return value;
  } catch (error) {
    client.off("error", keepError);
    client.release(error instanceof Error ? error : new Error(String(error)));
    throw error;
  }
}
