/** The lower-cased media type of a Content-Type header without parameters, or undefined when the header is absent. */
export function mediaType(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined;
  return (contentType.split(";")[0] ?? "").trim().toLowerCase();
}

/** The lower-cased value of a Content-Type parameter (e.g. charset), without quotes. */
export function mediaTypeParameter(contentType: string, name: string): string | undefined {
  for (const part of contentType.split(";").slice(1)) {
    const equals = part.indexOf("=");
    if (equals === -1) continue;
    if (part.slice(0, equals).trim().toLowerCase() !== name) continue;
    return part
      .slice(equals + 1)
      .trim()
      .replace(/^"(.*)"$/, "$1")
      .toLowerCase();
  }
  return undefined;
}
