import { describe, expect, test } from "vitest";
import { curlCommand } from "./curl.ts";
import { toCsv, toNdjson } from "./export.ts";

describe("exports", () => {
  const events = [
    {
      type: "bounce",
      timestamp: "2024-06-01T00:00:00.000Z",
      event_id: "1",
      reason: 'say "no", twice',
      rcpt_meta: { a: 1 },
    },
    { type: "delivery", timestamp: "2024-06-01T00:00:01.000Z", event_id: "2", queue_time: "12" },
  ];

  test("CSV has one column per field seen, the main ones first, quoted where RFC 4180 asks", () => {
    expect(toCsv(events)).toBe(
      "timestamp,type,event_id,reason,rcpt_meta,queue_time\r\n" +
        '2024-06-01T00:00:00.000Z,bounce,1,"say ""no"", twice","{""a"":1}",\r\n' +
        "2024-06-01T00:00:01.000Z,delivery,2,,,12\r\n",
    );
  });

  test("NDJSON has one event per line, as the API returned it", () => {
    expect(
      toNdjson(events)
        .split("\n")
        .slice(0, -1)
        .map((line) => JSON.parse(line)),
    ).toEqual(events);
  });

  test("the curl command reads the key from the environment and quotes the URL for a shell", () => {
    expect(curlCommand("http://127.0.0.1:3000", "/api/v1/events/message?subjects=it's")).toBe(
      `curl -sS -H "Authorization: $MSGEVENTS_API_KEY" 'http://127.0.0.1:3000/api/v1/events/message?subjects=it'\\''s'`,
    );
  });
});
