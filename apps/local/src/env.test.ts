import { expect, test } from "vitest";
import { ConfigError, loadLocalConfig } from "./env.ts";

test("alerts are evaluated every 5 minutes unless MSGEVENTS_ALERT_INTERVAL_SECONDS says otherwise, down to 10 s", () => {
  expect(loadLocalConfig({}).MSGEVENTS_ALERT_INTERVAL_SECONDS).toBe(300);
  expect(loadLocalConfig({ MSGEVENTS_ALERT_INTERVAL_SECONDS: "10" }).MSGEVENTS_ALERT_INTERVAL_SECONDS).toBe(10);
  expect(() => loadLocalConfig({ MSGEVENTS_ALERT_INTERVAL_SECONDS: "5" })).toThrow(
    /^invalid configuration: MSGEVENTS_ALERT_INTERVAL_SECONDS: /,
  );
});

test("alert e-mails need both the SparkPost key and the From address", () => {
  expect(() => loadLocalConfig({ MSGEVENTS_ALERT_SPARKPOST_API_KEY: "key" })).toThrow(ConfigError);
  expect(() => loadLocalConfig({ MSGEVENTS_ALERT_EMAIL_FROM: "alerts@example.com" })).toThrow(
    "MSGEVENTS_ALERT_SPARKPOST_API_KEY and MSGEVENTS_ALERT_EMAIL_FROM go together",
  );
  const config = loadLocalConfig({
    MSGEVENTS_ALERT_SPARKPOST_API_KEY: "key",
    MSGEVENTS_ALERT_EMAIL_FROM: "alerts@example.com",
  });
  expect(config.MSGEVENTS_ALERT_SPARKPOST_API_URL).toBe("https://api.sparkpost.com");
  expect(() =>
    loadLocalConfig({ MSGEVENTS_ALERT_EMAIL_FROM: "not an address", MSGEVENTS_ALERT_SPARKPOST_API_KEY: "k" }),
  ).toThrow(/MSGEVENTS_ALERT_EMAIL_FROM/);
});
