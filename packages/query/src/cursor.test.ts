import { expect, test } from "vitest";
import { decodeCursor, encodeCursor } from "./cursor.ts";
import { deriveCursorKey } from "./env.ts";

const key = deriveCursorKey("a-secret-of-some-length");
const position = { eventTime: new Date("2024-06-01T10:00:00.123Z"), eventId: "92356927693813856", type: "click" };

test("a cursor decodes to the position it was made from", () => {
  expect(decodeCursor(encodeCursor(position, key), key)).toEqual(position);
});

test("a cursor signed with another key is refused", () => {
  expect(decodeCursor(encodeCursor(position, deriveCursorKey("another-secret-value")), key)).toBeUndefined();
});

test("a cursor with a changed signature or body is refused", () => {
  const cursor = encodeCursor(position, key);
  const [body, signature] = cursor.split(".") as [string, string];
  const flipped = signature.startsWith("A") ? `B${signature.slice(1)}` : `A${signature.slice(1)}`;
  expect(decodeCursor(`${body}.${flipped}`, key)).toBeUndefined();
  expect(decodeCursor(`${body.slice(0, -2)}.${signature}`, key)).toBeUndefined();
  expect(decodeCursor("initial", key)).toBeUndefined();
  expect(decodeCursor("", key)).toBeUndefined();
});
