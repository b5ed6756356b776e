import type { AlertCycleResult } from "@msgevents/alerts";
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { scheduleAlertCycles } from "./alerts.ts";

const RESULT: AlertCycleResult = {
  evaluated: true,
  alerts: 1,
  observations: 1,
  opened: 1,
  reminded: 0,
  closed: 0,
  receipts: 0,
  attempted: 1,
  sent: 1,
  failed: 0,
};

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function logger() {
  return { info: vi.fn(), error: vi.fn() };
}

test("runs a cycle every interval, logging what changed", async () => {
  const cycle = vi.fn(async () => RESULT);
  const log = logger();
  const schedule = scheduleAlertCycles({ intervalSeconds: 10, cycle, logger: log });
  await vi.advanceTimersByTimeAsync(9_999);
  expect(cycle).not.toHaveBeenCalled();
  await vi.advanceTimersByTimeAsync(20_001);
  expect(cycle).toHaveBeenCalledTimes(3);
  expect(log.info).toHaveBeenCalledWith("alert cycle", RESULT);
  await schedule.stop();
  await vi.advanceTimersByTimeAsync(60_000);
  expect(cycle).toHaveBeenCalledTimes(3);
});

test("never overlaps cycles: a slow one is awaited by the next tick and by runCycle", async () => {
  let finish: (result: AlertCycleResult) => void = () => {};
  const cycle = vi.fn(() => new Promise<AlertCycleResult>((resolve) => (finish = resolve)));
  const schedule = scheduleAlertCycles({ intervalSeconds: 10, cycle, logger: logger() });
  await vi.advanceTimersByTimeAsync(35_000);
  expect(cycle).toHaveBeenCalledTimes(1);
  const manual = schedule.runCycle();
  expect(cycle).toHaveBeenCalledTimes(1);
  finish(RESULT);
  expect(await manual).toBe(RESULT);
  await schedule.stop();
});

test("logs a failed cycle and keeps going", async () => {
  const cycle = vi.fn(async () => {
    throw new Error("database unavailable");
  });
  const log = logger();
  const schedule = scheduleAlertCycles({ intervalSeconds: 10, cycle, logger: log });
  await vi.advanceTimersByTimeAsync(20_000);
  expect(log.error).toHaveBeenCalledWith("alert cycle failed", { error: "database unavailable" });
  expect(cycle).toHaveBeenCalledTimes(2);
  await schedule.stop();
});
