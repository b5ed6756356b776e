/** The median and 95th percentile (nearest rank: of 20 runs, the second slowest) of a shape's run times, in ms. */
export function summarize(times: readonly number[]): { p50: number; p95: number } {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (share: number) => sorted[Math.min(sorted.length - 1, Math.ceil(share * sorted.length) - 1)] ?? 0;
  return { p50: at(0.5), p95: at(0.95) };
}

/** With BENCH_DEBUG_TIMES=1, every run's time of a shape (to stderr): tells one slow run from a slow shape. */
export function printRunTimes(name: string, times: readonly number[]): void {
  if (process.env.BENCH_DEBUG_TIMES) console.error(name, times.map((time) => time.toFixed(0)).join(" "));
}
