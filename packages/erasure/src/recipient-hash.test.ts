import { describe, expect, it } from "vitest";
import { canonicalAddress, credentialId, RecipientHasher } from "./recipient-hash.ts";
import { readRecipientHasher } from "./recipient-secret.ts";
import { recordRecipients } from "./recipients.ts";

describe("RecipientHasher", () => {
  it("hashes an address the same whatever its case and surrounding spaces, and differently under another key", () => {
    const hasher = new RecipientHasher("sixteen-or-more-characters");
    expect(hasher.hash(" Alice@Example.COM ")).toEqual(hasher.hash("alice@example.com"));
    expect(hasher.hash("alice@example.com")).not.toEqual(hasher.hash("bob@example.com"));
    expect(new RecipientHasher("another-key-of-sixteen").hash("alice@example.com")).not.toEqual(
      hasher.hash("alice@example.com"),
    );
    expect(hasher.hash("alice@example.com").toString("hex")).not.toContain(Buffer.from("alice").toString("hex"));
  });

  it("refuses a short secret", () => {
    expect(() => new RecipientHasher("short")).toThrow("at least 16 characters");
  });

  it("identifies a credential without revealing it", () => {
    expect(credentialId("secret-key")).toMatch(/^api-key:sha256:[0-9a-f]{16}$/);
    expect(credentialId("secret-key")).not.toContain("secret");
    expect(credentialId("secret-key")).not.toBe(credentialId("other-key"));
    expect(canonicalAddress(" A@B.co ")).toBe("a@b.co");
  });
});

describe("readRecipientHasher", () => {
  const key = "a-secret-of-at-least-16";
  it("reads the secret from Secrets Manager when its ARN is set, else from the environment, else refuses to start", async () => {
    const fromSecret = await readRecipientHasher({ MSGEVENTS_RECIPIENT_SECRET_ARN: "arn:x" }, async (arn) => {
      expect(arn).toBe("arn:x");
      return { recipientHashSecret: key };
    });
    expect(fromSecret.hash("a@b.co")).toEqual(new RecipientHasher(key).hash("a@b.co"));
    const fromEnv = await readRecipientHasher({ MSGEVENTS_RECIPIENT_HASH_SECRET: key });
    expect(fromEnv.hash("a@b.co")).toEqual(new RecipientHasher(key).hash("a@b.co"));
    await expect(readRecipientHasher({})).rejects.toThrow("MSGEVENTS_RECIPIENT_SECRET_ARN or");
    await expect(readRecipientHasher({ MSGEVENTS_RECIPIENT_SECRET_ARN: "arn:x" }, async () => ({}))).rejects.toThrow(
      "has no recipientHashSecret",
    );
  });
});

describe("recordRecipients", () => {
  it("reads rcpt_to and raw_rcpt_to of every event of a webhook record, or of a flattened event, with its account", () => {
    expect(
      recordRecipients({
        msys: {
          message_event: { type: "delivery", rcpt_to: "a@b.co", raw_rcpt_to: "A@B.co", subaccount_id: "7" },
          track_event: { type: "open", rcpt_to: "c@d.co" },
        },
      }),
    ).toEqual([
      { address: "a@b.co", subaccount: 7 },
      { address: "c@d.co", subaccount: 0 },
    ]);
    expect(recordRecipients({ type: "delivery", rcpt_to: "x@y.co", subaccount_id: 3 })).toEqual([
      { address: "x@y.co", subaccount: 3 },
    ]);
    expect(recordRecipients({ msys: {} })).toEqual([]);
    expect(recordRecipients("not a record")).toEqual([]);
    expect(recordRecipients({ msys: { message_event: { rcpt_to: 42 } } })).toEqual([]);
  });
});
