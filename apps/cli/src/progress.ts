import type { Writable } from "node:stream";
import { Presets, SingleBar } from "cli-progress";

export interface Progress {
  start(total: number, done: number): void;
  update(done: number, total?: number): void;
  stop(): void;
}

const silent: Progress = { start: () => {}, update: () => {}, stop: () => {} };

/**
 * A progress bar with rate and ETA on stderr when it is a terminal (or when forced), so stdout stays clean for
 * the results; nothing otherwise, as bars in logs are noise.
 */
export function createProgress(stderr: Writable & { isTTY?: boolean }, unit: string, force?: boolean): Progress {
  if (!(force ?? stderr.isTTY)) return silent;
  const bar = new SingleBar(
    {
      stream: stderr as NodeJS.WritableStream,
      format: `{bar} {percentage}% | {value}/{total} ${unit} | {rate}/s | ETA {eta_formatted}`,
      etaBuffer: 50,
      fps: 5,
      noTTYOutput: !stderr.isTTY,
      notTTYSchedule: 2000,
      hideCursor: true,
      clearOnComplete: false,
    },
    Presets.shades_classic,
  );
  let started = 0;
  let running = false;
  const rate = (done: number) => {
    const seconds = (Date.now() - started) / 1000;
    return seconds > 0 ? Math.round(done / seconds) : 0;
  };
  return {
    // A bar without a known total would read "100% | 0/0": it is drawn only once a total is known.
    start(total, done) {
      if (total <= 0) return;
      started = Date.now();
      running = true;
      bar.start(Math.max(total, done), done, { rate: 0 });
    },
    update(done, total) {
      if (!running) return;
      if (total !== undefined) bar.setTotal(Math.max(total, done));
      bar.update(done, { rate: rate(done) });
    },
    stop: () => {
      if (running) bar.stop();
      running = false;
    },
  };
}
