import { describe, expect, it } from "vitest";
import { assertConnectionBudget, assumedMaxConnections, connectionBudget } from "./connections.ts";

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
    });
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
