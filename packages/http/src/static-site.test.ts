import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  CONTENT_SECURITY_POLICY,
  loadStaticSite,
  type StaticSite,
  serveStaticSite,
  UnservableFileError,
} from "./static-site.ts";
import type { HttpRequest } from "./types.ts";

const get = (requestPath: string, method = "GET"): HttpRequest => ({
  method,
  path: requestPath,
  rawQuery: "",
  headers: {},
  body: new Uint8Array(),
});

describe("the static site", () => {
  let root: string;
  let site: StaticSite;

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), "msgevents-site-"));
    const dist = path.join(root, "dist");
    await mkdir(path.join(dist, "assets", "icons"), { recursive: true });
    await writeFile(path.join(dist, "index.html"), "<!doctype html><title>app</title>");
    await writeFile(path.join(dist, "assets", "index-Ab12.js"), "console.log(1)");
    await writeFile(path.join(dist, "assets", "index-Cd34.css"), "body{}");
    await writeFile(path.join(dist, "assets", "icons", "logo-Ef56.svg"), "<svg/>");
    await writeFile(path.join(dist, "build-inputs.sha256"), "not served");
    await writeFile(path.join(root, "secret.txt"), "outside the site");
    site = (await loadStaticSite(dist)) as StaticSite;
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  test("serves index.html at / and /index.html, revalidated on every load, with the security headers", () => {
    for (const requestPath of ["/", "/index.html"]) {
      expect(serveStaticSite(site, get(requestPath))).toEqual({
        status: 200,
        headers: {
          "content-type": "text/html; charset=utf-8",
          "cache-control": "no-cache",
          "content-security-policy": CONTENT_SECURITY_POLICY,
          "x-content-type-options": "nosniff",
          "referrer-policy": "no-referrer",
          "cross-origin-opener-policy": "same-origin",
        },
        body: "<!doctype html><title>app</title>",
      });
    }
  });

  test("serves hashed assets with their content type, cached for a year as immutable", () => {
    const cases = [
      ["/assets/index-Ab12.js", "text/javascript; charset=utf-8", "console.log(1)"],
      ["/assets/index-Cd34.css", "text/css; charset=utf-8", "body{}"],
      ["/assets/icons/logo-Ef56.svg", "image/svg+xml; charset=utf-8", "<svg/>"],
    ];
    for (const [requestPath, contentType, body] of cases) {
      const response = serveStaticSite(site, get(requestPath as string));
      expect(response?.status).toBe(200);
      expect(response?.headers["content-type"]).toBe(contentType);
      expect(response?.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
      expect(response?.headers["x-content-type-options"]).toBe("nosniff");
      expect(response?.body).toBe(body);
    }
  });

  test("allows scripts, styles, images, fonts and requests from its own origin only", () => {
    expect(CONTENT_SECURITY_POLICY).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; " +
        "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    );
  });

  test("answers 404 for an asset it does not have", () => {
    expect(serveStaticSite(site, get("/assets/missing.js"))).toEqual({
      status: 404,
      headers: { "content-type": "application/json; charset=utf-8" },
      body: '{"errors":[{"message":"resource not found","description":"no route matches this path"}]}',
    });
  });

  test("never serves a file outside the assets, however the path climbs", () => {
    for (const requestPath of [
      "/assets/../secret.txt",
      "/assets/../../secret.txt",
      "/assets/..%2fsecret.txt",
      "/assets/%2e%2e/secret.txt",
      "/assets/..\\secret.txt",
      "/assets//etc/passwd",
      "/assets/",
    ]) {
      expect(serveStaticSite(site, get(requestPath))?.status, requestPath).toBe(404);
    }
    expect(serveStaticSite(site, get("/build-inputs.sha256"))).toBeUndefined();
    expect(serveStaticSite(site, get("/../secret.txt"))).toBeUndefined();
  });

  test("leaves every other path to the API routes", () => {
    for (const requestPath of ["/api/v1/events/message", "/health", "/webhooks/sparkpost", "/favicon.ico"]) {
      expect(serveStaticSite(site, get(requestPath)), requestPath).toBeUndefined();
    }
  });

  test("answers 405 to anything but GET on its paths", () => {
    for (const method of ["POST", "PUT", "DELETE", "HEAD"]) {
      const response = serveStaticSite(site, get("/", method));
      expect(response?.status).toBe(405);
      expect(response?.headers.allow).toBe("GET");
      expect(JSON.parse(response?.body ?? "")).toEqual({
        errors: [{ message: "method not allowed", description: "use GET" }],
      });
    }
    expect(serveStaticSite(site, get("/assets/index-Ab12.js", "POST"))?.status).toBe(405);
  });

  test("is absent when the app is not built", async () => {
    expect(await loadStaticSite(path.join(root, "nowhere"))).toBeUndefined();
  });

  test("refuses at load a file it could not serve as text", async () => {
    const dist = path.join(root, "binary");
    await mkdir(path.join(dist, "assets"), { recursive: true });
    await writeFile(path.join(dist, "index.html"), "<!doctype html>");
    await writeFile(path.join(dist, "assets", "photo-12ab.png"), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    await expect(loadStaticSite(dist)).rejects.toThrow(UnservableFileError);
  });
});
