import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { searchEvents } from "../../local/test/clients.ts";
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

const METRICS = "/api/v1/metrics/deliverability";
const SEARCH = "/api/v1/events/message";
/** The dashboard's custom range over the generated traffic, and the same window in the Metrics API's terms. */
const DASHBOARD = `/#/?first=${TRAFFIC.first}&last=${TRAFFIC.last}`;
const WINDOW = `from=${TRAFFIC.first}T00:00&to=${TRAFFIC.last}T23:59&precision=day`;
const COUNTS = ["count_injected", "count_delivered", "count_bounce", "count_delayed", "count_rejected"];
const ENGAGEMENT = ["count_rendered", "count_clicked", "count_spam_complaint"];

type Row = Record<string, number | string>;

const rate = (numerator: unknown, denominator: unknown) =>
  Number(denominator) <= 0 ? "0.0%" : `${((100 * Number(numerator)) / Number(denominator)).toFixed(1)}%`;
const count = (value: unknown) => Number(value).toLocaleString("en-US");
/** A rate as the dashboard sorts by it: 0 when there is nothing to divide by. */
const rateValue = (row: Row, numerator: string, denominator: string) =>
  Number(row[denominator]) <= 0 ? 0 : Number(row[numerator]) / Number(row[denominator]);

describe("the dashboard, in Chromium against a running local stack", () => {
  let web: WebTestSession | undefined;
  let stack: StackProcess;
  let apiKey: string;
  let browser: Browser;
  let app: AppSession;

  const metrics = async (route: string, query: string, window = WINDOW): Promise<Row[]> => {
    const response = await fetch(`${stack.url}${METRICS}${route}?${window}&${query}`, {
      headers: { authorization: apiKey },
    });
    if (response.status !== 200) throw new Error(`${route} answered ${response.status}: ${await response.text()}`);
    return ((await response.json()) as { results: Row[] }).results;
  };
  const page = () => app.page;
  const open = async (hash: string) => {
    await page().goto(`${stack.url}/#/${hash}`);
    await page().locator(".rates").waitFor();
  };
  const texts = (selector: string) => page().locator(selector).allTextContents();
  /** Each test starts from the dashboard of the generated traffic, whatever the one before left on screen. */
  const main = () => open(DASHBOARD.slice(3));

  beforeAll(async () => {
    web = await startWebSession("dashboard");
    ({ stack, apiKey, browser, app } = web);
    await postTraffic(stack);
    await app.page.goto(`${stack.url}${DASHBOARD}`);
    await signIn(app.page, apiKey);
    await app.page.locator(".rates").waitFor();
  });
  afterAll(async () => {
    if (web) expect(await web.close()).toBe(true);
  });

  test("charts the picked metrics per day exactly as the Metrics API counts them, rates beside the counts", async () => {
    await page().getByText("Numbers behind the chart").click();
    const series = await metrics(
      "/time-series",
      `metrics=${[...COUNTS, ...ENGAGEMENT, "count_sent", "count_accepted", "count_unique_confirmed_opened"].join(",")}`,
    );
    expect(series.map((row) => String(row.ts).slice(0, 10))).toEqual([TRAFFIC.first, TRAFFIC.last]);
    expect(series.reduce((sum, row) => sum + Number(row.count_delivered), 0)).toBeGreaterThan(100);
    await page().locator(".volume-table tbody tr").first().waitFor();
    const shown = await page()
      .locator(".volume-table tbody tr")
      .evaluateAll((rows) =>
        rows.map((row) => ({
          ts: row.getAttribute("data-ts"),
          ...Object.fromEntries(
            [...row.querySelectorAll("td[data-metric]")].map((cell) => [
              cell.getAttribute("data-metric"),
              cell.textContent,
            ]),
          ),
        })),
      );
    expect(shown).toEqual(
      series.map((row) => ({
        ts: row.ts,
        ...Object.fromEntries([...COUNTS, ...ENGAGEMENT].map((metric) => [metric, count(row[metric])])),
        bounce_rate: rate(row.count_bounce, row.count_sent),
        open_rate: rate(row.count_unique_confirmed_opened, row.count_accepted),
      })),
    );
    expect(await page().locator(".volume-chart canvas").count()).toBe(1);
    expect(await texts(".volume-chart .u-legend .u-series th")).toEqual(
      expect.arrayContaining(["Bounce rate", "Open rate"]),
    );
  });

  test("adds a metric picked for the chart to the chart, its table and the address", async () => {
    await main();
    await page().getByText("Chart metrics").click();
    await page().getByRole("checkbox", { name: "Hard bounce rate" }).check();
    await expect.poll(() => page().url()).toContain("chart=hard_bounce_rate");
    const series = await metrics("/time-series", "metrics=count_hard_bounce,count_sent");
    await page().getByText("Numbers behind the chart").click();
    await expect
      .poll(() => texts('.volume-table tbody td[data-metric="hard_bounce_rate"]'))
      .toEqual(series.map((row) => rate(row.count_hard_bounce, row.count_sent)));
  });

  test("shows the key rates as SparkPost's app computes them, each beside the previous period", async () => {
    await main();
    const [summary = {}] = await metrics(
      "",
      "metrics=count_sent,count_delivered,count_bounce,count_hard_bounce,count_accepted,count_unique_confirmed_opened,count_unique_clicked,count_spam_complaint",
    );
    const shownRate = (id: string) => page().locator(`[data-rate="${id}"] .rate-value`).textContent();
    expect(await shownRate("delivered_rate")).toBe(rate(summary.count_delivered, summary.count_sent));
    expect(await shownRate("bounce_rate")).toBe(rate(summary.count_bounce, summary.count_sent));
    expect(await shownRate("hard_bounce_rate")).toBe(rate(summary.count_hard_bounce, summary.count_sent));
    expect(await shownRate("open_rate")).toBe(rate(summary.count_unique_confirmed_opened, summary.count_accepted));
    expect(await shownRate("click_rate")).toBe(rate(summary.count_unique_clicked, summary.count_accepted));
    expect(await shownRate("complaint_rate")).toBe(rate(summary.count_spam_complaint, summary.count_accepted));
    // The two days before hold no mail.
    expect(await page().locator('[data-rate="delivered_rate"] [data-testid="rate-change"]').textContent()).toBe(
      "Previous period: no sent messages",
    );
    // Every rate but the delivered rate can pass 100 % by SparkPost's definition: each says so.
    expect(await page().locator(".rate .note-mark").count()).toBe(5);
    expect(await page().locator('[data-rate="delivered_rate"] .note-mark').count()).toBe(0);
    expect(await page().locator("#rates-note").textContent()).toContain("lets this rate pass 100 %");

    // The second day against the first.
    await open("?from=2024-06-02T00:00&to=2024-06-03T00:00&precision=day");
    const day = async (first: string) =>
      (
        await metrics("", "metrics=count_delivered,count_sent,count_bounce", `from=${first}&to=${first}&precision=day`)
      )[0] ?? {};
    const [second, first] = [await day("2024-06-02T00:00"), await day("2024-06-01T00:00")];
    const change = (now: Row, before: Row, numerator: string) => {
      const points =
        Math.round(
          ((100 * Number(now[numerator])) / Number(now.count_sent) -
            (100 * Number(before[numerator])) / Number(before.count_sent)) *
            10,
        ) / 10;
      return points === 0 ? "no change" : `${points > 0 ? "+" : "−"}${Math.abs(points).toFixed(1)} pt`;
    };
    await expect
      .poll(() => page().locator('[data-rate="bounce_rate"] [data-testid="rate-change"]').textContent())
      .toContain(`Previous period ${rate(first.count_bounce, first.count_sent)}: `);
    expect(await page().locator('[data-rate="bounce_rate"] [data-testid="rate-change"]').textContent()).toContain(
      change(second, first, "count_bounce"),
    );
    expect(await page().locator('[data-rate="delivered_rate"] [data-testid="rate-change"]').textContent()).toContain(
      change(second, first, "count_delivered"),
    );
    await screenshot(page(), "dashboard-comparison-laptop");
  });

  test("shows the bounce categories and the top bounce, delay and rejection reasons as the Metrics API ranks them", async () => {
    await main();
    const [summary = {}] = await metrics(
      "",
      "metrics=count_bounce,count_hard_bounce,count_soft_bounce,count_block_bounce,count_undetermined_bounce,count_admin_bounce",
    );
    for (const metric of [
      "count_hard_bounce",
      "count_soft_bounce",
      "count_block_bounce",
      "count_undetermined_bounce",
      "count_admin_bounce",
    ]) {
      expect(await page().locator(`.bounce-categories td[data-metric="${metric}"]`).textContent(), metric).toBe(
        count(summary[metric]),
      );
    }
    expect(await page().locator('.bounce-categories tfoot td[data-metric="count_bounce"]').textContent()).toBe(
      count(summary.count_bounce),
    );
    const bounces = await metrics("/bounce-reason", "metrics=count_bounce&limit=10");
    expect(bounces.length).toBeGreaterThan(1);
    expect(await texts(".bounce-reasons tbody td:first-child")).toEqual(bounces.map((row) => row.reason));
    const delays = await metrics("/delay-reason", "limit=10");
    expect(delays.length).toBeGreaterThan(1);
    expect(await texts(".delay-reasons tbody td:first-child")).toEqual(delays.map((row) => row.reason));
    expect(await texts(".delay-reasons tbody td:nth-child(2)")).toEqual(delays.map((row) => count(row.count_delayed)));
    const rejections = await metrics("/rejection-reason", "limit=10");
    expect(rejections.length).toBeGreaterThan(0);
    expect(await texts(".rejection-reasons tbody tr")).toEqual(
      rejections.map((row) => `${row.reason}${row.rejection_type}${count(row.count_rejected)}`),
    );
    await screenshot(page(), "dashboard-laptop");
  });

  test("breaks counts and rates down by each dimension, sorts by any column, and drills from a row into the dashboard", async () => {
    await main();
    const columns =
      "metrics=count_targeted,count_delivered,count_sent,count_bounce,count_accepted,count_unique_confirmed_opened,count_unique_clicked,count_spam_complaint&limit=100&order_by=count_targeted";
    const domains = await metrics("/domain", columns);
    const names = () => texts(".breakdown tbody th");
    expect(await names()).toEqual(domains.slice(0, 20).map((row) => String(row.domain)));
    expect(await texts('.breakdown tbody td[data-metric="bounce_rate"]')).toEqual(
      domains.slice(0, 20).map((row) => rate(row.count_bounce, row.count_sent)),
    );
    await page().getByRole("button", { name: "Sort by open rate" }).click();
    const byOpenRate = [...domains].sort(
      (a, b) =>
        rateValue(b, "count_unique_confirmed_opened", "count_accepted") -
        rateValue(a, "count_unique_confirmed_opened", "count_accepted"),
    );
    await expect
      .poll(() => texts('.breakdown tbody td[data-metric="open_rate"]'))
      .toEqual(byOpenRate.slice(0, 20).map((row) => rate(row.count_unique_confirmed_opened, row.count_accepted)));
    expect(page().url()).toContain("sort=open_rate");

    await page().getByRole("tab", { name: "Campaign" }).click();
    const campaigns = await metrics("/campaign", columns);
    await expect.poll(() => page().locator(".breakdown").getAttribute("data-dimension")).toBe("campaign");
    const sortedCampaigns = [...campaigns].sort(
      (a, b) =>
        rateValue(b, "count_unique_confirmed_opened", "count_accepted") -
        rateValue(a, "count_unique_confirmed_opened", "count_accepted"),
    );
    expect(await names()).toEqual(sortedCampaigns.slice(0, 20).map((row) => String(row.campaign_id)));
    const campaign = String(sortedCampaigns[0]?.campaign_id);
    await screenshot(page(), "dashboard-breakdown-laptop");

    await page()
      .getByRole("link", { name: `Dashboard for campaign ${campaign}` })
      .click();
    await expect.poll(() => decodeURIComponent(page().url())).toContain(`campaigns=${campaign}`);
    const [filtered = {}] = await metrics("", `metrics=count_delivered,count_sent&campaigns=${campaign}`);
    await expect
      .poll(() => page().locator('[data-rate="delivered_rate"] .rate-detail').textContent())
      .toBe(`${count(filtered.count_delivered)} delivered of ${count(filtered.count_sent)} sent`);
    await page()
      .getByRole("button", { name: `Remove filter Campaign ${campaign}` })
      .click();
    await expect.poll(() => page().url()).not.toContain("campaigns=");
  });

  test("narrows every number by the filters given in the form, and keeps them in the address", async () => {
    await main();
    await page().getByText("Filters", { exact: true }).click();
    const form = page().getByRole("form", { name: "Dashboard filters" });
    await form.getByLabel("Recipient domain", { exact: true }).fill("gmail.com");
    await form.getByLabel("Recipient domain", { exact: true }).press("Enter");
    await form.getByLabel("Subaccount", { exact: true }).fill("0");
    await form.getByLabel("Subaccount", { exact: true }).press("Enter");
    await form.getByRole("button", { name: "Apply filters" }).click();
    await expect.poll(() => page().url()).toContain("domains=gmail.com&subaccounts=0");
    const [filtered = {}] = await metrics("", "metrics=count_bounce,count_sent&domains=gmail.com&subaccounts=0");
    const [all = {}] = await metrics("", "metrics=count_sent");
    expect(Number(filtered.count_sent)).toBeLessThan(Number(all.count_sent));
    await expect
      .poll(() => page().locator('[data-rate="bounce_rate"] .rate-detail').textContent())
      .toBe(`${count(filtered.count_bounce)} bounced of ${count(filtered.count_sent)} sent`);
    expect(await texts(".active-filters .chip span")).toEqual([
      "Recipient domain: gmail.com",
      "Subaccount: 0 (primary account)",
    ]);
    await screenshot(page(), "dashboard-filtered-laptop");
  });

  test("cuts hours in the time zone chosen, and days in UTC as SparkPost does", async () => {
    await open("?from=2024-06-01T06:00&to=2024-06-01T18:00&tz=Asia/Kathmandu");
    const window = "from=2024-06-01T06:00&to=2024-06-01T17:59&timezone=Asia/Kathmandu&precision=hour";
    const series = await metrics("/time-series", "metrics=count_delivered", window);
    expect(series).toHaveLength(12);
    await page().getByText("Numbers behind the chart").click();
    expect(
      await page()
        .locator(".volume-table tbody tr")
        .evaluateAll((rows) => rows.map((row) => row.getAttribute("data-ts"))),
    ).toEqual(series.map((row) => row.ts));
    expect(String(series[0]?.ts)).toBe("2024-06-01T06:00:00+05:45");
    expect(await texts('.volume-table tbody td[data-metric="count_delivered"]')).toEqual(
      series.map((row) => count(row.count_delivered)),
    );
    // Days are UTC days whatever the zone; hours are the zone's again once chosen.
    await open("?range=7d&tz=Asia/Kathmandu");
    expect(await page().getByTestId("utc-note").isVisible()).toBe(true);
    await page().getByLabel("Precision").selectOption("hour");
    await expect.poll(() => page().url()).toContain("precision=hour");
    await expect.poll(() => page().getByTestId("utc-note").count()).toBe(0);
  });

  test("refuses an inverted custom range with a message instead of showing another range", async () => {
    await main();
    const before = page().url();
    await page().getByLabel("From (UTC)").fill("2024-06-05T00:00");
    await page().getByLabel("To (UTC)").fill("2024-06-01T00:00");
    await page().getByRole("button", { name: "Show range" }).click();
    expect(await page().getByRole("alert").textContent()).toBe(
      "The range must start before it ends: 2024-06-05 00:00 is not before 2024-06-01 00:00.",
    );
    expect(page().url()).toBe(before);
    await page().goto(`${stack.url}/#/?from=2024-06-05T00:00&to=2024-06-01T00:00`);
    await expect.poll(() => page().getByTestId("range-problem").textContent()).toContain("must start before it ends");
    expect(await lowContrastText(page())).toEqual([]);
    expect(await page().locator(".rates").count()).toBe(0);
  });

  test("drills from a day's number in the table into a search for exactly those events", async () => {
    await main();
    const [day = {}] = await metrics("/time-series", "metrics=count_bounce");
    await page().getByText("Numbers behind the chart").click();
    await page()
      .getByRole("link", { name: `Bounced on ${TRAFFIC.first}` })
      .click();
    await expectSearchTotal(page(), Number(day.count_bounce));
    expect(decodeURIComponent(page().url())).toContain(`from=${TRAFFIC.from}&to=2024-06-02T00:00:00Z`);
    await page().goBack();
  });

  test("drills from a bounce reason and a delay reason into searches for exactly those events", async () => {
    await main();
    const [top = {}] = await metrics("/bounce-reason", "metrics=count_bounce&limit=1");
    // The same reason can head rows of several classes: the first row is the top one.
    await page()
      .locator(".bounce-reasons")
      .getByRole("link", { name: String(top.reason), exact: true })
      .first()
      .click();
    await expectSearchTotal(page(), Number(top.count_bounce));
    await page().goBack();
    const [delay = {}] = await metrics("/delay-reason", "limit=1");
    await page()
      .locator(".delay-reasons")
      .getByRole("link", { name: String(delay.reason), exact: true })
      .click();
    await expectSearchTotal(page(), Number(delay.count_delayed));
    await page().goBack();
  });

  test("drills from a domain's number in the breakdown into a search for that domain's events", async () => {
    await main();
    const [top = {}] = await metrics(
      "/domain",
      "metrics=count_delivered&limit=1&order_by=count_delivered&domains=gmail.com",
    );
    await page().getByRole("link", { name: "Delivered for gmail.com" }).click();
    await expectSearchTotal(page(), Number(top.count_delivered));
    await page().goBack();
  });

  test("drills from a click on the chart into the day under the cursor, for the series shown", async () => {
    await main();
    const [, second = {}] = await metrics("/time-series", "metrics=count_delivered");
    const chart = page().locator(".volume-chart");
    await chart.waitFor();
    // Hide every series but Delivered in the chart's legend, then click near the second (last) day.
    for (const label of [
      "Injected",
      "Bounced",
      "Delayed",
      "Rejected",
      "Opened",
      "Clicked",
      "Spam complaints",
      "Bounce rate",
      "Open rate",
    ]) {
      await chart.locator(".u-legend .u-series", { hasText: label }).locator("th").click();
    }
    const over = chart.locator(".u-over");
    const box = await over.boundingBox();
    if (!box) throw new Error("the chart has no plot area");
    await over.hover({ position: { x: box.width - 2, y: box.height / 2 } });
    await over.click({ position: { x: box.width - 2, y: box.height / 2 } });
    await expectSearchTotal(page(), Number(second.count_delivered));
    expect(decodeURIComponent(page().url())).toContain(
      "events=delivery&from=2024-06-02T00:00:00Z&to=2024-06-03T00:00:00Z",
    );
    await page().goBack();
  });

  test("is readable (contrast) and made no request outside the stack, nor any console error", async () => {
    await main();
    await page().locator(".rates").waitFor();
    expect(await lowContrastText(page())).toEqual([]);
    expect(app.foreignRequests).toEqual([]);
    expect(app.pageErrors).toEqual([]);
  });

  test("marks the hour still in progress instead of drawing it as a fall, and fits a phone's width", async () => {
    for (const [viewport, name] of [
      [PHONE, "phone"],
      [LAPTOP, "laptop"],
    ] as const) {
      const session = await openApp(browser, stack.url, viewport);
      await session.page.goto(`${stack.url}/#/?range=24h&tz=Asia/Kathmandu`);
      await signIn(session.page, apiKey);
      await session.page.locator(".rates").waitFor();
      expect(await session.page.locator("#trend-title ~ .hint").textContent()).toContain(
        "The last hour is still in progress",
      );
      await session.page.getByText("Numbers behind the chart").click();
      const last = session.page.locator(".volume-table tbody tr").last();
      expect(await last.getAttribute("class")).toBe("partial");
      expect(await last.locator("th").textContent()).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:00 \(in progress\)$/);
      expect(await session.page.locator(".volume-table tbody tr").count()).toBe(24);
      expect(await overflowsHorizontally(session.page)).toBe(false);
      expect(await lowContrastText(session.page)).toEqual([]);
      await screenshot(session.page, `dashboard-in-progress-${name}`);
      if (name === "phone") {
        await session.page.goto(`${stack.url}${DASHBOARD}`);
        await session.page.locator(".bounce-reasons").waitFor();
        await session.page.locator(".breakdown").waitFor();
        expect(await overflowsHorizontally(session.page)).toBe(false);
        expect(await lowContrastText(session.page)).toEqual([]);
        await screenshot(session.page, "dashboard-phone");
      }
      expect(session.foreignRequests).toEqual([]);
      expect(session.pageErrors).toEqual([]);
      await session.context.close();
    }
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
