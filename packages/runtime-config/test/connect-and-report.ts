// Run in a child process by tls.test.ts, because Node reads NODE_EXTRA_CA_CERTS only at start-up: connects with the
// settings from its environment and prints whether the session is encrypted, or the connection error's code.
import pg from "pg";
import { pgConnectionOptions, readDatabaseEnv } from "../src/database.ts";

const client = new pg.Client(pgConnectionOptions(readDatabaseEnv(process.env)));
client.on("error", () => {});
try {
  await client.connect();
  const { rows } = await client.query<{ ssl: boolean }>("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()");
  console.log(JSON.stringify({ connected: true, ssl: rows[0]?.ssl }));
  await client.end();
} catch (error) {
  console.log(JSON.stringify({ connected: false, code: (error as { code?: string }).code }));
}
