import { useCallback, useEffect, useState } from "react";
import { AlertsPage } from "./alerts/AlertsPage.tsx";
import { UnauthorizedError } from "./api/client.ts";
import { forgetApiKey, readApiKey, saveApiKey, takeApiKeyFromUrl } from "./api/session-key.ts";
import { Dashboard } from "./dashboard/Dashboard.tsx";
import { KeyPrompt } from "./KeyPrompt.tsx";
import { useHashRoute } from "./routing.ts";
import { SearchPage } from "./search/SearchPage.tsx";

export function App() {
  const [apiKey, setApiKey] = useState(() => takeApiKeyFromUrl() ?? readApiKey());
  const [refused, setRefused] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const route = useHashRoute();
  // An error belongs to the view that met it.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on every change of view by design.
  useEffect(() => setError(undefined), [route]);

  const onError = useCallback((failure: unknown) => {
    if (failure instanceof UnauthorizedError) {
      forgetApiKey();
      setApiKey(undefined);
      setRefused(true);
      return;
    }
    setError(failure instanceof Error ? failure.message : String(failure));
  }, []);

  if (!apiKey) {
    return (
      <KeyPrompt
        refused={refused}
        onKey={(key) => {
          saveApiKey(key);
          setApiKey(key);
          setRefused(false);
        }}
      />
    );
  }

  return (
    <>
      <header className="app-header">
        <span className="brand">msgevents</span>
        <nav aria-label="Main">
          <a href="#/" aria-current={route.page === "dashboard" ? "page" : undefined}>
            Dashboard
          </a>
          <a href="#/search" aria-current={route.page === "search" ? "page" : undefined}>
            Search
          </a>
          <a href="#/alerts" aria-current={route.page === "alerts" ? "page" : undefined}>
            Alerts
          </a>
        </nav>
        <button
          type="button"
          className="link-button"
          onClick={() => {
            forgetApiKey();
            setApiKey(undefined);
          }}
        >
          Forget key
        </button>
      </header>
      <main id="main">
        {error && (
          <div className="error" role="alert">
            <span>{error}</span>
            <button type="button" onClick={() => setError(undefined)} aria-label="Dismiss error">
              ×
            </button>
          </div>
        )}
        {route.page === "alerts" ? (
          <AlertsPage apiKey={apiKey} query={route.query} onError={onError} />
        ) : route.page === "search" ? (
          <SearchPage key={route.query} apiKey={apiKey} query={route.query} onError={onError} />
        ) : (
          <Dashboard apiKey={apiKey} query={route.query} onError={onError} />
        )}
      </main>
    </>
  );
}
