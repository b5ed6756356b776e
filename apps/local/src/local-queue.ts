import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import {
  countDeadLetters,
  type DeadLetter,
  deadDirOf,
  listDeadLetters,
  listReplayRequests,
  replayDirOf,
  requestReplay,
} from "./dead-letter-files.ts";

export interface QueueLogger {
  info(message: string, extra: Record<string, unknown>): void;
  warn(message: string, extra: Record<string, unknown>): void;
  error(message: string, extra: Record<string, unknown>): void;
}

/** A key the queue hands to its loader; receivedAt is when the batch was stored, when known. */
export interface QueuedBatch {
  key: string;
  receivedAt: Date | undefined;
}

/** What became of one key of a load: loaded, or the error it failed with. */
export type QueuedOutcome = { ok: true } | { ok: false; error: unknown };

export interface LocalQueueOptions {
  /** Directory for the queue's own files: dead letters and replay requests. */
  dir: string;
  /** Loads the keys given (at most batchesPerLoad) and answers an outcome for each, in the order given. */
  load: (batches: readonly QueuedBatch[]) => Promise<readonly QueuedOutcome[]>;
  /** How many waiting keys one load takes at most (one transaction's worth: the loader's MAX_BATCHES_PER_LOAD). */
  batchesPerLoad: number;
  /** Errors that no retry can fix (e.g. a body that is not JSON) go to the dead letters at once. */
  isPermanent: (error: unknown) => boolean;
  concurrency: number;
  maxAttempts: number;
  /** Back-off before retry n (1-based): baseDelayMs * 2^(n-1), capped at maxDelayMs. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  logger: QueueLogger;
}

export interface QueueStats {
  pending: number;
  inFlight: number;
  retrying: number;
  deadLettered: number;
  loaded: number;
}

/**
 * The local stack's queue between the object store and the loader, keeping the cloud's guarantees (SQS with a
 * dead-letter queue) on one machine. It holds only keys: the stored objects themselves are the durable queue, and
 * start-up recovery re-enqueues any stored batch that is not loaded yet. Failed loads are retried with exponential
 * back-off, then parked as dead letters in `<dir>/dead/`; `requestReplay` (or moving the files to `<dir>/replay/`)
 * sends them through again.
 */
export type { DeadLetter };

export class LocalQueue {
  private readonly waiting: string[] = [];
  private readonly queued = new Set<string>();
  private readonly attempts = new Map<string, number>();
  private readonly receivedAt = new Map<string, Date>();
  private readonly retryTimers = new Map<string, NodeJS.Timeout>();
  private inFlight = 0;
  private loaded = 0;
  private deadCount = 0;
  private stopping = false;
  private readonly idleWaiters: (() => void)[] = [];
  private readonly workers: Promise<void>[] = [];
  private readonly sleepers: (() => void)[] = [];

  constructor(private readonly options: LocalQueueOptions) {}

  private get deadDir() {
    return deadDirOf(this.options.dir);
  }

  async start(): Promise<void> {
    await mkdir(this.deadDir, { recursive: true });
    await mkdir(replayDirOf(this.options.dir), { recursive: true });
    this.deadCount = await countDeadLetters(this.options.dir);
    for (let i = 0; i < this.options.concurrency; i++) this.workers.push(this.work());
  }

  /** Adds a stored batch; a key already waiting or being retried is not added twice. */
  enqueue(key: string, receivedAt?: Date): void {
    if (this.stopping || this.queued.has(key)) return;
    this.queued.add(key);
    if (receivedAt) this.receivedAt.set(key, receivedAt);
    this.waiting.push(key);
    this.sleepers.shift()?.();
  }

  stats(): QueueStats {
    return {
      pending: this.waiting.length,
      inFlight: this.inFlight,
      retrying: this.retryTimers.size,
      deadLettered: this.deadCount,
      loaded: this.loaded,
    };
  }

  /** Resolves when nothing is waiting, loading or scheduled for retry. */
  async idle(): Promise<void> {
    if (this.isIdle()) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  deadLetters(): Promise<DeadLetter[]> {
    return listDeadLetters(this.options.dir);
  }

  /** Moves every dead letter back into the queue. Returns how many were replayed. */
  async replayDeadLetters(): Promise<number> {
    await requestReplay(this.options.dir);
    return this.pickUpReplays();
  }

  /** Enqueues the replay requests found in `<dir>/replay/` (left there by the CLI or by replayDeadLetters). */
  async pickUpReplays(): Promise<number> {
    const requests = await listReplayRequests(this.options.dir);
    for (const { letter, file } of requests) {
      await rm(file);
      this.attempts.delete(letter.key);
      this.enqueue(letter.key);
    }
    if (requests.length > 0) this.deadCount = await countDeadLetters(this.options.dir);
    return requests.length;
  }

  /** Stops taking work, lets in-flight loads finish, and drops scheduled retries (recovery finds them again). */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const timer of this.retryTimers.values()) clearTimeout(timer);
    this.retryTimers.clear();
    this.waiting.length = 0;
    for (const wake of this.sleepers.splice(0)) wake();
    await Promise.all(this.workers);
  }

  /** Keys of the parked batches, which the periodic sweep must leave parked. */
  async deadKeys(): Promise<Set<string>> {
    return new Set((await this.deadLetters()).map((letter) => letter.key));
  }

  private forget(key: string): void {
    this.queued.delete(key);
    this.attempts.delete(key);
    this.receivedAt.delete(key);
  }

  private isIdle(): boolean {
    return this.waiting.length === 0 && this.inFlight === 0 && this.retryTimers.size === 0;
  }

  private notifyIfIdle(): void {
    if (!this.isIdle()) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private async work(): Promise<void> {
    while (!this.stopping) {
      const keys = this.waiting.splice(0, Math.max(1, this.options.batchesPerLoad));
      if (keys.length === 0) {
        this.notifyIfIdle();
        await new Promise<void>((resolve) => this.sleepers.push(resolve));
        continue;
      }
      this.inFlight += keys.length;
      try {
        const outcomes = await this.options
          .load(keys.map((key) => ({ key, receivedAt: this.receivedAt.get(key) })))
          .catch((error: unknown) => keys.map((): QueuedOutcome => ({ ok: false, error })));
        for (const [index, key] of keys.entries()) {
          const outcome = outcomes[index] ?? { ok: false, error: new Error("the loader gave no outcome") };
          if (outcome.ok) {
            this.forget(key);
            this.loaded++;
          } else {
            await this.failed(key, outcome.error);
          }
        }
      } finally {
        this.inFlight -= keys.length;
        this.notifyIfIdle();
      }
    }
  }

  private async failed(key: string, error: unknown): Promise<void> {
    const attempts = (this.attempts.get(key) ?? 0) + 1;
    this.attempts.set(key, attempts);
    const message = error instanceof Error ? error.message : String(error);
    if (this.options.isPermanent(error) || attempts >= this.options.maxAttempts) {
      await this.park(key, attempts, message);
      return;
    }
    const base = this.options.baseDelayMs ?? 1000;
    const delay = Math.min(base * 2 ** (attempts - 1), this.options.maxDelayMs ?? 60_000);
    this.options.logger.warn("batch load failed; retrying", { key, attempts, delayMs: delay, error: message });
    this.retryTimers.set(
      key,
      setTimeout(() => {
        this.retryTimers.delete(key);
        this.waiting.push(key);
        this.sleepers.shift()?.();
      }, delay),
    );
  }

  private async park(key: string, attempts: number, error: string): Promise<void> {
    const letter: DeadLetter = { key, attempts, error, deadAt: new Date().toISOString() };
    const file = path.join(this.deadDir, `${encodeURIComponent(key)}.json`);
    await writeFile(`${file}.tmp`, JSON.stringify(letter));
    await rename(`${file}.tmp`, file);
    this.forget(key);
    this.deadCount++;
    this.options.logger.error("batch dead-lettered", { key, attempts, error });
  }
}
