import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface TestSecretsManager {
  /** `http://127.0.0.1:<port>`: give it to the SDK as `AWS_ENDPOINT_URL_SECRETS_MANAGER` or `endpoint`. */
  endpoint: string;
  /** Stores a secret (objects are stored as their JSON text) and returns its ARN. */
  put(name: string, value: string | object): string;
  /** The `SecretId` of every GetSecretValue call so far, in order. */
  readonly reads: readonly string[];
  close(): Promise<void>;
}

interface StoredSecret {
  arn: string;
  name: string;
  secretString: string;
}

/**
 * A Secrets Manager stand-in for tests: a local HTTP server that answers `GetSecretValue` in the service's JSON 1.1
 * protocol, so the real `@aws-sdk/client-secrets-manager` talks to it unchanged. No npm package emulates Secrets
 * Manager; this serves exactly the one call the Lambdas make, by name or ARN, and answers anything else with the
 * service's own error shapes.
 */
export async function startSecretsManager(): Promise<TestSecretsManager> {
  const secrets = new Map<string, StoredSecret>();
  const reads: string[] = [];
  const server = createServer((request, response) => {
    readBody(request)
      .then((body) => answer(request, body, response))
      .catch((error: Error) => reply(response, 500, { __type: "InternalServiceError", message: error.message }));
  });

  function answer(request: IncomingMessage, body: string, response: ServerResponse): void {
    const target = request.headers["x-amz-target"];
    if (target !== "secretsmanager.GetSecretValue") {
      reply(response, 400, { __type: "UnknownOperationException", message: `not served: ${String(target)}` });
      return;
    }
    const secretId = (JSON.parse(body) as { SecretId?: unknown }).SecretId;
    if (typeof secretId !== "string") {
      reply(response, 400, { __type: "InvalidParameterException", message: "SecretId is required" });
      return;
    }
    reads.push(secretId);
    const secret = secrets.get(secretId);
    if (!secret) {
      reply(response, 400, {
        __type: "ResourceNotFoundException",
        message: "Secrets Manager can't find the specified secret.",
      });
      return;
    }
    reply(response, 200, {
      ARN: secret.arn,
      Name: secret.name,
      SecretString: secret.secretString,
      VersionId: "00000000-0000-4000-8000-000000000000",
      VersionStages: ["AWSCURRENT"],
      CreatedDate: 1_700_000_000,
    });
  }

  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    put(name, value) {
      const arn = `arn:aws:secretsmanager:us-east-1:000000000000:secret:${name}-${randomBytes(3).toString("hex")}`;
      const secret = { arn, name, secretString: typeof value === "string" ? value : JSON.stringify(value) };
      secrets.set(name, secret);
      secrets.set(arn, secret);
      return arn;
    },
    reads,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function reply(response: ServerResponse, status: number, body: object): void {
  response.writeHead(status, { "content-type": "application/x-amz-json-1.1" });
  response.end(JSON.stringify(body));
}
