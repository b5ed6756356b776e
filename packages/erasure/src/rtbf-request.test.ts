import { describe, expect, it } from "vitest";
import { MAX_RECIPIENTS, parseRtbfRequest, RtbfRequestError } from "./rtbf-request.ts";

const body = (value: unknown) => new TextEncoder().encode(typeof value === "string" ? value : JSON.stringify(value));
const errorsOf = (value: unknown, header?: string) => {
  try {
    parseRtbfRequest(body(value), header);
  } catch (error) {
    if (error instanceof RtbfRequestError) return error.errors;
    throw error;
  }
  throw new Error("accepted");
};

describe("parseRtbfRequest", () => {
  it("reads SparkPost's body: addresses canonical and distinct, the primary account by default", () => {
    expect(
      parseRtbfRequest(body({ recipients: [" Alice@Example.com", "alice@example.com", "bob@x.org"] }), undefined),
    ).toEqual({
      recipients: ["alice@example.com", "bob@x.org"],
      scope: 0,
    });
  });

  it("applies to every account with include_subaccounts, and to one subaccount with X-MSYS-SUBACCOUNT", () => {
    expect(parseRtbfRequest(body({ recipients: ["a@b.co"], include_subaccounts: true }), undefined).scope).toBe(-1);
    expect(parseRtbfRequest(body({ recipients: ["a@b.co"], include_subaccounts: true }), "12").scope).toBe(12);
    expect(parseRtbfRequest(body({ recipients: ["a@b.co"] }), "0").scope).toBe(0);
  });

  it("answers SparkPost's errors for more than 1000 recipients and for each invalid address, naming it", () => {
    const tooMany = Array.from({ length: MAX_RECIPIENTS + 1 }, (_, index) => `r${index}@example.com`);
    expect(errorsOf({ recipients: tooMany })).toEqual([{ message: "Exceeded maximum number of recipients (1000)" }]);
    expect(parseRtbfRequest(body({ recipients: tooMany.slice(1) }), undefined).recipients).toHaveLength(1000);
    expect(errorsOf({ recipients: ["ok@example.com", "not_an_email", 42, "two@@example.com"] })).toEqual([
      { message: "invalid email address", recipient: "not_an_email" },
      { message: "invalid email address", recipient: "42" },
      { message: "invalid email address", recipient: "two@@example.com" },
    ]);
    expect(errorsOf({ recipients: [`${"a".repeat(250)}@example.com`] })).toHaveLength(1);
  });

  it.each([
    ["a body that is not JSON", "recipients=a@b.co", "invalid JSON"],
    ["a JSON array", ["a@b.co"], "invalid JSON"],
    ["no recipients", {}, "recipients is required"],
    ["an empty list", { recipients: [] }, "recipients is required"],
    ["recipients that are not a list", { recipients: "a@b.co" }, "recipients is required"],
    [
      "include_subaccounts that is not a boolean",
      { recipients: ["a@b.co"], include_subaccounts: "yes" },
      "include_subaccounts must be true or false",
    ],
  ])("refuses %s with a 400 error", (_, value, message) => {
    expect(errorsOf(value)[0]?.message).toBe(message);
  });

  it("refuses an X-MSYS-SUBACCOUNT that is not a subaccount id", () => {
    expect(errorsOf({ recipients: ["a@b.co"] }, "-1")[0]?.message).toBe("invalid X-MSYS-SUBACCOUNT header");
    expect(errorsOf({ recipients: ["a@b.co"] }, "abc")[0]?.message).toBe("invalid X-MSYS-SUBACCOUNT header");
  });
});
