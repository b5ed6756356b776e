import { describe, expect, it } from "vitest";
import { assertLambdaConcurrency, requiredConcurrency, reservationsOf } from "./lambda-quota.ts";

const defaults = { reservedConcurrency: true, query: { reservedConcurrency: 10 } };

describe("the Lambda concurrency pre-flight", () => {
  it("needs the reservations plus the 100 executions Lambda keeps unreserved: 112 for the default stack", () => {
    const reservations = reservationsOf(defaults);
    expect(reservations).toEqual({ query: 10, maintenance: 1, alertEvaluator: 1 });
    expect(requiredConcurrency(reservations ?? {})).toBe(112);
    expect(() =>
      assertLambdaConcurrency({ quota: 112, reservations: reservations ?? {}, region: "eu-west-1" }),
    ).not.toThrow();
  });

  it("refuses a new account's quota of 10, naming the quota, the request to raise it and the setting that avoids it", () => {
    expect(() =>
      assertLambdaConcurrency({ quota: 10, reservations: { query: 10, maintenance: 1 }, region: "eu-west-1" }),
    ).toThrow(
      "the account's Lambda concurrency quota in eu-west-1 is 10, but this stack reserves 11 (query 10, maintenance 1) " +
        "and Lambda keeps 100 unreserved, so it needs at least 111 (Service Quotas: AWS Lambda → Concurrent executions, " +
        "L-B99A9384). Either request an increase (aws service-quotas request-service-quota-increase --region eu-west-1 " +
        "--service-code lambda --quota-code L-B99A9384 --desired-value 1000) and deploy once it is granted, or set " +
        "msgevents:lambdaReservedConcurrency false",
    );
  });

  it("reserves nothing when lambdaReservedConcurrency is off", () => {
    expect(reservationsOf({ ...defaults, reservedConcurrency: false })).toBeUndefined();
  });
});
