import { InvalidBatchError } from "@msgevents/schema";
import { describe, expect, it } from "vitest";
import { arrayElementSpans, readRawBatch, withoutRecords } from "./raw-batch.ts";

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (body: Uint8Array) => new TextDecoder().decode(body);

describe("arrayElementSpans", () => {
  it("delimits each element whatever it holds: nesting, strings with brackets, commas, quotes and escapes", () => {
    const source = ` [ {"a":[1,{"b":"]},\\"["}]} ,\n"x,y" , 12.50e1,null,[[]],{} ]\n`;
    const spans = arrayElementSpans(source).map(([start, end]) => source.slice(start, end));
    expect(spans).toEqual([`{"a":[1,{"b":"]},\\"["}]}`, `"x,y"`, "12.50e1", "null", "[[]]", "{}"]);
  });

  it("finds no element in an empty array", () => {
    expect(arrayElementSpans("[ ]")).toEqual([]);
  });
});

describe("withoutRecords", () => {
  it("keeps every other record's exact text, spelling of numbers and escapes included", () => {
    const source = '[{"n":1.0,"big":12345678901234567890,"s":"\\u00e9\\u0000"} , {"drop":true},\n{"k":"é"}]';
    const batch = readRawBatch(bytes(source));
    expect(text(withoutRecords(batch, new Set([1])))).toBe(
      '[{"n":1.0,"big":12345678901234567890,"s":"\\u00e9\\u0000"},{"k":"é"}]',
    );
    expect(text(withoutRecords(batch, new Set([0, 1, 2])))).toBe("[]");
  });

  it("refuses a body that is not a JSON array, as the loader does", () => {
    expect(() => readRawBatch(bytes('{"msys":{}}'))).toThrow(InvalidBatchError);
    expect(() => readRawBatch(bytes("[1,"))).toThrow(InvalidBatchError);
  });
});
