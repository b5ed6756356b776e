import { isUtf8 } from "node:buffer";

/** What the webhook needs to know about a body, found in one pass without building the parsed value. */
export type BatchShape =
  | { kind: "not-utf8" }
  | { kind: "not-json" }
  | { kind: "not-array" }
  | { kind: "element-not-object"; index: number }
  | { kind: "batch"; records: number; pings: number };

const OBJECT = 1;
const ARRAY = 2;
/** A ping record `{"msys":{}}` is 11 bytes; allow generous whitespace before giving up on it being one. */
const MAX_PING_BYTES = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/** Bytes allowed after a backslash in a JSON string: " \ / b f n r t (u is handled apart). */
const SIMPLE_ESCAPE = new Uint8Array(256);
for (const char of '"\\/bfnrt') SIMPLE_ESCAPE[char.charCodeAt(0)] = 1;
const HEX = new Uint8Array(256);
for (const char of "0123456789abcdefABCDEF") HEX[char.charCodeAt(0)] = 1;
/** Bytes that end a run of plain string content: the closing quote, a backslash, or a raw control character. */
const STRING_STOP = new Uint8Array(256);
STRING_STOP[QUOTE] = 1;
STRING_STOP[BACKSLASH] = 1;
STRING_STOP.fill(1, 0, 0x20);
const WHITESPACE = new Uint8Array(256);
for (const char of " \t\n\r") WHITESPACE[char.charCodeAt(0)] = 1;

const utf8 = new TextDecoder();

class InvalidJson extends Error {}

/**
 * Validates a body as strictly as `JSON.parse` (RFC 8259; a leading UTF-8 BOM is ignored) and reports whether it is
 * an array of objects, how many records it has and how many are SparkPost pings (`{"msys":{}}`). It exists because
 * JSON.parse builds every event object of a 0.5 MB batch just to throw them away, which costs about twice the CPU of
 * this scan (plus garbage collection), and parsing was the ingest bottleneck. batch-shape.test.ts checks it agrees
 * with JSON.parse.
 */
export function inspectBatch(body: Uint8Array): BatchShape {
  if (!isUtf8(body)) return { kind: "not-utf8" };
  const scanner = new Scanner(body);
  try {
    return scanner.scan();
  } catch (error) {
    if (error instanceof InvalidJson) return { kind: "not-json" };
    throw error;
  }
}

class Scanner {
  private position: number;
  private readonly end: number;
  private readonly words: DataView;

  constructor(private readonly bytes: Uint8Array) {
    this.end = bytes.length;
    this.words = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const hasBom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
    this.position = hasBom ? 3 : 0;
  }

  scan(): BatchShape {
    const bytes = this.bytes;
    const stack: number[] = [];
    let records = 0;
    let pings = 0;
    let firstNonObject = -1;
    let recordStart = 0;

    this.skipWhitespace();
    const topLevelArray = bytes[this.position] === OPEN_BRACKET;
    // Each turn reads one value; then closes every container that ends after it.
    for (;;) {
      this.skipWhitespace();
      if (topLevelArray && stack.length === 1) {
        recordStart = this.position;
        if (bytes[recordStart] !== OPEN_BRACE && firstNonObject === -1) firstNonObject = records;
        records++;
      }
      const opened = this.readValueOrOpen(stack);
      if (opened) continue;
      // A value just ended: move past separators and closing brackets until the next value starts.
      for (;;) {
        if (topLevelArray && stack.length === 1 && this.position - recordStart <= MAX_PING_BYTES) {
          if (isPing(bytes.subarray(recordStart, this.position))) pings++;
        }
        this.skipWhitespace();
        if (stack.length === 0) {
          if (this.position !== this.end) throw new InvalidJson();
          if (!topLevelArray) return { kind: "not-array" };
          if (firstNonObject !== -1) return { kind: "element-not-object", index: firstNonObject };
          return { kind: "batch", records, pings };
        }
        const container = stack[stack.length - 1];
        const byte = bytes[this.position];
        if (byte === COMMA) {
          this.position++;
          if (container === OBJECT) this.readKey();
          break;
        }
        if ((container === OBJECT && byte === CLOSE_BRACE) || (container === ARRAY && byte === CLOSE_BRACKET)) {
          stack.pop();
          this.position++;
          continue;
        }
        throw new InvalidJson();
      }
    }
  }

  /** Reads a scalar, or opens a container; true when a non-empty container was opened (its first value is next). */
  private readValueOrOpen(stack: number[]): boolean {
    const bytes = this.bytes;
    const byte = bytes[this.position];
    if (byte === OPEN_BRACE) {
      this.position++;
      this.skipWhitespace();
      if (bytes[this.position] === CLOSE_BRACE) {
        this.position++;
        return false;
      }
      stack.push(OBJECT);
      this.readKey();
      return true;
    }
    if (byte === OPEN_BRACKET) {
      this.position++;
      this.skipWhitespace();
      if (bytes[this.position] === CLOSE_BRACKET) {
        this.position++;
        return false;
      }
      stack.push(ARRAY);
      return true;
    }
    if (byte === QUOTE) this.readString();
    else if (byte === 0x74) this.readLiteral("true");
    else if (byte === 0x66) this.readLiteral("false");
    else if (byte === 0x6e) this.readLiteral("null");
    else this.readNumber();
    return false;
  }

  /** `"key"` then `:`, leaving the position at the value. */
  private readKey(): void {
    this.skipWhitespace();
    if (this.bytes[this.position] !== QUOTE) throw new InvalidJson();
    this.readString();
    this.skipWhitespace();
    if (this.bytes[this.position] !== COLON) throw new InvalidJson();
    this.position++;
  }

  private readString(): void {
    const bytes = this.bytes;
    const words = this.words;
    const end = this.end;
    let position = this.position + 1;
    for (;;) {
      // The hot loop, as most of a batch is string content: skip four plain bytes at a time while the word holds no
      // quote, backslash or control byte (exact SWAR tests: "has a byte < 0x20", "has a zero byte" after XOR), then
      // find the stop byte by byte. Past the end, bytes[position] is undefined, which also stops the byte loop.
      while (position + 4 <= end) {
        const word = words.getUint32(position, true);
        const quote = word ^ 0x22222222;
        const backslash = word ^ 0x5c5c5c5c;
        const stops =
          ((word - 0x20202020) & ~word) | ((quote - 0x01010101) & ~quote) | ((backslash - 0x01010101) & ~backslash);
        if ((stops & 0x80808080) !== 0) break;
        position += 4;
      }
      while (STRING_STOP[bytes[position] as number] === 0) position++;
      if (position >= end) throw new InvalidJson();
      const byte = bytes[position] as number;
      if (byte === QUOTE) break;
      if (byte === BACKSLASH) {
        const escaped = bytes[position + 1] as number;
        if (SIMPLE_ESCAPE[escaped] === 1) {
          position += 2;
        } else if (
          escaped === 0x75 &&
          HEX[bytes[position + 2] as number] === 1 &&
          HEX[bytes[position + 3] as number] === 1 &&
          HEX[bytes[position + 4] as number] === 1 &&
          HEX[bytes[position + 5] as number] === 1
        ) {
          position += 6;
        } else {
          throw new InvalidJson();
        }
        continue;
      }
      // Raw control characters are not allowed inside JSON strings; bytes >= 0x80 are UTF-8 (checked up front).
      throw new InvalidJson();
    }
    this.position = position + 1;
  }

  private readLiteral(literal: string): void {
    for (let index = 0; index < literal.length; index++) {
      if (this.bytes[this.position + index] !== literal.charCodeAt(index)) throw new InvalidJson();
    }
    this.position += literal.length;
  }

  /** -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
  private readNumber(): void {
    const bytes = this.bytes;
    let position = this.position;
    if (bytes[position] === 0x2d) position++;
    if (bytes[position] === 0x30) position++;
    else if (isDigit(bytes[position])) position = skipDigits(bytes, position);
    else throw new InvalidJson();
    if (bytes[position] === 0x2e) {
      if (!isDigit(bytes[position + 1])) throw new InvalidJson();
      position = skipDigits(bytes, position + 1);
    }
    if (bytes[position] === 0x65 || bytes[position] === 0x45) {
      position++;
      if (bytes[position] === 0x2b || bytes[position] === 0x2d) position++;
      if (!isDigit(bytes[position])) throw new InvalidJson();
      position = skipDigits(bytes, position);
    }
    this.position = position;
  }

  private skipWhitespace(): void {
    const bytes = this.bytes;
    let position = this.position;
    while (WHITESPACE[bytes[position] as number] === 1) position++;
    this.position = position;
  }
}

function isDigit(byte: number | undefined): boolean {
  return byte !== undefined && byte >= 0x30 && byte <= 0x39;
}

function skipDigits(bytes: Uint8Array, from: number): number {
  let position = from;
  while (isDigit(bytes[position])) position++;
  return position;
}

/** Exactly `{"msys":{}}` up to whitespace: SparkPost's webhook test record. */
function isPing(record: Uint8Array): boolean {
  const value: unknown = JSON.parse(utf8.decode(record));
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  if (keys.length !== 1 || keys[0] !== "msys") return false;
  const msys = (value as { msys: unknown }).msys;
  return typeof msys === "object" && msys !== null && !Array.isArray(msys) && Object.keys(msys).length === 0;
}
