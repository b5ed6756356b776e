import { useEffect, useMemo, useState } from "react";
import { getJson } from "../api/client.ts";
import { searchHref } from "../routing.ts";
import { curlCommand } from "./curl.ts";
import { type ApiEvent, toCsv, toNdjson } from "./export.ts";
import { ResultsTable } from "./ResultsTable.tsx";
import { SearchForm } from "./SearchForm.tsx";
import { SearchSummary } from "./SearchSummary.tsx";
import {
  EVENTS_PATH,
  eventsApiQuery,
  resolveRange,
  type SearchState,
  searchFromHashQuery,
  searchToHashQuery,
} from "./search-state.ts";

interface EventsPage {
  results: ApiEvent[];
  total_count: number;
  links: { next?: string };
}

/** The largest page the Events API gives: exports walk the search in as few requests as possible. */
const EXPORT_PAGE_SIZE = 10_000;

interface SearchPageProps {
  apiKey: string;
  query: string;
  onError(error: unknown): void;
}

export function SearchPage({ apiKey, query, onError }: SearchPageProps) {
  const state = useMemo(() => searchFromHashQuery(query), [query]);
  // A preset ("last 24 hours") is pinned when the search runs: its pages and its export see one window. The app
  // remounts this page for every new address, so a new search starts a new window.
  const window_ = useMemo(() => resolveRange(state.range, new Date()), [state]);
  const firstPage = `${EVENTS_PATH}?${eventsApiQuery(state, window_, state.perPage)}`;
  // Visited pages' request paths: the Events API's cursors only go forward, so going back re-reads a kept path.
  const [pages, setPages] = useState<string[]>([firstPage]);
  // The answer with the path it answers: while the next page loads, the last one is not shown as the next one.
  const [answer, setAnswer] = useState<{ path: string; page: EventsPage } | undefined>();
  const [failedPath, setFailedPath] = useState<string | undefined>();
  const [status, setStatus] = useState("");
  // A search that arrives by its address (a drill-down, a shared link, a timeline) shows its filters as a summary, so
  // the results are in view; the form opens on request, and a blank search starts with it.
  const [editing, setEditing] = useState(query === "");
  const now = useMemo(() => new Date(), []);

  const current = pages[pages.length - 1] ?? firstPage;

  useEffect(() => {
    const abort = new AbortController();
    getJson<EventsPage>(apiKey, current, abort.signal)
      .then((page) => setAnswer({ path: current, page }))
      .catch((error: unknown) => {
        if (abort.signal.aborted) return;
        setFailedPath(current);
        onError(error);
      });
    return () => abort.abort();
  }, [apiKey, current, onError]);
  const page = answer?.path === current ? answer.page : undefined;
  const loading = page === undefined && failedPath !== current;

  const search = (next: SearchState) => {
    const href = searchHref(searchToHashQuery(next));
    if (window.location.hash === href) setPages([firstPage]);
    else window.location.hash = href;
  };

  const copyCurl = async () => {
    const command = curlCommand(window.location.origin, current);
    try {
      await navigator.clipboard.writeText(command);
      setStatus("Copied the curl command (it reads the key from $MSGEVENTS_API_KEY).");
    } catch {
      setStatus(`Copy this command: ${command}`);
    }
  };

  const exportAs = async (format: "csv" | "ndjson") => {
    const events: ApiEvent[] = [];
    let next: string | undefined = `${EVENTS_PATH}?${eventsApiQuery(state, window_, EXPORT_PAGE_SIZE)}`;
    try {
      while (next) {
        setStatus(`Exporting… ${events.length} events so far`);
        const part: EventsPage = await getJson<EventsPage>(apiKey, next);
        events.push(...part.results);
        next = part.links.next;
      }
    } catch (error) {
      setStatus("");
      onError(error);
      return;
    }
    const body = format === "csv" ? toCsv(events) : toNdjson(events);
    const type = format === "csv" ? "text/csv" : "application/x-ndjson";
    const link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([body], { type }));
    link.download = `msgevents-${window_.from}-${window_.to}.${format}`.replaceAll(":", "");
    link.click();
    URL.revokeObjectURL(link.href);
    setStatus(`Exported ${events.length} events as ${format.toUpperCase()}.`);
  };

  const pageNumber = pages.length;
  const first = page && page.results.length > 0 ? (pageNumber - 1) * state.perPage + 1 : 0;
  const last = page ? first + page.results.length - (page.results.length > 0 ? 1 : 0) : 0;

  return (
    <section aria-labelledby="search-title">
      <h1 id="search-title">{timelineTitle(state) ?? "Search events"}</h1>
      {editing ? (
        <SearchForm key={query} initial={state} onSearch={search} />
      ) : (
        <SearchSummary state={state} onEdit={() => setEditing(true)} />
      )}
      <p className="window">
        From <time dateTime={window_.from}>{window_.from}</time> to <time dateTime={window_.to}>{window_.to}</time>{" "}
        (UTC, end exclusive)
      </p>
      <div className="toolbar">
        <button type="button" onClick={() => void copyCurl()}>
          Copy as curl
        </button>
        <button type="button" onClick={() => void exportAs("csv")} disabled={!page || page.total_count === 0}>
          Export CSV
        </button>
        <button type="button" onClick={() => void exportAs("ndjson")} disabled={!page || page.total_count === 0}>
          Export NDJSON
        </button>
      </div>
      <p className="status" role="status" aria-live="polite">
        {status}
      </p>
      <div aria-busy={loading}>
        {page && (
          <>
            <p className="summary" data-testid="result-summary">
              {page.total_count === 0
                ? "No events match."
                : `Showing ${first}–${last} of ${page.total_count} events (page ${pageNumber})`}
            </p>
            {page.results.length > 0 && (
              <ResultsTable key={current} events={page.results} now={now} timeline={state.timeline} />
            )}
            <nav className="pager" aria-label="Result pages">
              <button type="button" disabled={pages.length < 2} onClick={() => setPages(pages.slice(0, -1))}>
                Previous page
              </button>
              <button
                type="button"
                disabled={!page.links.next}
                onClick={() => page.links.next && setPages([...pages, page.links.next])}
              >
                Next page
              </button>
            </nav>
          </>
        )}
        {loading && <p>Loading…</p>}
      </div>
    </section>
  );
}

/** A timeline's heading: whose events it shows. */
function timelineTitle(state: SearchState): string | undefined {
  if (!state.timeline) return undefined;
  const message = state.filters.messages?.[0];
  const recipient = state.filters.recipients?.[0];
  if (message) return `Timeline of message ${message}`;
  if (recipient) return `Timeline of ${recipient}`;
  return undefined;
}
