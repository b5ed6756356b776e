import type * as pulumi from "@pulumi/pulumi";

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

export function readAlertSettings(config: pulumi.Config): AlertSettings {
  const sparkPostApiKey = config.getSecret("alertSparkPostApiKey");
  const emailFrom = config.get("alertEmailFrom", { pattern: /^[^@\s]+@[^@\s]+\.[^@\s]+$/ });
  if ((sparkPostApiKey === undefined) !== (emailFrom === undefined)) {
    throw new Error(
      "msgevents:alertSparkPostApiKey and msgevents:alertEmailFrom go together: alert e-mails are sent through your SparkPost account, from an address on one of its sending domains. Set both (the key with --secret) or neither.",
    );
  }
  return {
    scheduleExpression: config.get("alertSchedule", { pattern: /^(rate|cron)\(.+\)$/ }) ?? "rate(5 minutes)",
    sparkPostApiKey,
    sparkPostApiUrl:
      config.get("alertSparkPostApiUrl", { pattern: /^https:\/\/[^/\s]+\/?$/ }) ?? "https://api.sparkpost.com",
    emailFrom,
    signingKey: config.getSecret("alertSigningKey"),
  };
}
