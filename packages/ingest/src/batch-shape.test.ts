import { isUtf8 } from "node:buffer";
import { generateEvents, readSampleText, sampleEventTypes } from "@msgevents/testkit";
import { describe, expect, it } from "vitest";
import { type BatchShape, inspectBatch } from "./batch-shape.ts";

/** What JSON.parse says about a body: the behaviour inspectBatch must reproduce without building the value. */
function reference(body: Uint8Array): BatchShape {
  if (!isUtf8(body)) return { kind: "not-utf8" };
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(body));
  } catch {
    return { kind: "not-json" };
  }
  if (!Array.isArray(value)) return { kind: "not-array" };
  const isObject = (item: unknown) => typeof item === "object" && item !== null && !Array.isArray(item);
  const index = value.findIndex((item) => !isObject(item));
  if (index !== -1) return { kind: "element-not-object", index };
  const pings = value.filter(
    (item) => Object.keys(item).length === 1 && isObject(item.msys) && Object.keys(item.msys).length === 0,
  ).length;
  return { kind: "batch", records: value.length, pings };
}

const bytes = (text: string) => new TextEncoder().encode(text);

describe("inspectBatch", () => {
  it.each([
    "[]",
    " [ ] ",
    '[{"msys":{}}]',
    '[ { "msys" : { } } , {"msys":{"message_event":{"type":"delivery"}}} ]',
    '[{"msys":{}, "cust":{"id":"1"}}]',
    '[{"msys":[]}]',
    '[{"msys":{},"msys":{}}]',
    "[{}]",
    "[{},[]]",
    '[{}, 1, "x"]',
    "[null]",
    "[true,false]",
    "{}",
    '{"a":[1,2]}',
    '"[]"',
    "0",
    "-0",
    "-0.5e-7",
    "1E+5",
    "[1e5, 1.25, -3, 0.0, 10]",
    "01",
    "[01]",
    "-",
    "1.",
    ".5",
    "1e",
    "1e+",
    "+1",
    "[tru]",
    "[nul]",
    "[nulll]",
    "[falsey]",
    '["\\u00e9\\ud83d\\ude00 \\" \\\\ \\/ \\b \\f \\n \\r \\t"]',
    '["\\ud800"]',
    '["\\u12G4"]',
    '["\\x"]',
    '["\\u123"]',
    '["tab\there"]',
    '["line\nbreak"]',
    '["caf\u00e9 \u{1F600}"]',
    "[1,]",
    "[,1]",
    "[1 2]",
    "{,}",
    '{"a" 1}',
    '{"a":}',
    '{"a":1,}',
    "{1:2}",
    '{"a":1 "b":2}',
    "[{}]]",
    "[[{}]",
    "[] []",
    "[{}]garbage",
    "\f[]",
    "\uFEFF[{}]",
    "[\n\t\r ]",
    `${"[".repeat(500)}${"]".repeat(500)}`,
    `[${'{"a":'.repeat(300)}1${"}".repeat(300)}]`,
    "",
    "   ",
    "[",
    '["unterminated',
    '[{"msys":{}}',
  ])("agrees with JSON.parse on %j", (text) => {
    expect(inspectBatch(bytes(text))).toEqual(reference(bytes(text)));
  });

  it("reports bytes that are not UTF-8", () => {
    for (const body of [
      [0x5b, 0xff, 0x5d],
      [0x5b, 0x22, 0xc3, 0x22, 0x5d],
      [0xed, 0xa0, 0x80],
    ]) {
      expect(inspectBatch(new Uint8Array(body))).toEqual({ kind: "not-utf8" });
    }
  });

  it("agrees with JSON.parse on every SparkPost sample and on generated batches", () => {
    const bodies = [
      ...sampleEventTypes.map((name) => `[${readSampleText(name)}]`),
      readSampleText("batch-all-types"),
      readSampleText("ping"),
      JSON.stringify(generateEvents(350, { seed: 1 })),
      JSON.stringify(generateEvents(50, { seed: 2 }), null, 2),
    ];
    for (const body of bodies) {
      const shape = inspectBatch(bytes(body));
      expect(shape).toEqual(reference(bytes(body)));
      expect(shape.kind).toBe("batch");
    }
  });

  it("agrees with JSON.parse on thousands of randomly damaged batches", () => {
    let state = 12345;
    const random = (limit: number) => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state % limit;
    };
    const alphabet = bytes('{}[]",:0123456789-+.eEtrufalsn \\/\t\n\rxu\u00e9');
    const seeds = [
      bytes(JSON.stringify(generateEvents(3, { seed: 3 }))),
      bytes(readSampleText("ping")),
      bytes('[{"msys":{}},{"a":[1,-2.5e3,true,null,"s\\u0041"]}]'),
      bytes('[{},{"a":[]},"x"]'),
      bytes('{"a":[{}]}'),
    ];
    const kinds = new Map<string, number>();
    for (let round = 0; round < 5000; round++) {
      const original = seeds[round % seeds.length] as Uint8Array;
      let body = Uint8Array.from(original);
      for (let edits = 1 + random(3); edits > 0; edits--) {
        const at = random(body.length + 1);
        const byte = random(20) === 0 ? random(256) : (alphabet[random(alphabet.length)] as number);
        switch (random(4)) {
          case 0:
            body = Uint8Array.from([...body.subarray(0, at), ...body.subarray(at + 1)]);
            break;
          case 1:
            body = Uint8Array.from([...body.subarray(0, at), byte, ...body.subarray(at)]);
            break;
          case 2:
            if (at < body.length) body[at] = byte;
            break;
          default:
            body = body.subarray(0, at);
        }
      }
      const expected = reference(body);
      kinds.set(expected.kind, (kinds.get(expected.kind) ?? 0) + 1);
      expect(inspectBatch(body), new TextDecoder().decode(body)).toEqual(expected);
    }
    // The damage must exercise every outcome, or the comparison proves little.
    expect([...kinds.keys()].sort()).toEqual(["batch", "element-not-object", "not-array", "not-json", "not-utf8"]);
  });
});
