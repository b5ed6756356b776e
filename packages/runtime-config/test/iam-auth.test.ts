import { startTestDatabase, type TestDatabase } from "@msgevents/testkit";
import pg from "pg";
import { afterAll, beforeAll, expect, test } from "vitest";
import { pgConnectionOptions, rdsAuthTokenSigner, readDatabaseEnv } from "../src/database.ts";

const ROLE = "msgevents_iam_test";
const fakeCredentials = async () => ({
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
});

let database: TestDatabase;
let admin: pg.Pool;

beforeAll(async () => {
  database = await startTestDatabase();
  admin = database.pool({ max: 1 });
  await admin.query(`DO $$ BEGIN CREATE ROLE ${ROLE} LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$`);
});

afterAll(async () => {
  await admin?.end();
  await database?.close();
});

function iamSettings() {
  const url = new URL(database.url);
  return readDatabaseEnv({
    MSGEVENTS_DB_HOST: "127.0.0.1",
    MSGEVENTS_DB_PORT: url.port,
    MSGEVENTS_DB_NAME: url.pathname.slice(1),
    MSGEVENTS_DB_USER: ROLE,
    MSGEVENTS_DB_IAM_AUTH: "true",
    AWS_REGION: "eu-west-1",
  });
}

test("the RDS signer makes a 15-minute connect token for the configured host, port, user and region", async () => {
  const settings = iamSettings();
  if (!("host" in settings)) throw new Error("expected host settings");
  const token = await rdsAuthTokenSigner(settings, fakeCredentials).getAuthToken();
  const url = new URL(`https://${token}`);
  expect(url.host).toBe(`127.0.0.1:${settings.port}`);
  expect(url.searchParams.get("Action")).toBe("connect");
  expect(url.searchParams.get("DBUser")).toBe(ROLE);
  expect(url.searchParams.get("X-Amz-Expires")).toBe("900");
  expect(url.searchParams.get("X-Amz-Credential")).toMatch(/^AKIDEXAMPLE\/\d{8}\/eu-west-1\/rds-db\/aws4_request$/);
});

test("every new pooled connection logs in with the token the signer made for it", async () => {
  const settings = iamSettings();
  if (!("host" in settings)) throw new Error("expected host settings");
  const real = rdsAuthTokenSigner(settings, fakeCredentials);
  // PostgreSQL cannot check an AWS signature, and it reads the role's password before the client sends one. So the
  // test signs each token up front, makes it the role's password, and queues it for the signer the pool calls: a
  // connection succeeds only if the pool asked the signer and sent exactly that token.
  const queued: string[] = [];
  let calls = 0;
  const signer = {
    async getAuthToken() {
      calls += 1;
      const token = queued.shift();
      if (token === undefined) throw new Error("no token queued");
      return token;
    },
  };
  const acceptNextToken = async () => {
    const token = await real.getAuthToken();
    await admin.query(`ALTER ROLE ${ROLE} PASSWORD ${pg.Client.prototype.escapeLiteral(token)}`);
    queued.push(token);
    return token;
  };
  const pool = database.pool({ ...pgConnectionOptions(settings, { signer }), max: 3 });
  try {
    await acceptNextToken();
    const first = await pool.connect();
    await acceptNextToken();
    const second = await pool.connect();
    const users = await Promise.all([first, second].map((client) => client.query("SELECT current_user AS user")));
    first.release();
    second.release();
    expect(users.map((result) => result.rows[0]?.user)).toEqual([ROLE, ROLE]);
    expect(calls).toBe(2);

    // Any other token fails the connection (here one signed for another user): the password is the signer's token.
    queued.unshift(await rdsAuthTokenSigner({ ...settings, user: "someone_else" }, fakeCredentials).getAuthToken());
    const client = database.client(pgConnectionOptions(settings, { signer }));
    await expect(client.connect()).rejects.toMatchObject({ code: "28P01" });
    expect(calls).toBe(3);
  } finally {
    await pool.end();
  }
});
