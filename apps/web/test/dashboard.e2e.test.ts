import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { searchEvents } from "../../local/test/clients.ts";
import { makeDataRoot, type StackProcess, startStackProcess } from "../../local/test/stack-process.ts";
import {
  type AppSession,
  LAPTOP,
  launchChromium,
  lowContrastText,
  openApp,
  overflowsHorizontally,
  PHONE,
  screenshot,
  signIn,
} from "./browser.ts";
import { postTraffic, TRAFFIC } from "./traffic.ts";

const METRICS = "/api/v1/metrics/deliverability";
const SEARCH = "/api/v1/events/message";
/** The dashboard's custom range over the generated traffic, and the same window in the Metrics API's terms. */
const DASHBOARD = `/#/?first=${TRAFFIC.first}&last=${TRAFFIC.last}`;
const WINDOW = `from=${TRAFFIC.first}T00:00&to=${TRAFFIC.last}T23:59&precision=day`;
const VOLUME = ["count_injected", "count_delivered", "count_bounce", "count_delayed", "count_rejected"];
const ENGAGEMENT = ["count_rendered", "count_clicked", "count_spam_complaint"];

type Row = Record<string, number | string>;

describe("the dashboard, in Chromium against a running local stack", () => {
  let dataRoot: string;
  let stack: StackProcess;
  let apiKey: string;
  let browser: Browser;
  let app: AppSession;

  const metrics = async (route: string, query: string): Promise<Row[]> => {
    const response = await fetch(`${stack.url}${METRICS}${route}?${WINDOW}&${query}`, {
      headers: { authorization: apiKey },
    });
    if (response.status !== 200) throw new Error(`${route} answered ${response.status}: ${await response.text()}`);
    return ((await response.json()) as { results: Row[] }).results;
  };

  beforeAll(async () => {
    dataRoot = await makeDataRoot("msgevents-web-dashboard-");
    stack = await startStackProcess(path.join(dataRoot, "data"));
    apiKey = stack.credentials.MSGEVENTS_API_KEY ?? "";
    await postTraffic(stack);
    browser = await launchChromium();
    app = await openApp(browser, stack.url, LAPTOP);
    await app.page.goto(`${stack.url}${DASHBOARD}`);
    await signIn(app.page, apiKey);
    await app.page.getByText("Numbers behind the chart").click();
  });
  afterAll(async () => {
    await browser?.close();
    if (stack) expect(await stack.terminate()).toBe(true);
    await import("node:fs/promises").then(({ rm }) => rm(dataRoot, { recursive: true, force: true }));
  });

  test("charts each day's volume of every event kind exactly as the Metrics API counts it", async () => {
    const series = await metrics("/time-series", `metrics=${[...VOLUME, ...ENGAGEMENT].join(",")}`);
    expect(series.map((row) => String(row.ts).slice(0, 10))).toEqual([TRAFFIC.first, TRAFFIC.last]);
    expect(series.reduce((sum, row) => sum + Number(row.count_delivered), 0)).toBeGreaterThan(100);
    await app.page.locator(".volume-table tbody tr").first().waitFor();
    const shown = await app.page.locator(".volume-table tbody tr").evaluateAll((rows) =>
      rows.map((row) => ({
        ts: row.getAttribute("data-ts"),
        ...Object.fromEntries(
          [...row.querySelectorAll("td[data-metric]")].map((cell) => [
            cell.getAttribute("data-metric"),
            Number(cell.textContent?.replaceAll(",", "")),
          ]),
        ),
      })),
    );
    expect(shown).toEqual(series.map((row) => ({ ...row, ts: row.ts })));
    expect(await app.page.locator(".volume-chart canvas").count()).toBe(1);
  });

  test("shows the key rates as SparkPost's app computes them from the summary", async () => {
    const [summary = {}] = await metrics(
      "",
      "metrics=count_sent,count_delivered,count_bounce,count_accepted,count_unique_confirmed_opened,count_unique_clicked,count_spam_complaint",
    );
    const rate = (numerator: string, denominator: string) =>
      `${((100 * Number(summary[numerator])) / Number(summary[denominator])).toFixed(1)}%`;
    const shownRate = (id: string) => app.page.locator(`[data-rate="${id}"] .rate-value`).textContent();
    expect(await shownRate("delivered")).toBe(rate("count_delivered", "count_sent"));
    expect(await shownRate("bounce")).toBe(rate("count_bounce", "count_sent"));
    expect(await shownRate("open")).toBe(rate("count_unique_confirmed_opened", "count_accepted"));
    expect(await shownRate("click")).toBe(rate("count_unique_clicked", "count_accepted"));
    expect(await shownRate("complaint")).toBe(rate("count_spam_complaint", "count_accepted"));
  });

  test("lists the top bounce reasons and recipient domains as the Metrics API ranks them", async () => {
    const reasons = await metrics("/bounce-reason", "metrics=count_bounce&limit=10");
    expect(reasons.length).toBeGreaterThan(1);
    expect(await app.page.locator(".bounce-reasons tbody td:first-child").allTextContents()).toEqual(
      reasons.map((row) => row.reason),
    );
    const domains = await metrics("/domain", "metrics=count_targeted&limit=10&order_by=count_targeted");
    expect(await app.page.locator(".domains tbody th").allTextContents()).toEqual(domains.map((row) => row.domain));
    expect(await app.page.locator('.domains tbody td[data-metric="count_targeted"]').allTextContents()).toEqual(
      domains.map((row) => String(row.count_targeted)),
    );
    await screenshot(app.page, "dashboard-laptop");
  });

  test("drills from a day's number in the table into a search for exactly those events", async () => {
    const [day = {}] = await metrics("/time-series", "metrics=count_bounce");
    await app.page.getByRole("link", { name: `Bounced on ${TRAFFIC.first}` }).click();
    await expectSearchTotal(app.page, Number(day.count_bounce));
    expect(decodeURIComponent(app.page.url())).toContain(`from=${TRAFFIC.from}&to=2024-06-02T00:00:00Z`);
    await app.page.goBack();
  });

  test("drills from a bounce reason into a search for exactly those bounces", async () => {
    const [top = {}] = await metrics("/bounce-reason", "metrics=count_bounce&limit=1");
    // The same reason can head rows of several classes: the first row is the top one.
    await app.page
      .getByRole("link", { name: String(top.reason), exact: true })
      .first()
      .click();
    await expectSearchTotal(app.page, Number(top.count_bounce));
    await app.page.goBack();
  });

  test("drills from a domain's number into a search for that domain's events", async () => {
    const [top = {}] = await metrics(
      "/domain",
      "metrics=count_delivered&limit=1&order_by=count_delivered&domains=gmail.com",
    );
    await app.page.getByRole("link", { name: "Delivered at gmail.com" }).click();
    await expectSearchTotal(app.page, Number(top.count_delivered));
    await app.page.goBack();
  });

  test("drills from a click on the chart into the day under the cursor, for the series shown", async () => {
    const [, second = {}] = await metrics("/time-series", "metrics=count_delivered");
    const chart = app.page.locator(".volume-chart");
    await chart.waitFor();
    // Hide every series but Delivered in the chart's legend, then click near the second (last) day.
    for (const label of ["Injected", "Bounced", "Delayed", "Rejected", "Opened", "Clicked", "Spam complaints"]) {
      await chart.locator(".u-legend .u-series", { hasText: label }).locator("th").click();
    }
    const over = chart.locator(".u-over");
    const box = await over.boundingBox();
    if (!box) throw new Error("the chart has no plot area");
    await over.hover({ position: { x: box.width - 2, y: box.height / 2 } });
    await over.click({ position: { x: box.width - 2, y: box.height / 2 } });
    await expectSearchTotal(app.page, Number(second.count_delivered));
    expect(decodeURIComponent(app.page.url())).toContain(
      "events=delivery&from=2024-06-02T00:00:00Z&to=2024-06-03T00:00:00Z",
    );
    await app.page.goBack();
  });

  test("is readable (contrast) and made no request outside the stack, nor any console error", async () => {
    await app.page.locator(".rates").waitFor();
    expect(await lowContrastText(app.page)).toEqual([]);
    expect(app.foreignRequests).toEqual([]);
    expect(app.pageErrors).toEqual([]);
  });

  test("fits a phone's width", async () => {
    const phone = await openApp(browser, stack.url, PHONE);
    await phone.page.goto(`${stack.url}${DASHBOARD}`);
    await signIn(phone.page, apiKey);
    await phone.page.locator(".bounce-reasons").waitFor();
    expect(await overflowsHorizontally(phone.page)).toBe(false);
    await screenshot(phone.page, "dashboard-phone");
    expect(phone.foreignRequests).toEqual([]);
    await phone.context.close();
  });

  /** The search the drill-down opened shows `total` events, and the Events API agrees for the same query. */
  async function expectSearchTotal(page: Page, total: number): Promise<void> {
    expect(total).toBeGreaterThan(0);
    await expect
      .poll(() => page.getByTestId("result-summary").textContent())
      .toMatch(new RegExp(` of ${total} events `));
    const query = new URLSearchParams(new URL(page.url()).hash.replace(/^#\/search\?/, ""));
    const api = new URLSearchParams({ from: query.get("from") ?? "", to: query.get("to") ?? "", per_page: "1" });
    for (const param of ["events", "reasons", "bounce_classes", "recipient_domains"]) {
      const values = query.getAll(param);
      if (values.length > 0) api.set(param, values.join("|"));
    }
    api.set("delimiter", "|");
    expect((await searchEvents(stack.url, apiKey, `${SEARCH}?${api}`)).total_count).toBe(total);
  }
});
