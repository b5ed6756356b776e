/**
 * PostgreSQL's jsonb keeps an object's keys shorter first (in UTF-8 bytes), then in byte order of their UTF-8, whatever
 * order the text had. The Events API answered from jsonb, so an encoding that is not jsonb must give its objects the
 * same key order to answer byte for byte as before.
 */
export function compareJsonbKeys(a: string, b: string): number {
  if (a === b) return 0;
  if (isAscii(a) && isAscii(b)) return a.length - b.length || (a < b ? -1 : 1);
  const left = Buffer.from(a, "utf8");
  const right = Buffer.from(b, "utf8");
  return left.length - right.length || Buffer.compare(left, right);
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** The value with every object's keys (at every depth) in jsonb's order; arrays and scalars as they are. */
export function inJsonbOrder(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(inJsonbOrder);
  if (value === null || typeof value !== "object") return value;
  const object = value as Record<string, unknown>;
  const ordered: Record<string, unknown> = {};
  for (const key of Object.keys(object).sort(compareJsonbKeys)) ordered[key] = inJsonbOrder(object[key]);
  return ordered;
}
