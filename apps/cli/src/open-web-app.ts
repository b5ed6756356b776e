import { type Connection, requireApiKey } from "./connection.ts";
import type { CliDeps } from "./deps.ts";
import { CliError, EXIT } from "./errors.ts";
import { joinUrl } from "./http.ts";

/**
 * The web app's URL with the API key handed over in the fragment (`#api-key=…`): browsers never send a fragment to
 * a server, so no access log or proxy sees it; the app stores the key for the browser session and removes it from
 * the address bar and the history entry at once (apps/web/src/api/session-key.ts).
 */
export function signedInUrl(connection: Connection): string {
  return `${joinUrl(connection.url, "/")}#api-key=${encodeURIComponent(requireApiKey(connection))}`;
}

/** `msgevents open`: opens the web app signed in, or prints the signed-in URL when asked (`--print`). */
export async function openWebApp(connection: Connection, options: { print: boolean }, deps: CliDeps): Promise<string> {
  const url = signedInUrl(connection);
  if (options.print) return url;
  try {
    await deps.openBrowser(url);
  } catch (error) {
    throw new CliError(
      `could not open a browser (${(error as Error).message}): open ${joinUrl(connection.url, "/")} yourself and ` +
        "paste the key from `msgevents credentials api-key`, or print the signed-in URL with `msgevents open --print`",
      EXIT.config,
    );
  }
  return (
    `asked the browser to open ${joinUrl(connection.url, "/")}, signed in for this browser session ` +
    "(if none appears: msgevents open --print gives the URL to paste)"
  );
}
