const REPLACEMENT = "\uFFFD";

/**
 * PostgreSQL's text and jsonb cannot hold U+0000, and jsonb rejects lone UTF-16 surrogates (which JSON.parse lets
 * through from `\ud800`-style escapes). Both become U+FFFD, so such an event is stored, visibly marked, instead of
 * failing its whole batch.
 */
export function sanitizeString(value: string): string {
  let result = value;
  if (result.includes("\u0000")) result = result.replaceAll("\u0000", REPLACEMENT);
  if (!result.isWellFormed()) result = result.toWellFormed();
  return result;
}

/** Sanitizes every string, key included, inside a JSON value; returns the same object when nothing changed. */
export function sanitizeJson(value: unknown): unknown {
  if (typeof value === "string") return sanitizeString(value);
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const clean = sanitizeJson(value[i]);
      if (clean !== value[i]) {
        copy ??= value.slice();
        copy[i] = clean;
      }
    }
    return copy ?? value;
  }
  let copy: Record<string, unknown> | undefined;
  for (const [key, item] of Object.entries(value)) {
    const cleanKey = sanitizeString(key);
    const clean = sanitizeJson(item);
    if (cleanKey !== key || clean !== item) {
      copy ??= { ...value };
      if (cleanKey !== key) delete copy[key];
      copy[cleanKey] = clean;
    }
  }
  return copy ?? value;
}
