/** Lower-cases header names; for repeated headers the values are joined with ", " as RFC 9110 allows. */
export function normalizeHeaders(
  headers: Record<string, string | string[] | undefined>,
): Record<string, string | undefined> {
  const result: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const key = name.toLowerCase();
    const joined = Array.isArray(value) ? value.join(", ") : value;
    const previous = result[key];
    result[key] = previous === undefined ? joined : `${previous}, ${joined}`;
  }
  return result;
}
