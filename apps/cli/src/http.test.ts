import { describe, expect, it } from "vitest";
import { backoffDelay, joinUrl, retryAfterMs } from "./http.ts";

const policy = { retries: 5, baseDelayMs: 1000, maxDelayMs: 30_000 };

describe("back-off", () => {
  it("doubles from the base delay up to the cap", () => {
    expect([1, 2, 3, 6, 7].map((attempt) => backoffDelay(attempt, policy, undefined))).toEqual([
      1000, 2000, 4000, 30_000, 30_000,
    ]);
  });

  it("waits what Retry-After asks, in seconds or as a date, capped", () => {
    expect(retryAfterMs("3", 0)).toBe(3000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4000)).toBe(6000);
    expect(retryAfterMs("soon", 0)).toBeUndefined();
    expect(backoffDelay(1, policy, 0)).toBe(0);
    expect(backoffDelay(1, policy, 120_000)).toBe(30_000);
  });
});

describe("joinUrl", () => {
  it("keeps a base path such as an API Gateway stage, once", () => {
    expect(joinUrl("https://x.example.com/prod", "/api/v1/events/message?a=1")).toBe(
      "https://x.example.com/prod/api/v1/events/message?a=1",
    );
    expect(joinUrl("https://x.example.com/prod", "/prod/api/v1/x")).toBe("https://x.example.com/prod/api/v1/x");
    expect(joinUrl("http://127.0.0.1:3000", "/health")).toBe("http://127.0.0.1:3000/health");
  });
});
