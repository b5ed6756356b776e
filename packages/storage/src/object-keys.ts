/**
 * Key rules shared by every ObjectStore. Keys become file paths in FileObjectStore, so they must not be able to
 * escape the root directory (`..`, absolute paths) nor collide with its temp files, whose names start with a dot.
 */
const SEGMENT = "[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}";
const KEY_PATTERN = new RegExp(`^(?:${SEGMENT}/)*${SEGMENT}$`);
const PREFIX_PATTERN = new RegExp(`^(?:${SEGMENT}/)*[A-Za-z0-9._-]*$`);
/** S3's own limit. */
const MAX_KEY_LENGTH = 1024;

export class InvalidObjectKeyError extends Error {
  override readonly name = "InvalidObjectKeyError";
  constructor(readonly key: string) {
    super(
      `invalid object key ${JSON.stringify(key)}: use /-separated segments of A-Z a-z 0-9 . _ - not starting with .`,
    );
  }
}

export function isValidObjectKey(key: string): boolean {
  return key.length <= MAX_KEY_LENGTH && KEY_PATTERN.test(key);
}

export function assertValidObjectKey(key: string): void {
  if (!isValidObjectKey(key)) throw new InvalidObjectKeyError(key);
}

/** A list prefix: whole valid segments, then optionally the start of one more (`batches/2024/0`). */
export function assertValidPrefix(prefix: string): void {
  if (prefix.length > MAX_KEY_LENGTH || !PREFIX_PATTERN.test(prefix)) throw new InvalidObjectKeyError(prefix);
}
