import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type AlertNotification, drillDownLink } from "./notification.ts";
import { slackBody } from "./render.ts";
import { attemptDelivery, type SenderConfig } from "./send.ts";
import { SIGNATURE_HEADER, signatureOf, verifySignature } from "./signature.ts";

const AT = new Date("2030-01-10T12:00:00Z");
const KEY = "signing-key-for-tests-0123456789";

const notification: AlertNotification = {
  alert_id: 3,
  incident_id: 14,
  name: "Blocks at <Gmail> & co",
  metric: "block_bounce_rate",
  triggered_value: 23.5,
  triggered_at: AT.toISOString(),
  threshold_evaluator: { operator: "gt", source: "raw", value: 10 },
  filters: { subaccount_id: 0, mailbox_provider: "Gmail" },
  kind: "triggered",
  window_from: "2030-01-10T11:00:00.000Z",
  window_to: "2030-01-10T12:00:00.000Z",
  first_fired: AT.toISOString(),
  link: "http://127.0.0.1:3000/#/search?events=bounce",
};

describe("the webhook signature", () => {
  const body = JSON.stringify([{ alert_id: 1 }]);

  test("verifies with the key, over the exact body, within five minutes", () => {
    const header = signatureOf(body, KEY, AT);
    expect(header).toMatch(/^t=1894276800,v1=[0-9a-f]{64}$/);
    expect(verifySignature(body, header, KEY, new Date(AT.getTime() + 299_000))).toBe(true);
    expect(verifySignature(`${body} `, header, KEY, AT)).toBe(false);
    expect(verifySignature(body, header, "another-key", AT)).toBe(false);
    expect(verifySignature(body, header, KEY, new Date(AT.getTime() + 301_000))).toBe(false);
    expect(verifySignature(body, undefined, KEY, AT)).toBe(false);
    expect(verifySignature(body, "t=1894276800,v1=zz", KEY, AT)).toBe(false);
  });
});

test("a drill-down link searches the numerator's events of the combination over the window", () => {
  const link = drillDownLink("https://events.example.com/", "block_bounce_rate", notification.filters, {
    from: new Date(notification.window_from),
    to: new Date(notification.window_to),
  });
  expect(link).toBe(
    "https://events.example.com/#/search?events=bounce&events=out_of_band&bounce_classes=50&bounce_classes=51&bounce_classes=52&bounce_classes=53&bounce_classes=54&subaccounts=0&mailbox_providers=Gmail&from=2030-01-10T11%3A00%3A00Z&to=2030-01-10T12%3A00%3A00Z&per_page=100",
  );
});

test("the Slack message escapes what Slack reads as markup and links to the events", () => {
  const message = JSON.parse(slackBody(notification));
  expect(message.text).toBe(
    "Alert: Blocks at &lt;Gmail&gt; &amp; co — block_bounce_rate 23.5% (block_bounce_rate above 10%) for subaccount_id 0, mailbox_provider Gmail",
  );
  expect(message.blocks[2].elements[0].url).toBe(notification.link);
});

describe("one delivery attempt", () => {
  let server: http.Server;
  let url: string;
  const received: { headers: http.IncomingHttpHeaders; body: string }[] = [];
  let answer = 200;

  beforeAll(async () => {
    server = http.createServer((request, response) => {
      let body = "";
      request.on("data", (chunk: Buffer) => {
        body += chunk.toString();
      });
      request.on("end", () => {
        received.push({ headers: request.headers, body });
        response.writeHead(answer, { "content-type": "text/plain" }).end(answer === 200 ? "ok" : "broken  \n today");
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const config: SenderConfig = { signingKey: KEY, fetch, now: () => AT };

  test("posts SparkPost's payload to a webhook, signed", async () => {
    answer = 200;
    expect(await attemptDelivery({ channel: "webhook", target: url, notification }, config)).toEqual({
      ok: true,
      status: 200,
    });
    const request = received.at(-1);
    expect(JSON.parse(request?.body ?? "")).toEqual([
      {
        alert_id: 3,
        incident_id: 14,
        name: "Blocks at <Gmail> & co",
        metric: "block_bounce_rate",
        triggered_value: 23.5,
        triggered_at: "2030-01-10T12:00:00.000Z",
        threshold_evaluator: { operator: "gt", source: "raw", value: 10 },
        filters: { subaccount_id: 0, mailbox_provider: "Gmail" },
      },
    ]);
    expect(verifySignature(request?.body ?? "", request?.headers[SIGNATURE_HEADER] as string, KEY, AT)).toBe(true);
  });

  test("reports a refusal with its status and the start of the answer", async () => {
    answer = 500;
    expect(await attemptDelivery({ channel: "slack", target: url, notification }, config)).toEqual({
      ok: false,
      status: 500,
      error: "HTTP 500: broken today",
    });
  });

  test("reports a target that does not answer", async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    expect(
      await attemptDelivery({ channel: "webhook", target: `http://127.0.0.1:${port}/`, notification }, config),
    ).toEqual({ ok: false, error: "ECONNREFUSED" });
  });

  test("fails e-mail without a SparkPost account, saying what to configure", async () => {
    expect(await attemptDelivery({ channel: "emails", recipients: ["ops@example.com"], notification }, config)).toEqual(
      {
        ok: false,
        error:
          "the emails channel needs a SparkPost account: set the Transmissions API key and From address (see the alerts README)",
      },
    );
  });
});
