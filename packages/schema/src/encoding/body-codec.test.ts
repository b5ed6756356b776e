import { describe, expect, test } from "vitest";
import { BODY_ENCODING_VERSION, BodyDecodeError, decodeBodies, decodeBody, encodeBodies } from "./body-codec.ts";

const unusual: Record<string, unknown>[] = [
  {},
  { empty_object: {}, empty_array: [], nothing: null, yes: true, no: false },
  { "10": "ten", "2": "two", a: "letter", "": "empty key", "-1": "negative" },
  { é: 1, z: 2, 日本: 3, "😀": 4, zz: { ä: [1, { b: 2, a: 1 }] } },
  { floats: [0.1, -0, 1e21, 1.7976931348623157e308, 5e-324, -123.456], big: 2 ** 64 },
  { text: 'line\nbreak\ttab "quoted" back\\slash \u2028 \uFFFD', emoji: "🎉", long: "x".repeat(20_000) },
  { deep: { a: { b: { c: { d: { e: ["f", ["g", ["h"]]] } } } } } },
];

describe("event bodies", () => {
  test("round-trip: unusual keys, values, nesting and sizes decode to what was encoded, as JSON keeps it", async () => {
    // As JSON (and jsonb before) keeps it: -0 is 0.
    const asJson = unusual.map((body) => JSON.parse(JSON.stringify(body)));
    const encoded = await encodeBodies(unusual);
    expect(encoded).toHaveLength(unusual.length);
    for (const [index, body] of encoded.entries()) {
      expect(body[0]).toBe(BODY_ENCODING_VERSION);
      expect(decodeBody(body)).toStrictEqual(asJson[index]);
    }
    expect(await decodeBodies(encoded)).toStrictEqual(asJson);
  });

  test("objects come back in jsonb's key order (shorter keys first, then by UTF-8 bytes) at every depth", async () => {
    const [body] = await encodeBodies([{ zz: 1, b: { bb: 1, a: 2 }, aaa: 3, é: 4, y: 5 }]);
    const decoded = decodeBody(body as Buffer);
    expect(Object.keys(decoded)).toEqual(["b", "y", "zz", "é", "aaa"]);
    expect(Object.keys(decoded.b as object)).toEqual(["a", "bb"]);
  });

  test("a batch of many bodies encodes each in a frame of its own, decodable alone", async () => {
    const bodies = Array.from({ length: 500 }, (_, index) => ({
      index,
      text: `event ${index}`,
      flag: index % 2 === 0,
    }));
    const encoded = await encodeBodies(bodies);
    expect(encoded.map((body) => decodeBody(body))).toStrictEqual(bodies);
    expect(await decodeBodies(encoded)).toStrictEqual(bodies);
  });

  test("an unknown encoding version is a clear error", async () => {
    const [body] = await encodeBodies([{ a: 1 }]);
    const future = Buffer.from(body as Buffer);
    future[0] = 7;
    expect(() => decodeBody(future)).toThrow(new BodyDecodeError("event body has unknown encoding version 7"));
    expect(() => decodeBody(Buffer.alloc(0))).toThrow(new BodyDecodeError("event body is empty"));
  });

  test("corrupt bytes are a clear error", async () => {
    const [body] = await encodeBodies([{ campaign: "spring", size: 1234 }]);
    const cut = (body as Buffer).subarray(0, 4);
    expect(() => decodeBody(cut)).toThrow(BodyDecodeError);
    expect(() => decodeBody(Buffer.from([BODY_ENCODING_VERSION, 1, 2, 3, 4, 5]))).toThrow(/event body is corrupt/);
  });

  test("in a page, a body that cannot be decoded is an error for that event alone", async () => {
    const bodies = [{ a: 1 }, { b: 2 }, { c: 3 }, { d: 4 }];
    const encoded = await encodeBodies(bodies);
    const broken = [...encoded];
    broken[1] = Buffer.from([BODY_ENCODING_VERSION, 0xde, 0xad, 0xbe, 0xef]);
    broken[3] = Buffer.from([9, 1, 2]);
    const decoded = await decodeBodies(broken);
    expect(decoded[0]).toStrictEqual({ a: 1 });
    expect(decoded[1]).toBeInstanceOf(BodyDecodeError);
    expect(decoded[2]).toStrictEqual({ c: 3 });
    expect(decoded[3]).toStrictEqual(new BodyDecodeError("event body has unknown encoding version 9"));
  });
});
