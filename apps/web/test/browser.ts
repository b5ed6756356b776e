import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";

/** Debian's chromium package; never a browser playwright downloads. */
export const CHROMIUM_PATH = process.env.MSGEVENTS_CHROMIUM ?? "/usr/bin/chromium";
export const SCREENSHOTS_DIR = fileURLToPath(new URL("./screenshots/", import.meta.url));

export const LAPTOP = { width: 1366, height: 768 };
export const PHONE = { width: 390, height: 844 };

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `no Chromium at ${CHROMIUM_PATH}: install Debian's (apt-get install -y chromium, as .ci/run does) ` +
        "or set MSGEVENTS_CHROMIUM to another Chromium binary",
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH });
}

export interface AppSession {
  context: BrowserContext;
  page: Page;
  /** Every request the page made to anywhere but the stack: the app must make none. */
  foreignRequests: string[];
  /** Console errors and uncaught exceptions, CSP violations among them. */
  pageErrors: string[];
}

/** A fresh browser profile at the given size, refusing (and recording) any request that leaves the stack. */
export async function openApp(browser: Browser, origin: string, viewport: { width: number; height: number }) {
  const context = await browser.newContext({
    viewport,
    acceptDownloads: true,
    permissions: ["clipboard-read", "clipboard-write"],
  });
  const foreignRequests: string[] = [];
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (new URL(url).origin === origin) return route.continue();
    foreignRequests.push(url);
    return route.abort();
  });
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") pageErrors.push(message.text());
  });
  page.on("pageerror", (error) => pageErrors.push(error.message));
  return { context, page, foreignRequests, pageErrors } satisfies AppSession;
}

export async function signIn(page: Page, apiKey: string): Promise<void> {
  await page.getByLabel("API key").fill(apiKey);
  await page.getByRole("button", { name: "Continue" }).click();
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOTS_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS_DIR, `${name}.png`), fullPage: true });
}

/**
 * Text whose colour has less than WCAG AA contrast with the background it sits on (4.5:1, or 3:1 for large text),
 * skipping disabled controls, which WCAG exempts.
 */
export function lowContrastText(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const channels = (css: string) => (css.match(/[\d.]+/g) ?? []).map(Number);
    const luminance = ([r = 0, g = 0, b = 0]: number[]) => {
      const linear = (value: number) => {
        const c = value / 255;
        return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
    };
    const background = (element: Element | null): number[] => {
      for (let current = element; current; current = current.parentElement) {
        const [r, g, b, a = 1] = channels(getComputedStyle(current).backgroundColor);
        if (a > 0.5) return [r ?? 255, g ?? 255, b ?? 255];
      }
      return [255, 255, 255];
    };
    const failures: string[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const element = node.parentElement;
      if (!element || node.textContent?.trim() === "" || element.closest(":disabled, [aria-hidden=true]")) continue;
      const style = getComputedStyle(element);
      const box = element.getBoundingClientRect();
      if (style.visibility === "hidden" || box.width === 0 || box.height === 0) continue;
      const foreground = luminance(channels(style.color));
      const behind = luminance(background(element));
      const ratio = (Math.max(foreground, behind) + 0.05) / (Math.min(foreground, behind) + 0.05);
      const size = Number.parseFloat(style.fontSize);
      const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
      if (ratio < (large ? 3 : 4.5)) failures.push(`${node.textContent?.trim().slice(0, 40)} (${ratio.toFixed(2)}:1)`);
    }
    return failures;
  });
}

/** Whether the page is wider than the window: a phone would have to scroll sideways. */
export function overflowsHorizontally(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
}
