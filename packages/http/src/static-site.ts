import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { methodNotAllowed, notFound } from "./responses.ts";
import type { HttpRequest, HttpResponse } from "./types.ts";

/**
 * The web app's built files (`index.html` and hashed files under `assets/`), read into memory once: a few hundred
 * kilobytes, served by the local stack and the query Lambda alike.
 */
export interface StaticSite {
  readonly files: ReadonlyMap<string, { body: string; contentType: string }>;
}

/** Text types only: the response body is a string, and the app's build emits nothing else. */
const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
};

/**
 * Only this origin: no inline script or style element, no framing, no plugins, no other host for anything. Styles
 * set through the DOM (React's `style`, uPlot) are not inline styles in CSP's sense and stay allowed.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const SECURITY_HEADERS = {
  "content-security-policy": CONTENT_SECURITY_POLICY,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
};

/** Hashed names change with their content, so a browser may keep them for good; index.html is checked every time. */
const IMMUTABLE = "public, max-age=31536000, immutable";
const REVALIDATE = "no-cache";

export class UnservableFileError extends Error {
  override readonly name = "UnservableFileError";
}

/**
 * Reads `<dir>/index.html` and every file under `<dir>/assets/`; undefined when there is no index.html (the app is
 * not built). A file of a type the site cannot serve as text is an error, so it shows at start, not as a broken page.
 */
export async function loadStaticSite(dir: string): Promise<StaticSite | undefined> {
  const index = await readFile(path.join(dir, "index.html"), "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return undefined;
    throw error;
  });
  if (index === undefined) return undefined;
  const files = new Map([["/", { body: index, contentType: CONTENT_TYPES[".html"] as string }]]);
  const assetsDir = path.join(dir, "assets");
  const entries = await readdir(assetsDir, { recursive: true, withFileTypes: true }).catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return [];
      throw error;
    },
  );
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const absolute = path.join(entry.parentPath, entry.name);
    const contentType = CONTENT_TYPES[path.extname(entry.name).toLowerCase()];
    if (!contentType) throw new UnservableFileError(`the web app's ${absolute} is not a type the site serves`);
    const urlPath = `/assets/${path.relative(assetsDir, absolute).split(path.sep).join("/")}`;
    files.set(urlPath, { body: await readFile(absolute, "utf8"), contentType });
  }
  return { files };
}

/**
 * Answers `GET /`, `GET /index.html` and `GET /assets/…` from the site; undefined for any other path, so the API
 * routes answer those. Paths are looked up as they are, never joined onto a folder: `..` or an encoded slash can
 * only miss.
 */
export function serveStaticSite(site: StaticSite, request: HttpRequest): HttpResponse | undefined {
  const key = request.path === "/index.html" ? "/" : request.path;
  if (key !== "/" && !key.startsWith("/assets/")) return undefined;
  if (request.method !== "GET") return methodNotAllowed(["GET"]);
  const file = site.files.get(key);
  if (!file) return notFound();
  return {
    status: 200,
    headers: {
      "content-type": file.contentType,
      "cache-control": key === "/" ? REVALIDATE : IMMUTABLE,
      ...SECURITY_HEADERS,
    },
    body: file.body,
  };
}
