import http from "node:http";
import {
  BodyTooLargeError,
  bodyTooLargeResponse,
  errorResponse,
  type HttpRequest,
  type HttpResponse,
  nodeRequestHead,
  readNodeRequest,
  writeNodeResponse,
} from "@msgevents/http";

export type Route = (request: HttpRequest) => Promise<HttpResponse | undefined>;
/** The answer to a request whose body passed the limit, from its head alone; undefined leaves it a plain 413. */
export type OversizedRoute = (
  request: HttpRequest,
  declaredBytes: number | undefined,
) => Promise<HttpResponse | undefined>;

export class PortInUseError extends Error {
  override readonly name = "PortInUseError";
}

/** One node:http server for every route; the first route that answers wins, the last must always answer. */
export function createHttpServer(
  routes: Route[],
  options: { maxBodyBytes: number; onError: (error: Error) => void; onBodyTooLarge?: OversizedRoute },
) {
  const server = http.createServer(async (req, res) => {
    let response: HttpResponse | undefined;
    try {
      const request = await readNodeRequest(req, options.maxBodyBytes);
      for (const route of routes) {
        response = await route(request);
        if (response) break;
      }
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        // The rest of the body is never read, so the connection cannot carry another request.
        res.setHeader("connection", "close");
        const answer = await options
          .onBodyTooLarge?.(nodeRequestHead(req), declaredLength(req))
          .catch((failure: Error) => {
            options.onError(failure);
            return undefined;
          });
        response = answer ?? bodyTooLargeResponse(error.limit);
      } else {
        options.onError(error as Error);
        response = errorResponse(500, { message: "internal error", description: "the request failed; retry later" });
      }
    }
    writeNodeResponse(res, response ?? errorResponse(404, { message: "resource not found" }));
  });
  // An idle kept-alive connection is closed by the client first (undici: 4 s, or the server's hint less 1 s; load
  // balancers: 60 s), never by this server as the client sends its next batch on it: with Node's 5 s default, a
  // webhook sender on a busy machine lost a POST to "other side closed". headersTimeout must exceed it.
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  server.headersTimeout = KEEP_ALIVE_MS + 1000;
  return server;
}

const KEEP_ALIVE_MS = 65_000;

/** The Content-Length the client declared; undefined for a chunked body, whose size is never known in full. */
function declaredLength(req: http.IncomingMessage): number | undefined {
  const declared = Number(req.headers["content-length"]);
  return Number.isSafeInteger(declared) && declared >= 0 ? declared : undefined;
}

/** Listens, turning a busy port into an error that says what to do. */
export async function listen(server: http.Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off("listening", onListening);
      if (error.code === "EADDRINUSE") {
        reject(
          new PortInUseError(`port ${port} on ${host} is already in use: stop what holds it or set MSGEVENTS_PORT`),
        );
      } else if (error.code === "EACCES") {
        reject(
          new PortInUseError(`not allowed to listen on ${host}:${port}: choose a port above 1023 with MSGEVENTS_PORT`),
        );
      } else {
        reject(error);
      }
    };
    const onListening = () => {
      server.off("error", onError);
      resolve();
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen(port, host);
  });
  const address = server.address();
  return typeof address === "object" && address ? address.port : port;
}

/** Stops accepting connections and resolves once in-flight requests have been answered. */
export async function closeServer(server: http.Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  await closed;
}
