import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { readSettings } from "./settings.ts";

const settingsFrom = (config: Record<string, string>) => {
  pulumi.runtime.setAllConfig(Object.fromEntries(Object.entries(config).map(([k, v]) => [`msgevents:${k}`, v])));
  return readSettings(new pulumi.Config("msgevents"));
};

describe("readSettings", () => {
  it("fills every default", () => {
    const settings = settingsFrom({});
    expect(settings.database).toEqual({
      instanceClass: "db.t4g.micro",
      allocatedStorageGb: 20,
      maxAllocatedStorageGb: 0,
      backupRetentionDays: 7,
      deletionProtection: true,
      finalSnapshot: true,
      multiAz: false,
    });
    expect(settings).toMatchObject({
      build: true,
      retentionDays: 0,
      maxBodyBytes: undefined,
      loader: { maxConcurrency: 5, poolMax: 2, timeoutSeconds: 120, batchSize: 10, maxReceiveCount: 5 },
      query: { reservedConcurrency: 10, poolMax: 2, statementTimeoutMs: 15_000 },
      api: { throttleRatePerSecond: 50, throttleBurst: 100, customDomain: undefined },
      archive: { transitionDays: 30, transitionStorageClass: "STANDARD_IA", expirationDays: 0, forceDestroy: false },
      logRetentionDays: 30,
      alarmEmail: undefined,
      secretsEndpointAzCount: 1,
    });
    expect(settings.credentials.apiKey).toBeUndefined();
  });

  it("refuses half a custom domain", () => {
    expect(() => settingsFrom({ domainName: "events.example.com" })).toThrow(
      /domainName and msgevents:certificateArn go together/,
    );
  });

  it("refuses an infrequent-access transition S3 would reject, and an expiry before the transition", () => {
    expect(() => settingsFrom({ archiveTransitionDays: "7" })).toThrow(/no sooner than 30 days/);
    expect(() =>
      settingsFrom({ archiveTransitionDays: "7", archiveTransitionStorageClass: "GLACIER_IR" }),
    ).not.toThrow();
    expect(() => settingsFrom({ archiveExpirationDays: "20" })).toThrow(
      /must be later than msgevents:archiveTransitionDays/,
    );
    expect(() => settingsFrom({ archiveTransitionStorageClass: "DEEP_ARCHIVE" })).toThrow(/must be one of/);
  });

  it("refuses values out of range through Pulumi's own checks", () => {
    expect(() => settingsFrom({ loaderMaxConcurrency: "1" })).toThrow(/loaderMaxConcurrency/);
    expect(() => settingsFrom({ dbAllocatedStorageGb: "10" })).toThrow(/dbAllocatedStorageGb/);
    expect(() => settingsFrom({ dbInstanceClass: "t4g.micro" })).toThrow(/dbInstanceClass/);
  });
});
