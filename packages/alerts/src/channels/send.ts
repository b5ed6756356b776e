import type { DeliveryMessage } from "./notification.ts";
import { emailContent, slackBody, webhookBody } from "./render.ts";
import { SIGNATURE_HEADER, signatureOf } from "./signature.ts";

/** The owner's SparkPost account, through which the `emails` channel sends (Transmissions API). */
export interface TransmissionsAccount {
  apiKey: string;
  /** `https://api.sparkpost.com` or `https://api.eu.sparkpost.com` (or any drop-in). */
  apiUrl: string;
  /** The From address: on a sending domain verified in that account. */
  from: string;
}

export interface SenderConfig {
  /** Signs every webhook channel POST (SIGNATURE_HEADER). */
  signingKey: string;
  /** Without it, e-mail deliveries fail with a message saying what to configure. */
  transmissions?: TransmissionsAccount;
  fetch: typeof fetch;
  now: () => Date;
  /** Per request; defaults to 10 s. */
  timeoutMs?: number;
}

/** The outcome of one attempt: `error` says why it failed (the status and the start of the answer, or the cause). */
export interface AttemptOutcome {
  ok: boolean;
  status?: number;
  error?: string;
}

const USER_AGENT = "msgevents-alerts/1";

function request(message: DeliveryMessage, config: SenderConfig): { url: string; init: RequestInit } | string {
  const json = { "content-type": "application/json", "user-agent": USER_AGENT };
  switch (message.channel) {
    case "webhook": {
      const body = webhookBody(message.notification);
      const signature = signatureOf(body, config.signingKey, config.now());
      return {
        url: message.target,
        init: { method: "POST", headers: { ...json, [SIGNATURE_HEADER]: signature }, body },
      };
    }
    case "slack":
      return { url: message.target, init: { method: "POST", headers: json, body: slackBody(message.notification) } };
    case "emails": {
      const account = config.transmissions;
      if (!account) {
        return "the emails channel needs a SparkPost account: set the Transmissions API key and From address (see the alerts README)";
      }
      const content = emailContent(message.notification);
      const body = JSON.stringify({
        options: { transactional: true },
        campaign_id: "msgevents-alerts",
        recipients: message.recipients.map((email) => ({ address: { email } })),
        content: { from: account.from, ...content },
      });
      return {
        url: `${account.apiUrl.replace(/\/+$/, "")}/api/v1/transmissions`,
        init: { method: "POST", headers: { ...json, authorization: account.apiKey }, body },
      };
    }
  }
}

function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if ((error as Error).name === "TimeoutError") return "no answer within the timeout";
  return cause?.code ?? cause?.message ?? (error as Error).message;
}

/** One attempt at one delivery: a 2xx answer is delivered, anything else a failure saying why. Never throws. */
export async function attemptDelivery(message: DeliveryMessage, config: SenderConfig): Promise<AttemptOutcome> {
  const built = request(message, config);
  if (typeof built === "string") return { ok: false, error: built };
  try {
    const response = await config.fetch(built.url, {
      ...built.init,
      redirect: "manual",
      signal: AbortSignal.timeout(config.timeoutMs ?? 10_000),
    });
    const text = await response.text().catch(() => "");
    if (response.status >= 200 && response.status < 300) return { ok: true, status: response.status };
    const detail = text.replace(/\s+/g, " ").trim().slice(0, 200);
    return { ok: false, status: response.status, error: `HTTP ${response.status}${detail ? `: ${detail}` : ""}` };
  } catch (error) {
    return { ok: false, error: describeNetworkError(error) };
  }
}
