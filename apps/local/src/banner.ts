import path from "node:path";
import type { LocalStack } from "./stack.ts";

/**
 * What to tell SparkPost and where to query. Names the CLI commands that give the secrets (and the file they are
 * kept in) but never prints a secret: start-up output ends up in logs and scrollback.
 */
export function startBanner(stack: LocalStack, cwd: string = process.env.INIT_CWD ?? process.cwd()): string {
  const { env, file, generated } = stack.credentials;
  // The CLI finds the stack through its data directory: name it when the CLI would not find it by default.
  const cli =
    stack.dataDir === path.resolve(cwd, ".msgevents")
      ? "npx msgevents"
      : `MSGEVENTS_DATA_DIR=${stack.dataDir} npx msgevents`;
  const lines = [
    "",
    `msgevents is running at ${stack.url}`,
    "",
    stack.webApp
      ? `  Web app            ${stack.url}/   (\`${cli} open\` opens it signed in)`
      : "  Web app            not built (apps/web/dist missing): `npm start` builds it",
    "  SparkPost webhook",
    `    Target URL        ${stack.url}/webhooks/sparkpost`,
    `    Basic auth        username ${env.MSGEVENTS_WEBHOOK_USERNAME ?? "(not set)"}, password from \`${cli} credentials\``,
    `    or OAuth2         token URL ${stack.url}/oauth/token, client_id ${env.MSGEVENTS_OAUTH_CLIENT_ID ?? "(not set)"}`,
    "  APIs (header Authorization: <API key>)",
    `    Events            ${stack.url}/api/v1/events/message`,
    `    Metrics           ${stack.url}/api/v1/metrics/deliverability   (summary, time-series, group-bys)`,
    `    Rejections        ${stack.url}/api/v1/rejections   (records that are not events, with reasons)`,
    `    Health            ${stack.url}/health   (figures with the API key)`,
    "  Alerts",
    `    Alerts API        ${stack.url}/api/v1/alerts   (evaluated every ${stack.alerts.intervalSeconds} s; webhooks signed with MSGEVENTS_ALERT_SIGNING_KEY)`,
    `    E-mail channel    ${stack.alerts.emails ? "through your SparkPost account" : "off: set MSGEVENTS_ALERT_SPARKPOST_API_KEY and MSGEVENTS_ALERT_EMAIL_FROM"}`,
    "",
    `  Credentials        \`${cli} credentials\` prints the API key and webhook secrets; \`… credentials api-key\` the key alone`,
    `                     kept in ${file} (mode 0600); environment variables of the same names override it`,
  ];
  if (generated.length > 0) lines.push(`  Generated now      ${generated.join(", ")}`);
  lines.push(
    `  Data               ${stack.dataDir}  (database: ${stack.database}; objects: ${stack.storage})`,
    `  Queue              ${stack.queue}`,
    "",
    `Try it: \`${cli} send\` posts SparkPost's sample events, \`${cli} events\` shows them.`,
    "SparkPost needs a public HTTPS URL: put a TLS proxy in front of this port. Stop with Ctrl-C.",
    "",
  );
  return lines.join("\n");
}
