/** SparkPost's batch id header (sent as X-MessageSystems-Batch-ID or X-Messagesystems-Batch-Id; names are lower-cased). */
export const BATCH_ID_HEADER = "x-messagesystems-batch-id";
