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
  const rate = (done: number) => {
    const seconds = (Date.now() - started) / 1000;
    return seconds > 0 ? Math.round(done / seconds) : 0;
  };
  return {
    start(total, done) {
      started = Date.now();
      bar.start(Math.max(total, done), done, { rate: 0 });
    },
    update(done, total) {
      if (total !== undefined) bar.setTotal(Math.max(total, done));
      bar.update(done, { rate: rate(done) });
    },
    stop: () => bar.stop(),
  };
}
