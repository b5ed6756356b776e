import { rm } from "node:fs/promises";
import path from "node:path";
import type { Browser } from "playwright-core";
import { makeDataRoot, type StackProcess, startStackProcess } from "../../local/test/stack-process.ts";
import { type AppSession, LAPTOP, launchChromium, openApp } from "./browser.ts";

/** A running local stack (its own data directory) and Chromium with a laptop-sized app session on it. */
export interface WebTestSession {
  stack: StackProcess;
  apiKey: string;
  browser: Browser;
  app: AppSession;
  /** Closes the browser, stops the stack and removes its data; true when the stack stopped cleanly. */
  close(): Promise<boolean>;
}

/**
 * Starts what every browser test needs: a stack process on a fresh data root named after `name` (with `env` added to
 * its environment), Chromium, and an app session. Anything started is stopped again if a later part fails to start.
 */
export async function startWebSession(name: string, env: Record<string, string> = {}): Promise<WebTestSession> {
  const dataRoot = await makeDataRoot(`msgevents-web-${name}-`);
  let stack: StackProcess | undefined;
  let browser: Browser | undefined;
  const close = async () => {
    await browser?.close();
    const stopped = stack ? await stack.terminate() : true;
    await rm(dataRoot, { recursive: true, force: true });
    return stopped;
  };
  try {
    stack = await startStackProcess(path.join(dataRoot, "data"), env);
    browser = await launchChromium();
    const app = await openApp(browser, stack.url, LAPTOP);
    return { stack, apiKey: stack.credentials.MSGEVENTS_API_KEY ?? "", browser, app, close };
  } catch (error) {
    await close();
    throw error;
  }
}
