/** The API key lives in sessionStorage: it survives reloads of this tab and is gone when the browser session ends. */
const STORAGE_KEY = "msgevents.apiKey";

export function readApiKey(): string | undefined {
  return sessionStorage.getItem(STORAGE_KEY) ?? undefined;
}

export function saveApiKey(key: string): void {
  sessionStorage.setItem(STORAGE_KEY, key);
}

export function forgetApiKey(): void {
  sessionStorage.removeItem(STORAGE_KEY);
}

const FRAGMENT_KEY = /^#api-key=([^&]+)$/;

/**
 * The key `msgevents open` hands over in the URL's fragment (`#api-key=…`): a fragment never reaches a server, so no
 * access log holds it. It is kept for the session and removed from the address bar and the history entry at once.
 */
export function takeApiKeyFromUrl(): string | undefined {
  const match = FRAGMENT_KEY.exec(window.location.hash);
  if (!match?.[1]) return undefined;
  const key = decodeURIComponent(match[1]);
  saveApiKey(key);
  window.history.replaceState(null, "", `${window.location.pathname}${window.location.search}#/`);
  return key;
}
