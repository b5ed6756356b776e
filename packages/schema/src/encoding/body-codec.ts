import zlib from "node:zlib";
import { BODY_DICTIONARY_V1 } from "./body-dictionary.ts";
import { inJsonbOrder } from "./jsonb-order.ts";

/**
 * An event's body: the fields no search, index or trigger reads (everything but the typed columns and the few fields
 * SQL reads from `payload`), stored in `events.body` as one byte of encoding version and the encoded fields.
 *
 * Version 1: a zstd frame (no checksum, size or dictionary id: the version byte says all) of the fields as compact
 * JSON in jsonb's key order followed by a newline, compressed with the dictionary of version 1 (body-dictionary.ts,
 * trained on SparkPost events; see scripts/train-body-dictionary.ts). A later dictionary or codec is a new version;
 * every version ever written stays decodable.
 *
 * PostgreSQL compresses nothing at these sizes (only rows over about 2 kB), and compressing each small event alone
 * finds little to remove but with a dictionary: the field names and common values are in the dictionary, so an event
 * costs little more than what is unique to it.
 */
export const BODY_ENCODING_VERSION = 1;

/** A body that cannot be decoded: an unknown version, or bytes that are not what the version says. */
export class BodyDecodeError extends Error {
  override readonly name = "BodyDecodeError";
}

const zstd = zstdApi();

function zstdApi() {
  if (typeof zlib.createZstdCompress !== "function") {
    throw new Error(
      `msgevents needs Node.js 22.19 or later (zstd with dictionaries in node:zlib); this is Node.js ${process.version}`,
    );
  }
  return zlib;
}

const COMPRESS_OPTIONS: zlib.ZstdOptions = {
  params: {
    [zlib.constants.ZSTD_c_compressionLevel]: 3,
    [zlib.constants.ZSTD_c_checksumFlag]: 0,
    [zlib.constants.ZSTD_c_contentSizeFlag]: 0,
    [zlib.constants.ZSTD_c_dictIDFlag]: 0,
  },
  dictionary: BODY_DICTIONARY_V1,
};
const DECOMPRESS_OPTIONS: zlib.ZstdOptions = { dictionary: BODY_DICTIONARY_V1 };
const VERSION_1 = Buffer.from([BODY_ENCODING_VERSION]);
const NEWLINE = 0x0a;

function bodyText(body: Record<string, unknown>): Buffer {
  return Buffer.from(`${JSON.stringify(inJsonbOrder(body))}\n`, "utf8");
}

/**
 * Encodes the bodies of a batch, in order. One compressor for the whole batch (the dictionary is loaded once), each
 * body ended as a frame of its own, off the event loop (node:zlib's thread pool): about 10-50 µs per event, where a
 * compressor per event would load the dictionary each time (100-250 µs).
 */
export async function encodeBodies(bodies: readonly Record<string, unknown>[]): Promise<Buffer[]> {
  if (bodies.length === 0) return [];
  const stream = zstd.createZstdCompress(COMPRESS_OPTIONS);
  let pending: Buffer[] = [];
  stream.on("data", (chunk: Buffer) => pending.push(chunk));
  const frames = await new Promise<Buffer[]>((resolve, reject) => {
    const done: Buffer[] = [];
    stream.once("error", reject);
    for (const body of bodies) {
      stream.write(bodyText(body));
      stream.flush(zlib.constants.ZSTD_e_end, () => {
        // Output is pushed before the flush's callback runs: everything pending is this body's frame.
        done.push(Buffer.concat([VERSION_1, ...pending]));
        pending = [];
        if (done.length === bodies.length) resolve(done);
      });
    }
  });
  stream.destroy();
  return frames;
}

/** Decodes one body (see decodeBodies for a page of them); throws BodyDecodeError. */
export function decodeBody(encoded: Uint8Array): Record<string, unknown> {
  return decodeFrame(frameOf(encoded));
}

/** Decodes one version-1 frame (the body without its version byte); throws BodyDecodeError. */
function decodeFrame(frame: Buffer): Record<string, unknown> {
  let text: Buffer;
  try {
    text = zstd.zstdDecompressSync(frame, DECOMPRESS_OPTIONS);
  } catch (error) {
    throw new BodyDecodeError(`event body is corrupt: ${(error as Error).message}`);
  }
  return parseBody(text);
}

/**
 * Whether this Node.js decodes zstd frames laid back to back in one call. Node 24 does; Node 22's zlib stops at the
 * end of the first frame, so there each body is decoded alone, a decompressor and its dictionary per body (about
 * 45 µs each: 45 ms for a page of 1000 events, against 3-5 ms in one call).
 */
const decodesJointFrames = (() => {
  const frame = (text: string) => zstd.zstdCompressSync(Buffer.from(text), COMPRESS_OPTIONS);
  return zstd.zstdDecompressSync(Buffer.concat([frame("1\n"), frame("2\n")]), DECOMPRESS_OPTIONS).length === 4;
})();

/**
 * Decodes the bodies of a page: every version-1 frame in one call where Node.js can (frames decode back to back, each
 * ending in its newline), off the event loop. Each result is the body or the BodyDecodeError of that body alone: one
 * corrupt body never fails the others.
 */
export async function decodeBodies(
  encoded: readonly Uint8Array[],
): Promise<(Record<string, unknown> | BodyDecodeError)[]> {
  if (encoded.length === 0) return [];
  const frames = encoded.map((body): Buffer | BodyDecodeError => {
    try {
      return frameOf(body);
    } catch (error) {
      return error as BodyDecodeError;
    }
  });
  const valid = frames.filter((frame): frame is Buffer => frame instanceof Buffer);
  let texts: Buffer[] | undefined;
  if (valid.length > 1 && decodesJointFrames) {
    const joined = await new Promise<Buffer | undefined>((resolve) =>
      zstd.zstdDecompress(Buffer.concat(valid), DECOMPRESS_OPTIONS, (error, result) =>
        resolve(error ? undefined : result),
      ),
    );
    const parts = joined ? splitLines(joined) : [];
    if (parts.length === valid.length) texts = parts;
  }
  let next = 0;
  return frames.map((frame): Record<string, unknown> | BodyDecodeError => {
    if (frame instanceof BodyDecodeError) return frame;
    const text = texts?.[next++];
    try {
      // Without a joint decode (one frame, a Node that decodes one frame per call, or some frame is corrupt) each is
      // decoded alone, which also finds the corrupt one.
      return text ? parseBody(text) : decodeFrame(frame);
    } catch (error) {
      return error instanceof BodyDecodeError ? error : new BodyDecodeError(String(error));
    }
  });
}

function frameOf(encoded: Uint8Array): Buffer {
  if (encoded.length === 0) throw new BodyDecodeError("event body is empty");
  const version = encoded[0];
  if (version !== BODY_ENCODING_VERSION) {
    throw new BodyDecodeError(`event body has unknown encoding version ${version}`);
  }
  return Buffer.isBuffer(encoded) ? encoded.subarray(1) : Buffer.from(encoded.subarray(1));
}

function splitLines(text: Buffer): Buffer[] {
  const parts: Buffer[] = [];
  let start = 0;
  for (let end = text.indexOf(NEWLINE); end !== -1; end = text.indexOf(NEWLINE, start)) {
    parts.push(text.subarray(start, end + 1));
    start = end + 1;
  }
  if (start < text.length) parts.push(text.subarray(start));
  return parts;
}

function parseBody(text: Buffer): Record<string, unknown> {
  if (text.length === 0 || text[text.length - 1] !== NEWLINE) {
    throw new BodyDecodeError("event body is corrupt: its text is cut short");
  }
  let value: unknown;
  try {
    value = JSON.parse(text.toString("utf8"));
  } catch (error) {
    throw new BodyDecodeError(`event body is corrupt: ${(error as Error).message}`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new BodyDecodeError("event body is corrupt: not a JSON object");
  }
  return value as Record<string, unknown>;
}
