import { describe, expect, it } from "vitest";
import { assertDatabaseOffered, type DatabaseOffer } from "./database-offer.ts";
import type { DatabaseSettings } from "./settings.ts";

const offer: DatabaseOffer = {
  instanceClass: "db.t4g.micro",
  engineVersion: "18.1",
  multiAzCapable: true,
  supportsStorageAutoscaling: true,
  supportsIamDatabaseAuthentication: true,
  supportsStorageEncryption: true,
  minStorageSize: 20,
  maxStorageSize: 6144,
};
const settings: DatabaseSettings = {
  instanceClass: "db.t4g.micro",
  allocatedStorageGb: 20,
  maxAllocatedStorageGb: 100,
  backupRetentionDays: 7,
  deletionProtection: true,
  finalSnapshot: true,
  multiAz: false,
};

describe("what RDS must offer for the configured database", () => {
  it("accepts an offer with every feature the stack uses", () => {
    expect(() => assertDatabaseOffered(offer, settings, "us-east-1")).not.toThrow();
  });

  it("names each missing feature and the setting that asks for it", () => {
    expect(() =>
      assertDatabaseOffered(
        { ...offer, multiAzCapable: false, supportsStorageAutoscaling: false },
        { ...settings, multiAz: true },
        "us-east-1",
      ),
    ).toThrow(
      "RDS in us-east-1 offers db.t4g.micro (PostgreSQL 18.1, gp3) only without Multi-AZ (msgevents:dbMultiAz is true); " +
        "without storage autoscaling (set msgevents:dbMaxAllocatedStorageGb 0): choose another msgevents:dbInstanceClass or change the setting.",
    );
    expect(() => assertDatabaseOffered(offer, { ...settings, maxAllocatedStorageGb: 10_000 }, "us-east-1")).toThrow(
      /with at most 6144 GB/,
    );
    expect(() =>
      assertDatabaseOffered({ ...offer, supportsIamDatabaseAuthentication: false }, settings, "us-east-1"),
    ).toThrow(/without IAM database authentication/);
  });

  it("does not ask for autoscaling when it is off", () => {
    expect(() =>
      assertDatabaseOffered(
        { ...offer, supportsStorageAutoscaling: false },
        { ...settings, maxAllocatedStorageGb: 0 },
        "us-east-1",
      ),
    ).not.toThrow();
  });
});
