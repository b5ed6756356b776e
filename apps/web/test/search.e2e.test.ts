import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { promisify } from "node:util";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type EventsPage, searchEvents, walkAllPages } from "../../local/test/clients.ts";
import type { StackProcess } from "../../local/test/stack-process.ts";
import {
  type AppSession,
  LAPTOP,
  lowContrastText,
  openApp,
  overflowsHorizontally,
  PHONE,
  screenshot,
  signIn,
} from "./browser.ts";
import { postTraffic, TRAFFIC } from "./traffic.ts";
import { startWebSession, type WebTestSession } from "./web-session.ts";

const SEARCH = "/api/v1/events/message";
const run = promisify(execFile);

describe("the search page, in Chromium against a running local stack", () => {
  let web: WebTestSession | undefined;
  let stack: StackProcess;
  let apiKey: string;
  let browser: Browser;
  let app: AppSession;
  /** The search the tests run through the form: bounces and deliveries over the generated traffic, 25 a page. */
  let apiQuery: string;

  beforeAll(async () => {
    web = await startWebSession("search");
    ({ stack, apiKey, browser, app } = web);
    await postTraffic(stack);
    apiQuery = `from=${TRAFFIC.from}&to=${TRAFFIC.to}&per_page=25&events=bounce,delivery`;
  });
  afterAll(async () => {
    if (web) expect(await web.close()).toBe(true);
  });

  test("asks for the API key, refuses a wrong one, and keeps the right one for the browser session only", async () => {
    const { page } = app;
    const response = await page.goto(`${stack.url}/#/search?range=custom&from=${TRAFFIC.from}&to=${TRAFFIC.to}`);
    expect(response?.headers()["content-security-policy"]).toContain("default-src 'self'");
    await signIn(page, "not-the-key");
    await expect.poll(() => page.getByText("That key was refused").isVisible()).toBe(true);
    await signIn(page, apiKey);
    await expect.poll(() => page.getByTestId("result-summary").textContent()).toContain("events");
    expect(await page.evaluate(() => ({ session: Object.values(sessionStorage), local: localStorage.length }))).toEqual(
      {
        session: [apiKey],
        local: 0,
      },
    );
  });

  test("shows a search given by its address as a summary, its results in view, and the form on request", async () => {
    const { page } = app;
    await page.goto(
      `${stack.url}/#/search?events=bounce&reasons=mailbox&range=custom&from=${TRAFFIC.from}&to=${TRAFFIC.to}`,
    );
    await expect.poll(() => page.getByTestId("result-summary").textContent()).toContain("events");
    expect(await page.getByTestId("search-summary").locator("dd").allTextContents()).toEqual([
      `${TRAFFIC.from.replace("T", " ")} to ${TRAFFIC.to.replace("T", " ")} (UTC)`,
      "bounce",
      "mailbox",
    ]);
    expect(await page.locator("#search-form").count()).toBe(0);
    const results = await page.locator(".results tbody tr").first().boundingBox();
    expect(results && results.y + results.height).toBeLessThan(LAPTOP.height);
    await page.getByRole("button", { name: "Edit search" }).click();
    expect(await page.getByRole("form", { name: "Search events" }).isVisible()).toBe(true);
    expect(await page.getByText("Event types (1 selected)").isVisible()).toBe(true);
    expect(await page.getByLabel("Reasons", { exact: true }).isVisible()).toBe(true);

    // The next test builds its search from an unfiltered form.
    await page.goto(`${stack.url}/#/search?range=custom&from=${TRAFFIC.from}&to=${TRAFFIC.to}`);
    await page.getByRole("button", { name: "Edit search" }).click();
  });

  test("runs a search built in the form and shows the Events API's total", async () => {
    const { page } = app;
    await page.getByLabel("Custom (UTC)").check();
    await page.getByLabel("From (UTC)").fill(`${TRAFFIC.from.slice(0, 16)}`);
    await page.getByLabel("To (UTC)").fill(`${TRAFFIC.to.slice(0, 16)}`);
    await page.getByText("Event types").click();
    await page.getByRole("checkbox", { name: "bounce", exact: true }).check();
    await page.getByRole("checkbox", { name: "delivery", exact: true }).check();
    await page.getByLabel("Per page").selectOption("25");
    await page.getByRole("button", { name: "Search", exact: true }).click();

    const expected = await searchEvents(stack.url, apiKey, `${SEARCH}?${apiQuery}`);
    expect(expected.total_count).toBeGreaterThan(50);
    await expect
      .poll(() => page.getByTestId("result-summary").textContent())
      .toBe(`Showing 1–25 of ${expected.total_count} events (page 1)`);
    expect(page.url()).toContain("events=bounce&events=delivery");
    expect(await shownEventIds()).toEqual(expected.results.map((event) => event.event_id));
  });

  test("pages forward along the Events API's cursor and back again", async () => {
    const { page } = app;
    const first = await searchEvents(stack.url, apiKey, `${SEARCH}?${apiQuery}`);
    const second = await searchEvents(stack.url, apiKey, first.links.next ?? "");
    await page.getByRole("button", { name: "Next page" }).click();
    await expect.poll(() => page.getByTestId("result-summary").textContent()).toContain("(page 2)");
    expect(await shownEventIds()).toEqual(second.results.map((event) => event.event_id));
    await page.getByRole("button", { name: "Previous page" }).click();
    await expect.poll(() => page.getByTestId("result-summary").textContent()).toContain("(page 1)");
    expect(await shownEventIds()).toEqual(first.results.map((event) => event.event_id));
  });

  test("expands a row, by keyboard, to the whole event as the API returned it", async () => {
    const { page } = app;
    const first = (await searchEvents(stack.url, apiKey, `${SEARCH}?${apiQuery}`)).results[0] ?? {};
    const expander = page.getByRole("button", { name: `Show event ${first.event_id}` });
    await expander.focus();
    await page.keyboard.press("Enter");
    const shown = page.getByRole("button", { name: `Hide event ${first.event_id}` });
    expect(await shown.getAttribute("aria-expanded")).toBe("true");
    const detail = page.locator(`[id="${await shown.getAttribute("aria-controls")}"] pre`);
    expect(JSON.parse((await detail.textContent()) ?? "")).toEqual(first);
    await screenshot(page, "search-laptop");
    await shown.click();
    expect(await detail.count()).toBe(0);
  });

  test("exports the whole search, every page of it, as CSV and as NDJSON", async () => {
    const { page } = app;
    const all = await walkAllPages(stack.url, apiKey, `${SEARCH}?${apiQuery.replace("per_page=25", "per_page=100")}`);

    const csv = await download("Export CSV");
    const [header, ...rows] = csv.trimEnd().split("\r\n");
    const columns = (header ?? "").split(",");
    expect(columns.slice(0, 3)).toEqual(["timestamp", "type", "event_id"]);
    expect(rows).toHaveLength(all.length);
    expect(rows.map((row) => row.split(",")[2]).sort()).toEqual(all.map((event) => String(event.event_id)).sort());
    expect(await page.getByRole("status").textContent()).toBe(`Exported ${all.length} events as CSV.`);

    const ndjson = await download("Export NDJSON");
    expect(
      ndjson
        .trimEnd()
        .split("\n")
        .map((line) => JSON.parse(line)),
    ).toEqual(all);
  });

  test("copies the search as a curl command that gives the same answer", async () => {
    const { page } = app;
    await page.getByRole("button", { name: "Copy as curl" }).click();
    await expect.poll(() => page.getByRole("status").textContent()).toContain("Copied the curl command");
    const command = await page.evaluate(() => navigator.clipboard.readText());
    expect(command).not.toContain(apiKey);
    const { stdout } = await run("sh", ["-c", command], { env: { ...process.env, MSGEVENTS_API_KEY: apiKey } });
    const answer = JSON.parse(stdout) as EventsPage;
    expect(answer.results).toEqual((await searchEvents(stack.url, apiKey, `${SEARCH}?${apiQuery}`)).results);
  });

  test("opens the timeline of an expanded event's message, and of its recipient", async () => {
    const { page } = app;
    const first = (await searchEvents(stack.url, apiKey, `${SEARCH}?${apiQuery}`)).results[0] ?? {};
    await page.getByRole("button", { name: `Show event ${first.event_id}` }).click();
    const related = page.getByRole("navigation", { name: `Related to event ${first.event_id}` });
    await related.getByRole("link", { name: "This message's events" }).click();
    await expect
      .poll(() => page.getByRole("heading", { level: 1 }).textContent())
      .toBe(`Timeline of message ${first.message_id}`);
    const window = new URLSearchParams(new URL(page.url()).hash.replace(/^#\/search\?/, ""));
    const ofMessage = await searchEvents(
      stack.url,
      apiKey,
      `${SEARCH}?from=${window.get("from")}&to=${window.get("to")}&messages=${first.message_id}`,
    );
    expect(ofMessage.total_count).toBeGreaterThan(1);
    await expect
      .poll(() => page.getByTestId("result-summary").textContent())
      .toBe(`Showing 1–${ofMessage.total_count} of ${ofMessage.total_count} events (page 1)`);
    expect(await shownEventIds()).toEqual(ofMessage.results.map((event) => event.event_id));
    expect(await page.locator(".results.timeline").count()).toBe(1);
    expect(await lowContrastText(page)).toEqual([]);
    await screenshot(page, "search-timeline-laptop");
    await page.goBack();

    await page.getByRole("button", { name: `Show event ${first.event_id}` }).click();
    await page
      .getByRole("navigation", { name: `Related to event ${first.event_id}` })
      .getByRole("link", { name: "This recipient's events" })
      .click();
    await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe(`Timeline of ${first.rcpt_to}`);
    const ofRecipient = await searchEvents(
      stack.url,
      apiKey,
      `${SEARCH}?from=${window.get("from")}&to=${window.get("to")}&recipients=${encodeURIComponent(String(first.rcpt_to))}`,
    );
    await expect
      .poll(() => page.getByTestId("result-summary").textContent())
      .toContain(` of ${ofRecipient.total_count} events`);
    await page.goBack();
  });

  test("takes filter values as a list: Enter adds one, the remove button and Backspace take one away", async () => {
    const { page } = app;
    await page.getByRole("button", { name: "Edit search" }).click();
    await page.getByText("Filters").click();
    const campaigns = page.getByLabel("Campaigns", { exact: true });
    const values = page.getByRole("list", { name: "Campaigns: selected values" });
    await campaigns.fill("spring-sale");
    await campaigns.press("Enter");
    await campaigns.fill("welcome, again");
    await campaigns.press("Enter");
    expect(await values.getByRole("listitem").allTextContents()).toEqual(["spring-sale×", "welcome, again×"]);
    await page.getByRole("button", { name: "Remove spring-sale from Campaigns" }).click();
    expect(await values.getByRole("listitem").allTextContents()).toEqual(["welcome, again×"]);
    await campaigns.press("Backspace");
    expect(await values.count()).toBe(0);
  });

  test("searches by a filter value holding the list delimiter", async () => {
    const { page } = app;
    const reason = "MAIL REFUSED - IP (a.b.c.d) is in black list";
    const query = new URLSearchParams({ range: "custom", from: "2016-01-01T00:00:00Z", to: "2017-01-01T00:00:00Z" });
    query.append("reasons", reason);
    query.append("reasons", "no such, reason");
    await page.goto(`${stack.url}/#/search?${query}`);
    const expected = await searchEvents(
      stack.url,
      apiKey,
      `${SEARCH}?from=2016-01-01T00:00:00Z&to=2017-01-01T00:00:00Z&reasons=${encodeURIComponent(reason)}`,
    );
    expect(expected.total_count).toBeGreaterThan(0);
    await expect
      .poll(() => page.getByTestId("result-summary").textContent())
      .toBe(`Showing 1–${expected.total_count} of ${expected.total_count} events (page 1)`);
  });

  test("is readable (contrast) and made no request outside the stack, nor any console error", async () => {
    expect(await lowContrastText(app.page)).toEqual([]);
    expect(app.foreignRequests).toEqual([]);
    expect(app.pageErrors.filter((error) => !error.includes("401"))).toEqual([]);
  });

  test("signs in from the URL msgevents open hands over, and removes the key from the address bar at once", async () => {
    const { signedInUrl } = await import("../../cli/src/open-web-app.ts");
    const url = signedInUrl({ url: stack.url, apiKey, webhook: {}, dataDir: stack.dataDir, local: true });
    const fresh = await openApp(browser, stack.url, LAPTOP);
    await fresh.page.goto(url);
    await expect.poll(() => fresh.page.getByRole("link", { name: "Dashboard" }).isVisible()).toBe(true);
    expect(fresh.page.url()).toBe(`${stack.url}/#/`);
    expect(await fresh.page.evaluate(() => Object.values(sessionStorage))).toEqual([apiKey]);
    expect(fresh.foreignRequests).toEqual([]);
    await fresh.context.close();
  });

  test("shows each result as a card on a phone, within its width", async () => {
    const phone = await openApp(browser, stack.url, PHONE);
    await phone.page.goto(`${stack.url}/#/search?range=custom&from=${TRAFFIC.from}&to=${TRAFFIC.to}&per_page=25`);
    await signIn(phone.page, apiKey);
    await expect.poll(() => phone.page.getByTestId("result-summary").textContent()).toContain("events");
    // A card: the fields one under another, each named, instead of columns side by side.
    const row = phone.page.locator(".results tbody tr").first();
    const [time, recipient] = await Promise.all([
      row.locator("td.cell-time").boundingBox(),
      row.locator('td[data-label="Recipient"]').boundingBox(),
    ]);
    expect(recipient && time && recipient.y).toBeGreaterThan((time?.y ?? 0) + (time?.height ?? 0) - 1);
    expect(recipient?.width).toBeGreaterThan(PHONE.width / 2);
    expect(await phone.page.locator(".results thead").boundingBox()).toMatchObject({ width: 1, height: 1 });
    expect(await overflowsHorizontally(phone.page)).toBe(false);
    await phone.page
      .getByRole("button", { name: /^Show event/ })
      .first()
      .click();
    expect(await overflowsHorizontally(phone.page)).toBe(false);
    await screenshot(phone.page, "search-phone");
    await phone.page.getByRole("link", { name: "This message's events" }).click();
    await expect
      .poll(() => phone.page.getByRole("heading", { level: 1 }).textContent())
      .toMatch(/^Timeline of message/);
    await expect.poll(() => phone.page.getByTestId("result-summary").textContent()).toContain("events");
    expect(await overflowsHorizontally(phone.page)).toBe(false);
    await screenshot(phone.page, "search-timeline-phone");
    expect(phone.foreignRequests).toEqual([]);
    await phone.context.close();
  });

  async function shownEventIds(): Promise<string[]> {
    const labels = await app.page.getByRole("button", { name: /^(Show|Hide) event / }).all();
    return Promise.all(
      labels.map(async (button) =>
        ((await button.getAttribute("aria-label")) ?? "").replace(/^(Show|Hide) event /, ""),
      ),
    );
  }

  async function download(button: string): Promise<string> {
    const [file] = await Promise.all([
      app.page.waitForEvent("download"),
      app.page.getByRole("button", { name: button }).click(),
    ]);
    return readFile((await file.path()) ?? "", "utf8");
  }
});
