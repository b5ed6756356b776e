import { mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { HttpRequest } from "@msgevents/http";
import { FileObjectStore, type ObjectStore } from "@msgevents/storage";
import { type AuthConfig, type IngestDeps, type IngestLogger, loadIngestConfig } from "../src/index.ts";

export const USERNAME = "sparkpost-webhooks";
export const PASSWORD = "correct horse battery staple";
export const CLIENT_ID = "CLIENT123";
export const CLIENT_SECRET = "9sdfj791d2bsbf-0123456789abcdef";
export const RECEIVED_AT = new Date("2024-05-01T12:00:00Z");

export const basicAuth = { MSGEVENTS_WEBHOOK_USERNAME: USERNAME, MSGEVENTS_WEBHOOK_PASSWORD: PASSWORD };
export const oauthAuth = { MSGEVENTS_OAUTH_CLIENT_ID: CLIENT_ID, MSGEVENTS_OAUTH_CLIENT_SECRET: CLIENT_SECRET };

export function authFrom(env: Record<string, string>): AuthConfig {
  return loadIngestConfig(env).auth;
}

export interface LogEntry {
  level: "info" | "warn" | "error";
  message: string;
  attributes: Record<string, unknown>;
}

export function capturingLogger(): IngestLogger & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const log = (level: LogEntry["level"]) => (message: string, attributes: Record<string, unknown>) => {
    entries.push({ level, message, attributes });
  };
  return { entries, info: log("info"), warn: log("warn"), error: log("error") };
}

const tempDirs: string[] = [];

export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "msgevents-ingest-test-"));
  tempDirs.push(dir);
  return dir;
}

export async function removeTempDirs(): Promise<void> {
  await Promise.all(tempDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

/** Every file under dir, relative, sorted: what a store really left on disk (temp files included). */
export async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .sort();
}

export async function testDeps(
  overrides: Partial<IngestDeps> & { env?: Record<string, string> } = {},
): Promise<IngestDeps & { logger: ReturnType<typeof capturingLogger>; rootDir: string }> {
  const rootDir = await tempDir();
  const { env, ...rest } = overrides;
  const store: ObjectStore = new FileObjectStore(rootDir);
  return {
    store,
    auth: authFrom(env ?? basicAuth),
    clock: () => RECEIVED_AT,
    maxBodyBytes: 4 * 1024 * 1024,
    ...rest,
    logger: capturingLogger(),
    rootDir,
  };
}

export function basicHeader(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;
}

export function webhookRequest(
  body: string | Uint8Array,
  headers: Record<string, string | undefined> = {},
  method = "POST",
): HttpRequest {
  return {
    method,
    path: "/webhooks/sparkpost",
    rawQuery: "",
    headers: { "content-type": "application/json", authorization: basicHeader(USERNAME, PASSWORD), ...headers },
    body: typeof body === "string" ? new TextEncoder().encode(body) : body,
  };
}

export function tokenRequest(body: string, headers: Record<string, string | undefined> = {}): HttpRequest {
  return {
    method: "POST",
    path: "/oauth/token",
    rawQuery: "",
    headers,
    body: new TextEncoder().encode(body),
  };
}

export const sampleBody = JSON.stringify([
  { msys: { message_event: { type: "delivery", event_id: "1", rcpt_to: "someone@example.com" } } },
  { msys: { track_event: { type: "open", event_id: "2", rcpt_to: "someone@example.com" } } },
]);
