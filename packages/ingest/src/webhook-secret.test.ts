import { describe, expect, test } from "vitest";
import { IngestConfigError, loadIngestLambdaConfig, webhookSecretArn, withWebhookSecret } from "./env.ts";

const secret = {
  username: "sparkpost",
  password: "webhook-password",
  oauthClientId: "sparkpost-client",
  oauthClientSecret: "oauth-client-secret-0123456789",
};
const lambdaEnv = { MSGEVENTS_S3_BUCKET: "raw", MSGEVENTS_WEBHOOK_AUTH: "basic,oauth2" };

describe("the webhook secret (MSGEVENTS_WEBHOOK_SECRET_ARN)", () => {
  test("its fields configure Basic and OAuth2 exactly as the variables would", () => {
    const config = loadIngestLambdaConfig(withWebhookSecret(lambdaEnv, secret));
    expect(config.auth).toMatchObject({
      mode: "required",
      basic: { username: "sparkpost", password: "webhook-password" },
      oauth2: { clientId: "sparkpost-client", clientSecret: "oauth-client-secret-0123456789" },
    });
    expect(config.bucket).toBe("raw");
  });

  test("a secret missing what MSGEVENTS_WEBHOOK_AUTH asks for fails closed", () => {
    const { oauthClientId: _, oauthClientSecret: __, ...basicOnly } = secret;
    expect(() => loadIngestLambdaConfig(withWebhookSecret(lambdaEnv, basicOnly))).toThrow(
      new IngestConfigError("MSGEVENTS_OAUTH_CLIENT_ID is required for oauth2 webhook authentication"),
    );
  });

  test("a short OAuth2 client secret in the secret is refused like the variable", () => {
    expect(() =>
      loadIngestLambdaConfig(withWebhookSecret(lambdaEnv, { ...secret, oauthClientSecret: "short" })),
    ).toThrow(IngestConfigError);
  });

  test("is read only when its ARN is set", () => {
    expect(webhookSecretArn({ MSGEVENTS_WEBHOOK_SECRET_ARN: "arn:aws:secretsmanager:eu-west-1:1:secret:w" })).toBe(
      "arn:aws:secretsmanager:eu-west-1:1:secret:w",
    );
    expect(webhookSecretArn({ MSGEVENTS_WEBHOOK_SECRET_ARN: "" })).toBeUndefined();
  });
});
