import type { Connection } from "./connection.ts";
import type { CliDeps } from "./deps.ts";
import { type ListingOptions, type ListingSummary, streamListing } from "./events.ts";

export const REJECTION_COLUMNS = ["batch_id", "received_at", "loaded_at", "index", "reason"];

/** `msgevents rejections`: the records the loader refused, newest batch first, with the reason for each. */
export function listRejections(
  connection: Connection,
  options: ListingOptions & { from?: string; to?: string; perPage?: number },
  deps: CliDeps,
): Promise<ListingSummary> {
  return streamListing(
    connection,
    {
      path: "/api/v1/rejections",
      params: { from: options.from, to: options.to, per_page: options.perPage },
      unit: "rejected records",
      what: "listing rejected records",
    },
    options,
    deps,
  );
}
