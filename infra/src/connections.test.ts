import { describe, expect, it } from "vitest";
import { DATABASE_PARAMETERS } from "./components/database.ts";
import {
  assertConnectionBudget,
  assumedMaxConnections,
  connectionBudget,
  IDLE_SESSION_TIMEOUT_MS,
  LONGEST_POOL_IDLE_MS,
} from "./connections.ts";

const defaults = {
  instanceClass: "db.t4g.micro",
  loaderMaxConcurrency: 5,
  loaderPoolMax: 2,
  queryReservedConcurrency: 10,
  queryPoolMax: 2,
};

describe("the connection budget", () => {
  it("assumes 78 connections on db.t4g.micro: 70% of 1 GiB over 9,531,392 bytes", () => {
    expect(assumedMaxConnections("db.t4g.micro")).toBe(78);
    expect(Math.floor(1024 ** 3 / 9_531_392)).toBe(112);
  });

  it("fits the default configuration on db.t4g.micro with room to spare", () => {
    expect(assertConnectionBudget(defaults)).toEqual({
      maxConnections: 78,
      available: 68,
      demand: { loader: 10, query: 20, maintenance: 2, migrator: 2, alerts: 2, total: 36 },
      duringDeploy: 68,
    });
  });

  it("still fits the defaults during a deploy, while the previous versions' pools wait for idle_session_timeout", () => {
    const budget = connectionBudget(defaults);
    // Old and new loader, query and maintenance pools at once, plus the migrator and the alert evaluator (whose pool
    // lives only during a cycle).
    expect(budget.duringDeploy).toBe(2 * (10 + 20 + 2) + 2 + 2);
    expect(budget.duringDeploy).toBeLessThanOrEqual(budget.available);
  });

  it("closes only sessions no running pool would keep: idle_session_timeout is well above every pool's idle timeout", () => {
    expect(DATABASE_PARAMETERS).toContainEqual({
      name: "idle_session_timeout",
      value: String(IDLE_SESSION_TIMEOUT_MS),
    });
    expect(IDLE_SESSION_TIMEOUT_MS).toBe(300_000);
    expect(IDLE_SESSION_TIMEOUT_MS).toBeGreaterThanOrEqual(5 * LONGEST_POOL_IDLE_MS);
  });

  it("counts the account's quota as the query function's cap when nothing is reserved, and says how to cap it", () => {
    const unreserved = { ...defaults, queryReservedConcurrency: 1000, queryCappedBy: "account quota" as const };
    expect(() => assertConnectionBudget(unreserved)).toThrow(
      /could open 2016 database connections .* set msgevents:lambdaReservedConcurrency true/,
    );
    expect(() => assertConnectionBudget({ ...unreserved, queryReservedConcurrency: 10 })).not.toThrow();
  });

  it("refuses concurrency that could exhaust the instance, naming the settings to change", () => {
    const tooMany = { ...defaults, loaderMaxConcurrency: 30, queryReservedConcurrency: 20 };
    expect(connectionBudget(tooMany).demand.total).toBe(106);
    expect(() => assertConnectionBudget(tooMany)).toThrow(
      /could open 106 database connections .*db\.t4g\.micro leaves 68 for them: lower msgevents:loaderMaxConcurrency/,
    );
  });

  it("accepts up to 21 loaders or 26 query instances on db.t4g.micro with the other defaults (infra/README.md)", () => {
    expect(() => assertConnectionBudget({ ...defaults, loaderMaxConcurrency: 21 })).not.toThrow();
    expect(() => assertConnectionBudget({ ...defaults, loaderMaxConcurrency: 22 })).toThrow();
    expect(() => assertConnectionBudget({ ...defaults, queryReservedConcurrency: 26 })).not.toThrow();
    expect(() => assertConnectionBudget({ ...defaults, queryReservedConcurrency: 27 })).toThrow();
    expect(connectionBudget({ ...defaults, instanceClass: "db.t4g.small" }).available).toBe(147);
  });

  it("lets a larger class carry more", () => {
    expect(() =>
      assertConnectionBudget({
        ...defaults,
        instanceClass: "db.t4g.medium",
        loaderMaxConcurrency: 30,
        queryReservedConcurrency: 20,
      }),
    ).not.toThrow();
  });

  it("refuses a class it has no memory figure for instead of guessing", () => {
    expect(() => assumedMaxConnections("db.x2g.large")).toThrow(/no memory figure for db\.x2g\.large/);
  });
});
