import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { createSink, type OutputFormat } from "./output.ts";

async function render(format: OutputFormat, pages: Record<string, unknown>[][]): Promise<string> {
  const out = new PassThrough();
  let text = "";
  out.on("data", (chunk: Buffer) => {
    text += chunk.toString();
  });
  const sink = createSink(format, out, ["type", "rcpt_meta"]);
  for (const page of pages) await sink.write(page);
  await sink.end();
  return text;
}

const pages = [[{ type: "delivery", rcpt_meta: { plan: "pro" } }], [{ type: "bounce, hard" }]];

describe("output formats written page by page", () => {
  it("JSON is one array across pages, and [] when empty", async () => {
    expect(JSON.parse(await render("json", pages))).toEqual([pages[0]?.[0], pages[1]?.[0]]);
    expect(JSON.parse(await render("json", []))).toEqual([]);
  });

  it("NDJSON is one event per line", async () => {
    expect(
      (await render("ndjson", pages))
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line)),
    ).toEqual(pages.flat());
  });

  it("CSV has one header, quotes commas and renders objects as JSON", async () => {
    expect(await render("csv", pages)).toBe('type,rcpt_meta\ndelivery,"{""plan"":""pro""}"\n"bounce, hard",\n');
    expect(await render("csv", [])).toBe("type,rcpt_meta\n");
  });

  it("a table shows the columns and values", async () => {
    const table = await render("table", pages);
    expect(table).toContain("rcpt_meta");
    expect(table).toContain("bounce, hard");
  });
});
