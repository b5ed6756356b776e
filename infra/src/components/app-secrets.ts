import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { CredentialSettings } from "../settings.ts";

export interface AppSecretsArgs {
  /** Values from `pulumi config set --secret`; each one left unset is generated. */
  credentials: CredentialSettings;
}

/**
 * The webhook credentials (ingest) and the query API key with its cursor-signing secret, each set in its own Secrets
 * Manager secret so each function can read only its own. Generated values come from @pulumi/random: they are
 * encrypted in the Pulumi state like any config secret and stay the same from one `pulumi up` to the next.
 */
export class AppSecrets extends pulumi.ComponentResource {
  readonly webhookSecretArn: pulumi.Output<string>;
  readonly apiSecretArn: pulumi.Output<string>;
  readonly webhookUsername: pulumi.Output<string>;
  readonly webhookPassword: pulumi.Output<string>;
  readonly oauthClientId: pulumi.Output<string>;
  readonly oauthClientSecret: pulumi.Output<string>;
  readonly apiKey: pulumi.Output<string>;

  constructor(name: string, args: AppSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("msgevents:aws:AppSecrets", name, {}, opts);
    const parent = { parent: this };
    const given = args.credentials;
    // 32 letters and digits: ~190 bits, and nothing a form-encoded OAuth body or a Basic header must escape.
    const generated = (key: string, value: pulumi.Output<string> | undefined) =>
      value ?? new random.RandomPassword(`${name}-${key}`, { length: 32, special: false }, parent).result;

    this.webhookUsername = pulumi.secret(given.webhookUsername ?? pulumi.output("sparkpost"));
    this.webhookPassword = pulumi.secret(generated("webhook-password", given.webhookPassword));
    this.oauthClientId = pulumi.secret(given.oauthClientId ?? pulumi.output("sparkpost"));
    this.oauthClientSecret = pulumi.secret(generated("oauth-client-secret", given.oauthClientSecret));
    this.apiKey = pulumi.secret(generated("api-key", given.apiKey));
    const cursorSecret = generated("cursor-secret", given.cursorSecret);

    const webhook = new aws.secretsmanager.Secret(
      `${name}-webhook`,
      { description: "msgevents webhook credentials (ingest)", recoveryWindowInDays: 7 },
      parent,
    );
    new aws.secretsmanager.SecretVersion(
      `${name}-webhook`,
      {
        secretId: webhook.id,
        secretString: pulumi.jsonStringify({
          username: this.webhookUsername,
          password: this.webhookPassword,
          oauthClientId: this.oauthClientId,
          oauthClientSecret: this.oauthClientSecret,
        }),
      },
      parent,
    );
    const api = new aws.secretsmanager.Secret(
      `${name}-api`,
      { description: "msgevents Events API key and cursor secret (query)", recoveryWindowInDays: 7 },
      parent,
    );
    new aws.secretsmanager.SecretVersion(
      `${name}-api`,
      { secretId: api.id, secretString: pulumi.jsonStringify({ apiKey: this.apiKey, cursorSecret }) },
      parent,
    );

    this.webhookSecretArn = webhook.arn;
    this.apiSecretArn = api.arn;
    this.registerOutputs({ webhookSecretArn: this.webhookSecretArn, apiSecretArn: this.apiSecretArn });
  }
}
