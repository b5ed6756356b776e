// The query handler alone in a process, as the query Lambda runs it: the benches time each request here, so that a
// collection of the bench's own heap (the generator, the samples, the load's buffers) is never a search's time.
// Started by handler-process.ts, which passes the database and the clock in its environment; answers one request
// at a time over IPC.
import { createQueryDatabase } from "../src/database.ts";
import { deriveCursorKey } from "../src/env.ts";
import { handleQuery } from "../src/handler.ts";
import type { HandlerReply, HandlerRequest } from "./handler-process.ts";

const { BENCH_DATABASE_URL, BENCH_API_KEY, BENCH_NOW } = process.env;
if (!BENCH_DATABASE_URL || !BENCH_API_KEY || !BENCH_NOW || !process.send) {
  throw new Error(
    "handler-child.ts is started by handler-process.ts (IPC, BENCH_DATABASE_URL, BENCH_API_KEY, BENCH_NOW)",
  );
}
const send = process.send.bind(process);
const apiKey = BENCH_API_KEY;
const now = new Date(BENCH_NOW);
const query = createQueryDatabase({
  database: { connectionString: BENCH_DATABASE_URL, ssl: false },
  poolMax: 2,
  statementTimeoutMs: 120_000,
});
const deps = { db: query.db, apiKey, cursorKey: deriveCursorKey(apiKey), now: () => now };

process.on("message", (request: HandlerRequest) => {
  void answer(request).then(
    (reply) => send(reply),
    (error: unknown) => send({ id: request.id, error: String(error) } satisfies HandlerReply),
  );
});
process.on("disconnect", () => void query.pool.end());

async function answer({ id, pathAndQuery, summaryOnly }: HandlerRequest): Promise<HandlerReply> {
  const queryAt = pathAndQuery.indexOf("?");
  const started = performance.now();
  const response = await handleQuery(
    {
      method: "GET",
      path: queryAt < 0 ? pathAndQuery : pathAndQuery.slice(0, queryAt),
      rawQuery: queryAt < 0 ? "" : pathAndQuery.slice(queryAt + 1),
      headers: { authorization: apiKey },
      body: new Uint8Array(),
    },
    deps,
  );
  const ms = performance.now() - started;
  const { status, body } = response;
  if (status !== 200 || !summaryOnly) return { id, ms, status, body };
  // An Events API answer ends with its total_count and links (events-search.ts writes results first), and a quote
  // that is not a string's own cannot occur inside one: the last `"total_count":` is the answer's. Read from there,
  // the page's 1,000 results are never parsed here.
  return { id, ms, status, body: `{${body.slice(body.lastIndexOf('"total_count":'))}` };
}
