import * as pulumi from "@pulumi/pulumi";

/** The alerts' stack configuration (namespace `msgevents`), read by readSettings. */
export interface AlertSettings {
  /** EventBridge schedule of the evaluator; `rate(5 minutes)` by default. */
  scheduleExpression: string;
  /** The owner's SparkPost API key for the `emails` channel (Transmissions API); unset turns e-mail off. */
  sparkPostApiKey: pulumi.Output<string> | undefined;
  /** `https://api.sparkpost.com` (default) or `https://api.eu.sparkpost.com`. */
  sparkPostApiUrl: string;
  /** The From address of alert e-mails, on a sending domain of that SparkPost account. */
  emailFrom: string | undefined;
  /** Signs webhook channel POSTs; generated when unset. */
  signingKey: pulumi.Output<string> | undefined;
}

/** The sender refuses a shorter signing key (packages/alerter, senderSecrets). */
const SIGNING_KEY_MIN_LENGTH = 16;
const SCHEDULE = /^(rate|cron)\(.+\)$/;
const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const RATE_UNIT_MINUTES: Record<string, number> = { minute: 1, minutes: 1, hour: 60, hours: 60, day: 1440, days: 1440 };
/** The evaluator-stopped alarm (components/alerts.ts) expects a run at least this often. */
export const LONGEST_ALERT_INTERVAL_MINUTES = 180;
const API_URL = /^https:\/\/[^/\s]+\/?$/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

export function readAlertSettings(config: pulumi.Config): AlertSettings {
  const key = (name: string) => `${config.name}:${name}`;
  const matching = (name: string, pattern: RegExp, what: string): string | undefined => {
    const value = config.get(name);
    if (value !== undefined && !pattern.test(value)) {
      throw new Error(`${key(name)} must be ${what}; got ${JSON.stringify(value)}.`);
    }
    return value;
  };
  // The raw value, read only to measure it: it never reaches a message or a log.
  const signingKeyText = pulumi.runtime.getConfig(key("alertSigningKey"));
  if (signingKeyText !== undefined && signingKeyText.length < SIGNING_KEY_MIN_LENGTH) {
    throw new Error(
      `${key("alertSigningKey")} must be at least ${SIGNING_KEY_MIN_LENGTH} characters (the alert sender refuses shorter ones); set it with \`pulumi config set --secret\`.`,
    );
  }
  const sparkPostApiKey = config.getSecret("alertSparkPostApiKey");
  const emailFrom = matching(
    "alertEmailFrom",
    EMAIL,
    "an e-mail address on a sending domain of your SparkPost account",
  );
  if ((sparkPostApiKey === undefined) !== (emailFrom === undefined)) {
    throw new Error(
      `${key("alertSparkPostApiKey")} and ${key("alertEmailFrom")} go together: alert e-mails are sent through your SparkPost account, from an address on one of its sending domains. Set both (the key with --secret) or neither.`,
    );
  }
  const scheduleExpression =
    matching("alertSchedule", SCHEDULE, "an EventBridge schedule such as rate(5 minutes)") ?? "rate(5 minutes)";
  const rate = RATE.exec(scheduleExpression);
  if (rate && Number(rate[1]) * (RATE_UNIT_MINUTES[rate[2] ?? ""] ?? 0) > LONGEST_ALERT_INTERVAL_MINUTES) {
    throw new Error(
      `${key("alertSchedule")} must run the evaluator at least every ${LONGEST_ALERT_INTERVAL_MINUTES / 60} hours (an alert that waits longer is no alert, and the evaluator-stopped alarm expects a run that often); got ${JSON.stringify(scheduleExpression)}.`,
    );
  }
  return {
    scheduleExpression,
    sparkPostApiKey,
    sparkPostApiUrl:
      matching("alertSparkPostApiUrl", API_URL, "https://api.sparkpost.com or https://api.eu.sparkpost.com") ??
      "https://api.sparkpost.com",
    emailFrom,
    signingKey: config.getSecret("alertSigningKey"),
  };
}
