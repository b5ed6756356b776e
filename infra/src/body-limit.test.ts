import { describe, expect, it } from "vitest";
import {
  assertBodyLimitDeliverable,
  LAMBDA_MAX_REQUEST_BYTES,
  lambdaEventBytes,
  largestDeliverableBody,
} from "./body-limit.ts";

describe("the webhook body limit", () => {
  it("delivers a 4 MiB limit through API Gateway and Lambda even base64-encoded", () => {
    expect(lambdaEventBytes(4 * 1024 * 1024)).toBeLessThanOrEqual(LAMBDA_MAX_REQUEST_BYTES);
    expect(() => assertBodyLimitDeliverable(4 * 1024 * 1024)).not.toThrow();
  });

  it("accepts the largest deliverable limit and refuses one byte more", () => {
    const largest = largestDeliverableBody();
    expect(largest).toBe(4_669_440);
    expect(() => assertBodyLimitDeliverable(largest)).not.toThrow();
    expect(() => assertBodyLimitDeliverable(largest + 1)).toThrow(/set it to at most 4669440/);
  });
});
