import { type Connection, requireApiKey } from "./connection.ts";
import type { CliDeps } from "./deps.ts";
import { joinUrl } from "./http.ts";
import { createSink, type OutputFormat } from "./output.ts";
import { queryString, walkPages } from "./pages.ts";
import { createProgress } from "./progress.ts";
import { terminalOf } from "./terminal.ts";

/** Every filter of SparkPost's Events API, plus msgevents' rcpt_meta and rcpt_tags: one flag each. */
export const EVENT_FILTERS = [
  "event_ids",
  "events",
  "recipients",
  "recipient_domains",
  "from_addresses",
  "sending_domains",
  "subjects",
  "bounce_classes",
  "reasons",
  "campaigns",
  "templates",
  "sending_ips",
  "ip_pools",
  "subaccounts",
  "messages",
  "transmissions",
  "mailbox_providers",
  "mailbox_provider_regions",
  "ab_tests",
  "ab_test_versions",
  "rcpt_meta",
  "rcpt_tags",
] as const;

export type EventFilter = (typeof EVENT_FILTERS)[number];

export const DEFAULT_EVENT_COLUMNS = ["timestamp", "type", "rcpt_to", "subject", "campaign_id", "event_id"];

export interface EventsOptions extends ListingOptions {
  from?: string;
  to?: string;
  perPage?: number;
  delimiter?: string;
  filters: Partial<Record<EventFilter, string>>;
}

export interface ListingSummary {
  rows: number;
  pages: number;
  totalCount: number | undefined;
}

export const eventsPath = "/api/v1/events/message";

export interface ListingOptions {
  all: boolean;
  format: OutputFormat;
  columns: readonly string[];
  progress?: boolean;
}

/**
 * Writes one page of a cursor-paged msgevents API, or with `all` every page, streamed to the output as it arrives:
 * memory stays at one page however long the walk.
 */
export async function streamListing(
  connection: Connection,
  listing: { path: string; params: Record<string, string | number | undefined>; unit: string; what: string },
  options: ListingOptions,
  deps: CliDeps,
): Promise<ListingSummary> {
  const apiKey = requireApiKey(connection);
  const sink = createSink(options.format, deps.stdout, options.columns, terminalOf(deps.stdout, deps.env));
  const progress = createProgress(deps.stderr, listing.unit, options.progress);
  const summary: ListingSummary = { rows: 0, pages: 0, totalCount: undefined };
  const pages = walkPages(
    deps,
    connection.url,
    joinUrl(connection.url, `${listing.path}${queryString(listing.params)}`),
    {
      what: `${listing.what} at ${connection.url}`,
      authorization: apiKey,
      hints: { 401: "check --api-key / MSGEVENTS_API_KEY" },
      signal: deps.signal,
      onRetry: ({ reason, delayMs }) => deps.stderr.write(`${reason}; retrying in ${delayMs} ms\n`),
    },
  );
  try {
    for await (const page of pages) {
      if (summary.pages === 0) {
        summary.totalCount = page.total_count;
        if (options.all) progress.start(page.total_count ?? 0, 0);
      }
      summary.pages++;
      summary.rows += page.results.length;
      await sink.write(page.results);
      progress.update(summary.rows);
      if (!options.all || deps.signal.aborted) break;
    }
  } finally {
    progress.stop();
  }
  await sink.end();
  if (!options.all && summary.totalCount !== undefined && summary.totalCount > summary.rows) {
    deps.stderr.write(
      `${summary.rows} of ${summary.totalCount} ${listing.unit} shown; --per-page N shows more, --all every page\n`,
    );
  }
  return summary;
}

/** `msgevents events`: the Events API search with every filter. */
export function searchEvents(connection: Connection, options: EventsOptions, deps: CliDeps): Promise<ListingSummary> {
  return streamListing(
    connection,
    {
      path: eventsPath,
      params: {
        from: options.from,
        to: options.to,
        per_page: options.perPage,
        delimiter: options.delimiter,
        ...options.filters,
      },
      unit: "events",
      what: "searching events",
    },
    options,
    deps,
  );
}
