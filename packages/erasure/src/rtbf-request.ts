import { EVERY_ACCOUNT } from "@msgevents/schema";
import * as z from "zod";
import { canonicalAddress } from "./recipient-hash.ts";

/** SparkPost's limit per request. */
export const MAX_RECIPIENTS = 1000;
/** The longest address SMTP allows (RFC 5321: 254 characters in a path). */
const MAX_ADDRESS_LENGTH = 254;

/** A SparkPost-style error; `recipient` names the address an "invalid email address" error is about. */
export interface RtbfError {
  message: string;
  description?: string;
  recipient?: string;
}

/** A request SparkPost would refuse with 400, with its errors. */
export class RtbfRequestError extends Error {
  override readonly name = "RtbfRequestError";
  constructor(readonly errors: RtbfError[]) {
    super(errors.map((error) => error.message).join("; "));
  }
}

export interface RtbfRequest {
  /** Canonical (trimmed, lower-cased) and distinct. */
  recipients: string[];
  /** -1 every account, 0 the primary account, N subaccount N. */
  scope: number;
}

const emailSchema = z.email();

export function isValidAddress(address: string): boolean {
  return address.length <= MAX_ADDRESS_LENGTH && emailSchema.safeParse(address).success;
}

/**
 * Reads `POST /api/v1/data-privacy/rtbf-request` as SparkPost does: `{"recipients": [...], "include_subaccounts":
 * false}`, at most 1000 recipients, each a valid address (every invalid one is named in its own error); the request
 * applies to the primary account, to every account with `include_subaccounts`, or to the subaccount in
 * `X-MSYS-SUBACCOUNT` (the flag only applies without that header).
 */
export function parseRtbfRequest(body: Uint8Array, subaccountHeader: string | undefined): RtbfRequest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(body));
  } catch {
    throw new RtbfRequestError([{ message: "invalid JSON", description: "the body must be a JSON object" }]);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new RtbfRequestError([{ message: "invalid JSON", description: "the body must be a JSON object" }]);
  }
  const { recipients, include_subaccounts: includeSubaccounts } = parsed as Record<string, unknown>;
  if (!Array.isArray(recipients) || recipients.length === 0) {
    throw new RtbfRequestError([
      { message: "recipients is required", description: "a non-empty array of email addresses" },
    ]);
  }
  if (recipients.length > MAX_RECIPIENTS) {
    throw new RtbfRequestError([{ message: `Exceeded maximum number of recipients (${MAX_RECIPIENTS})` }]);
  }
  if (includeSubaccounts !== undefined && typeof includeSubaccounts !== "boolean") {
    throw new RtbfRequestError([{ message: "include_subaccounts must be true or false" }]);
  }
  const invalid: RtbfError[] = [];
  const valid = new Set<string>();
  for (const recipient of recipients) {
    if (typeof recipient === "string" && isValidAddress(recipient.trim())) valid.add(canonicalAddress(recipient));
    else invalid.push({ message: "invalid email address", recipient: shown(recipient) });
  }
  if (invalid.length > 0) throw new RtbfRequestError(invalid);
  return { recipients: [...valid], scope: scopeOf(subaccountHeader, includeSubaccounts === true) };
}

function shown(value: unknown): string {
  return typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
}

function scopeOf(header: string | undefined, includeSubaccounts: boolean): number {
  if (header === undefined || header.trim() === "") return includeSubaccounts ? EVERY_ACCOUNT : 0;
  const value = header.trim();
  if (!/^\d{1,10}$/.test(value) || Number(value) > 2_147_483_647) {
    throw new RtbfRequestError([
      { message: "invalid X-MSYS-SUBACCOUNT header", description: "a subaccount id: a whole number, 0 or more" },
    ]);
  }
  return Number(value);
}
