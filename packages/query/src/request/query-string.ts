import { HttpError } from "@msgevents/http";
import { invalidParameter } from "./errors.ts";

/** SparkPost's documented limit for the request URI (path and query). */
export const MAX_URI_LENGTH = 4096;

export function assertUriLength(path: string, rawQuery: string): void {
  const length = path.length + (rawQuery ? rawQuery.length + 1 : 0);
  if (length > MAX_URI_LENGTH) {
    throw new HttpError(400, {
      message: "URI too long",
      description: `the request URI must be at most ${MAX_URI_LENGTH} characters; it has ${length}`,
    });
  }
}

function decode(text: string, param: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, " "));
  } catch {
    throw invalidParameter(param, "invalid parameter", "the value is not valid percent-encoding");
  }
}

/**
 * Query parameters in the order given. Every parameter may appear once: a list takes several values through the
 * delimiter, so a repeated name is refused rather than guessed at.
 */
export function parseQueryString(rawQuery: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const part of rawQuery.split("&")) {
    if (part === "") continue;
    const equals = part.indexOf("=");
    const rawName = equals === -1 ? part : part.slice(0, equals);
    const name = decode(rawName, rawName);
    const value = decode(equals === -1 ? "" : part.slice(equals + 1), name);
    if (params.has(name)) {
      throw invalidParameter(
        name,
        "repeated parameter",
        `'${name}' is given more than once; give it once and separate several values with the delimiter`,
      );
    }
    params.set(name, value);
  }
  return params;
}

/**
 * Refuses any parameter the endpoint does not know, for msgevents' own routes (rejections): ignoring a misspelt
 * filter would silently widen the answer. SparkPost's APIs ignore unexpected parameters instead (refuseRenamed).
 */
export function assertKnownParameters(params: Map<string, string>, known: ReadonlySet<string>): void {
  for (const name of params.keys()) {
    if (!known.has(name)) {
      throw invalidParameter(name, "unknown parameter", `'${name}' is not a parameter of this endpoint`);
    }
  }
}

/**
 * SparkPost's API convention: "Unexpected query parameters … are ignored", so a client that adds a parameter of its own
 * (a tracking tag, say) still gets its answer. The exceptions are `renamed`: names SparkPost documents for the same
 * filter elsewhere (another version of the API), which a client plainly means as a filter; ignoring one would silently
 * widen the answer, so it is refused with the name to use.
 */
export function refuseRenamedParameters(params: Map<string, string>, renamed: Readonly<Record<string, string>>): void {
  for (const name of params.keys()) {
    const instead = Object.hasOwn(renamed, name) ? renamed[name] : undefined;
    if (instead !== undefined) {
      throw invalidParameter(
        name,
        "unsupported parameter",
        `'${name}' is not a parameter of this endpoint; ${instead}`,
      );
    }
  }
}
