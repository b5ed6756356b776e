import { readFileSync } from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { LOG_RETENTION_DAYS, readSettings, SETTING_KEYS } from "./settings.ts";

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
      maxAllocatedStorageGb: 100,
      backupRetentionDays: 7,
      deletionProtection: true,
      finalSnapshot: true,
      multiAz: false,
    });
    expect(settings).toMatchObject({
      build: true,
      retentionDays: 0,
      reservedConcurrency: true,
      maxBodyBytes: undefined,
      loader: { maxConcurrency: 5, poolMax: 2, timeoutSeconds: 120, batchSize: 10, maxReceiveCount: 5 },
      query: { reservedConcurrency: 10, poolMax: 2, statementTimeoutMs: 15_000 },
      api: { throttleRatePerSecond: 50, throttleBurst: 100, customDomain: undefined },
      archive: {
        transitionDays: 30,
        transitionStorageClass: "STANDARD_IA",
        expirationDays: 0,
        noncurrentVersionDays: 30,
        forceDestroy: false,
      },
      logRetentionDays: 30,
      alarms: {
        emails: [],
        httpsEndpoint: undefined,
        noWebhookTrafficHours: 0,
        storageDaysLeft: 14,
        apiLatencyP99Ms: 10_000,
      },
      secretsEndpointAzCount: 1,
      availabilityZoneIds: undefined,
      bastion: false,
    });
    expect(settings.credentials.apiKey).toBeUndefined();
  });

  it("turns storage autoscaling on up to 100 GB, or twice the allocated storage when that is more", () => {
    expect(settingsFrom({ dbAllocatedStorageGb: "200" }).database.maxAllocatedStorageGb).toBe(400);
    expect(settingsFrom({ dbMaxAllocatedStorageGb: "0" }).database.maxAllocatedStorageGb).toBe(0);
    expect(() => settingsFrom({ dbAllocatedStorageGb: "100", dbMaxAllocatedStorageGb: "105" })).toThrow(
      "msgevents:dbMaxAllocatedStorageGb (105) must be at least 110, 10% above msgevents:dbAllocatedStorageGb (100) as RDS requires, or 0 to turn storage autoscaling off.",
    );
    expect(settingsFrom({ dbAllocatedStorageGb: "100", dbMaxAllocatedStorageGb: "110" }).database).toMatchObject({
      maxAllocatedStorageGb: 110,
    });
  });

  it("refuses a key it does not know, so a typo is not silently ignored", () => {
    expect(() => settingsFrom({ alarmEmial: "ops@example.com" })).toThrow(
      "unknown setting msgevents:alarmEmial: infra/README.md lists every key (`pulumi config rm` removes one).",
    );
    expect(() => settingsFrom(Object.fromEntries(SETTING_KEYS.map((key) => [key, "x"])))).not.toThrow(/unknown/);
  });

  it("refuses half a custom domain, a host name that is not one and an ARN that is not a certificate's", () => {
    expect(() => settingsFrom({ domainName: "events.example.com" })).toThrow(
      /domainName and msgevents:certificateArn go together/,
    );
    const certificateArn = "arn:aws:acm:us-east-1:123456789012:certificate/0b6f1c39-0000-4000-8000-000000000000";
    expect(() => settingsFrom({ domainName: "https://events.example.com", certificateArn })).toThrow(
      /msgevents:domainName must be a host name/,
    );
    expect(() =>
      settingsFrom({ domainName: "events.example.com", certificateArn: "arn:aws:iam::123456789012:role/x" }),
    ).toThrow(/msgevents:certificateArn must be an ACM certificate ARN/);
    expect(settingsFrom({ domainName: "events.example.com", certificateArn }).api.customDomain).toEqual({
      domainName: "events.example.com",
      certificateArn,
    });
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

  it("refuses to expire raw batches before the database drops their events: they are the source of every replay", () => {
    expect(() => settingsFrom({ retentionDays: "400", archiveExpirationDays: "365" })).toThrow(
      /archiveExpirationDays \(365\) would delete raw batches before the database drops their events \(msgevents:retentionDays 400\)/,
    );
    expect(() => settingsFrom({ retentionDays: "400", archiveExpirationDays: "400" })).not.toThrow();
    expect(() => settingsFrom({ archiveExpirationDays: "365" })).not.toThrow();
  });

  it("accepts only the log retention periods CloudWatch Logs accepts", () => {
    expect(() => settingsFrom({ logRetentionDays: "31" })).toThrow(
      /msgevents:logRetentionDays must be one of the periods CloudWatch Logs accepts: 1, 3, 5, .*3653; got 31\./,
    );
    for (const days of LOG_RETENTION_DAYS) {
      expect(settingsFrom({ logRetentionDays: String(days) }).logRetentionDays).toBe(days);
    }
  });

  it("keeps the search timeout 4 s under the query function's 29 s", () => {
    expect(settingsFrom({ queryTimeoutMs: "25000" }).query.statementTimeoutMs).toBe(25_000);
    expect(() => settingsFrom({ queryTimeoutMs: "28000" })).toThrow(
      'msgevents:queryTimeoutMs must be a whole number from 1000 to 25000 (the query function stops after 29 s and needs 4 s of it to connect and answer); got "28000".',
    );
  });

  it("refuses fractions, words and values out of range, naming the key and the range", () => {
    expect(() => settingsFrom({ loaderMaxConcurrency: "1" })).toThrow(
      'msgevents:loaderMaxConcurrency must be a whole number from 2 to 1000; got "1".',
    );
    expect(() => settingsFrom({ loaderMaxConcurrency: "2.5" })).toThrow(/loaderMaxConcurrency must be a whole number/);
    expect(() => settingsFrom({ queryPoolMax: "two" })).toThrow(/queryPoolMax must be a whole number/);
    expect(() => settingsFrom({ dbAllocatedStorageGb: "10" })).toThrow(/dbAllocatedStorageGb/);
    expect(() => settingsFrom({ retentionDays: "40000" })).toThrow(
      /retentionDays must be a whole number from 0 to 36500/,
    );
    expect(() => settingsFrom({ dbBackupRetentionDays: "0" })).toThrow(/dbBackupRetentionDays/);
    expect(() => settingsFrom({ secretsEndpointAzCount: "3" })).toThrow(/secretsEndpointAzCount/);
    expect(() => settingsFrom({ apiThrottleBurst: "0" })).toThrow(/apiThrottleBurst/);
    expect(() => settingsFrom({ alarmNoWebhookTrafficHours: "200" })).toThrow(
      /alarmNoWebhookTrafficHours must be a whole number from 0 to 168 \(0 turns the alarm off\)/,
    );
    expect(() => settingsFrom({ dbMultiAz: "yes" })).toThrow('msgevents:dbMultiAz must be true or false; got "yes".');
  });

  it("refuses an instance class the connection budget cannot be computed for", () => {
    expect(() => settingsFrom({ dbInstanceClass: "t4g.micro" })).toThrow(
      /msgevents:dbInstanceClass must be one of db\.t4g\.micro, .* \(the classes infra\/src\/connections\.ts can budget connections for\); got t4g\.micro\./,
    );
    expect(settingsFrom({ dbInstanceClass: "db.r7g.large" }).database.instanceClass).toBe("db.r7g.large");
  });

  it("refuses a body limit the platform cannot deliver", () => {
    expect(settingsFrom({ maxBodyBytes: "4194304" }).maxBodyBytes).toBe(4_194_304);
    expect(() => settingsFrom({ maxBodyBytes: "6000000" })).toThrow(/msgevents:maxBodyBytes 6000000 is more than/);
  });

  it("reads alarm subscribers: a comma-separated list of addresses and an https endpoint", () => {
    expect(settingsFrom({ alarmEmail: "ops@example.com, oncall@example.com" }).alarms.emails).toEqual([
      "ops@example.com",
      "oncall@example.com",
    ]);
    expect(() => settingsFrom({ alarmEmail: "ops@example.com, nobody" })).toThrow(/"nobody" is not one/);
    expect(() => settingsFrom({ alarmEmail: "a@example.com,a@example.com" })).toThrow(/lists an address twice/);
    expect(settingsFrom({ alarmHttpsEndpoint: "https://events.example.com/sns" }).alarms.httpsEndpoint).toBe(
      "https://events.example.com/sns",
    );
    expect(() => settingsFrom({ alarmHttpsEndpoint: "http://events.example.com/sns" })).toThrow(
      /alarmHttpsEndpoint must be an https:\/\/ URL/,
    );
  });

  it("reads pinned zones as two different zone ids", () => {
    expect(settingsFrom({ availabilityZoneIds: "use1-az1, use1-az4" }).availabilityZoneIds).toEqual([
      "use1-az1",
      "use1-az4",
    ]);
    for (const bad of ["use1-az1", "use1-az1,use1-az1", "us-east-1a,us-east-1b", "use1-az1,use1-az2,use1-az4"]) {
      expect(() => settingsFrom({ availabilityZoneIds: bad }), bad).toThrow(/two different zone ids/);
    }
  });

  it("refuses a credential shorter than the function reading it accepts, without echoing it", () => {
    expect(() => settingsFrom({ oauthClientSecret: "short-secret" })).toThrow(
      "msgevents:oauthClientSecret must be at least 16 characters (the function that reads it refuses shorter ones); set it with `pulumi config set --secret`.",
    );
    expect(() => settingsFrom({ apiKey: "1234567" })).toThrow(/apiKey must be at least 8 characters/);
    expect(() => settingsFrom({ cursorSecret: "x".repeat(15) })).toThrow(/cursorSecret must be at least 16/);
    expect(() => settingsFrom({ apiKey: "12345678", oauthClientSecret: "x".repeat(16) })).not.toThrow();
  });

  it("reads the alert settings, refusing a bad schedule, URL or From address and a short signing key, naming the key", () => {
    expect(settingsFrom({}).alerts).toMatchObject({
      scheduleExpression: "rate(5 minutes)",
      sparkPostApiUrl: "https://api.sparkpost.com",
      emailFrom: undefined,
      sparkPostApiKey: undefined,
      signingKey: undefined,
    });
    expect(() => settingsFrom({ alertSchedule: "every 5 minutes" })).toThrow(
      'msgevents:alertSchedule must be an EventBridge schedule such as rate(5 minutes); got "every 5 minutes".',
    );
    expect(() => settingsFrom({ alertSchedule: "rate(4 hours)" })).toThrow(
      /msgevents:alertSchedule must run the evaluator at least every 3 hours .*got "rate\(4 hours\)"/,
    );
    expect(settingsFrom({ alertSchedule: "rate(3 hours)" }).alerts.scheduleExpression).toBe("rate(3 hours)");
    expect(() => settingsFrom({ alertSparkPostApiUrl: "http://api.sparkpost.com" })).toThrow(
      /msgevents:alertSparkPostApiUrl must be https:\/\/api.sparkpost.com or/,
    );
    expect(() => settingsFrom({ alertEmailFrom: "alerts", alertSparkPostApiKey: "key" })).toThrow(
      /msgevents:alertEmailFrom must be an e-mail address/,
    );
    expect(() => settingsFrom({ alertSigningKey: "x".repeat(15) })).toThrow(
      "msgevents:alertSigningKey must be at least 16 characters (the alert sender refuses shorter ones); set it with `pulumi config set --secret`.",
    );
    expect(() => settingsFrom({ alertEmailFrom: "alerts@mail.example.com" })).toThrow(
      /alertSparkPostApiKey and msgevents:alertEmailFrom go together/,
    );
    expect(settingsFrom({ alertSigningKey: "x".repeat(16) }).alerts.signingKey).toBeDefined();
  });

  it("turns the reservations, the bastion and the no-traffic alarm on or off", () => {
    expect(
      settingsFrom({ lambdaReservedConcurrency: "false", bastion: "true", alarmNoWebhookTrafficHours: "6" }),
    ).toMatchObject({ reservedConcurrency: false, bastion: true, alarms: { noWebhookTrafficHours: 6 } });
  });

  it("is documented: every key in infra/README.md, and Pulumi.example.yaml names no other", () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    for (const key of SETTING_KEYS) expect(readme, key).toContain(`\`${key}\``);
    const example = readFileSync(new URL("../Pulumi.example.yaml", import.meta.url), "utf8");
    const named = [...example.matchAll(/msgevents:([A-Za-z]+):/g)].map((match) => match[1]);
    expect(named.length).toBeGreaterThan(30);
    for (const key of named) expect(SETTING_KEYS as readonly string[], key).toContain(key);
  });
});
