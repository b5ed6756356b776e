import type { LocalStack } from "./stack.ts";

/** What to tell SparkPost and where to query; names the credentials file but never prints a secret. */
export function startBanner(stack: LocalStack): string {
  const { env, file, generated } = stack.credentials;
  const lines = [
    "",
    `msgevents is running at ${stack.url}`,
    "",
    stack.webApp
      ? `  Web app            ${stack.url}/   (asks for MSGEVENTS_API_KEY once per browser session)`
      : "  Web app            not built (apps/web/dist missing): `npm start` builds it",
    "  SparkPost webhook",
    `    Target URL        ${stack.url}/webhooks/sparkpost`,
    `    Basic auth        username ${env.MSGEVENTS_WEBHOOK_USERNAME ?? "(not set)"}, password: MSGEVENTS_WEBHOOK_PASSWORD`,
    `    or OAuth2         token URL ${stack.url}/oauth/token, client_id ${env.MSGEVENTS_OAUTH_CLIENT_ID ?? "(not set)"},`,
    "                      client_secret: MSGEVENTS_OAUTH_CLIENT_SECRET",
    "  Events API",
    `    Search            ${stack.url}/api/v1/events/message   (header  Authorization: <MSGEVENTS_API_KEY>)`,
    `    Rejections        ${stack.url}/api/v1/rejections   (records that are not events, with reasons)`,
    `    Health            ${stack.url}/health   (figures with the API key)`,
    "  Alerts",
    `    Alerts API        ${stack.url}/api/v1/alerts   (evaluated every ${stack.alerts.intervalSeconds} s; webhooks signed with MSGEVENTS_ALERT_SIGNING_KEY)`,
    `    E-mail channel    ${stack.alerts.emails ? "through your SparkPost account" : "off: set MSGEVENTS_ALERT_SPARKPOST_API_KEY and MSGEVENTS_ALERT_EMAIL_FROM"}`,
    "",
    `  Secrets            ${file}  (mode 0600; environment variables of the same names override it)`,
  ];
  if (generated.length > 0) lines.push(`  Generated now      ${generated.join(", ")}`);
  lines.push(
    `  Data               ${stack.dataDir}  (database: ${stack.database}; objects: ${stack.storage})`,
    `  Queue              ${stack.queue}`,
    "",
    "SparkPost needs a public HTTPS URL: put a TLS proxy in front of this port. Stop with Ctrl-C.",
    "",
  );
  return lines.join("\n");
}
