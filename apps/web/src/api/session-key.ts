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
