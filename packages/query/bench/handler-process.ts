import { type ChildProcess, fork } from "node:child_process";

/** One request to the handler process: a path with its query string. */
export interface HandlerRequest {
  id: number;
  pathAndQuery: string;
  /** Only the answer's total_count and links (Events API searches): a 1.5 MB page is not copied back. */
  summaryOnly: boolean;
}

export type HandlerReply = { id: number; ms: number; status: number; body: string } | { id: number; error: string };

/**
 * The query handler in a child process that holds nothing else (handler-child.ts), with the query Lambda's V8 flag
 * (QUERY_NODE_OPTIONS in infra/src/components/functions.ts): each request's time is handleQuery's, measured there.
 */
export class HandlerProcess {
  private readonly pending = new Map<number, (reply: HandlerReply) => void>();
  private nextId = 0;

  private constructor(private readonly child: ChildProcess) {
    child.on("message", (reply: HandlerReply) => {
      this.pending.get(reply.id)?.(reply);
      this.pending.delete(reply.id);
    });
    child.on("exit", (code) => {
      for (const settle of this.pending.values()) settle({ id: -1, error: `handler process exited (${code})` });
      this.pending.clear();
    });
  }

  static start(options: { databaseUrl: string; apiKey: string; now: Date }): HandlerProcess {
    const child = fork(new URL("./handler-child.ts", import.meta.url), {
      execArgv: ["--max-semi-space-size=64", "--import", "tsx"],
      env: {
        ...process.env,
        BENCH_DATABASE_URL: options.databaseUrl,
        BENCH_API_KEY: options.apiKey,
        BENCH_NOW: options.now.toISOString(),
      },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    return new HandlerProcess(child);
  }

  /** The answer and handleQuery's time in ms; throws for anything but a 200. */
  async get(pathAndQuery: string, options: { summaryOnly?: boolean } = {}): Promise<{ ms: number; body: string }> {
    const id = this.nextId++;
    const reply = await new Promise<HandlerReply>((resolve) => {
      this.pending.set(id, resolve);
      this.child.send({ id, pathAndQuery, summaryOnly: options.summaryOnly ?? false } satisfies HandlerRequest);
    });
    if ("error" in reply) throw new Error(`${pathAndQuery}: ${reply.error}`);
    if (reply.status !== 200) throw new Error(`${pathAndQuery}: ${reply.status} ${reply.body}`);
    return { ms: reply.ms, body: reply.body };
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    this.child.disconnect();
    await exited;
  }
}
