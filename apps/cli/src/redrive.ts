import path from "node:path";
import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { listDeadLetters, requestReplay } from "@msgevents/local/dead-letter-files";
import { type AwsFlags, notifiedKeys, queueUrlOf, sqsClient } from "./aws.ts";
import type { CliDeps } from "./deps.ts";
import { CliError, configError, EXIT } from "./errors.ts";

export interface RedriveOptions extends AwsFlags {
  dryRun: boolean;
  /** Stop after this many dead-lettered messages (AWS). */
  max?: number;
}

/** One dead-lettered batch and why it is there. */
export interface DeadLetterReport {
  keys: string[];
  why: string;
  when: string;
}

export interface RedriveSummary {
  mode: "local" | "aws";
  letters: DeadLetterReport[];
  moved: number;
}

/**
 * `msgevents redrive`: shows each dead-lettered batch and why it failed, then moves them back to be loaded again.
 * Locally: the stack's parked batches (`<data dir>/queue/dead`). In AWS: the loader's dead-letter queue, moved to
 * the source queue message by message (receive, send, delete) — SQS's StartMessageMoveTask would do the same
 * server-side but shows nothing of what it moves.
 */
export async function redrive(dataDir: string, options: RedriveOptions, deps: CliDeps): Promise<RedriveSummary> {
  const dlqUrl = options.dlqUrl ?? (deps.env.MSGEVENTS_SQS_DLQ_URL?.trim() || undefined);
  if (dlqUrl) return redriveQueue(dlqUrl, options, deps);
  if (queueUrlOf(options, deps.env)) {
    throw configError("redrive in AWS needs --dlq-url (or MSGEVENTS_SQS_DLQ_URL): the loader's dead-letter queue");
  }
  const queueDir = path.join(dataDir, "queue");
  const letters = await listDeadLetters(queueDir);
  const reports = letters.map((letter) => ({
    keys: [letter.key],
    why: `${letter.error} (after ${letter.attempts} attempt(s))`,
    when: letter.deadAt,
  }));
  const moved = options.dryRun || letters.length === 0 ? 0 : await requestReplay(queueDir);
  return { mode: "local", letters: reports, moved };
}

async function redriveQueue(dlqUrl: string, options: RedriveOptions, deps: CliDeps): Promise<RedriveSummary> {
  const sourceUrl = queueUrlOf(options, deps.env);
  if (!options.dryRun && !sourceUrl) {
    throw configError("redrive needs --queue-url (or MSGEVENTS_SQS_QUEUE_URL): the queue to move dead letters back to");
  }
  const sqs = sqsClient(options, deps.env);
  const summary: RedriveSummary = { mode: "aws", letters: [], moved: 0 };
  const seen = new Set<string>();
  const limit = options.max ?? Number.POSITIVE_INFINITY;
  try {
    while (summary.letters.length < limit && !deps.signal.aborted) {
      const received = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: dlqUrl,
          MaxNumberOfMessages: Math.min(10, limit - summary.letters.length),
          // A dry run only looks: the messages become visible again at once.
          VisibilityTimeout: options.dryRun ? 0 : 60,
          WaitTimeSeconds: 1,
          MessageSystemAttributeNames: ["ApproximateReceiveCount", "SentTimestamp"],
        }),
      );
      // A message seen before is back after its visibility timeout: every message has had its turn.
      const fresh = (received.Messages ?? []).filter((message) => message.MessageId && !seen.has(message.MessageId));
      if (fresh.length === 0) break;
      for (const message of fresh) {
        seen.add(message.MessageId as string);
        summary.letters.push(report(message));
      }
      if (!options.dryRun) summary.moved += await moveBack(sqs, dlqUrl, sourceUrl as string, fresh);
    }
  } finally {
    sqs.destroy();
  }
  return summary;
}

function report(message: Message): DeadLetterReport {
  const receives = message.Attributes?.ApproximateReceiveCount;
  const sent = Number(message.Attributes?.SentTimestamp);
  const keys = notifiedKeys(message.Body ?? "");
  return {
    keys: keys.length > 0 ? keys : ["(not an S3 notification)"],
    // SQS keeps no reason: the loader logged the error for each failed receive (CloudWatch, msgevents-loader).
    why: `the loader failed it on every receive${receives ? ` (received ${receives} times)` : ""}; its log has each error`,
    when: Number.isFinite(sent) ? new Date(sent).toISOString() : "",
  };
}

async function moveBack(sqs: SQSClient, dlqUrl: string, sourceUrl: string, messages: Message[]): Promise<number> {
  const entries = messages.map((message, index) => ({ Id: String(index), MessageBody: message.Body ?? "" }));
  const sent = await sqs.send(new SendMessageBatchCommand({ QueueUrl: sourceUrl, Entries: entries }));
  const sentIds = new Set((sent.Successful ?? []).map((entry) => entry.Id));
  // Only what reached the source queue leaves the dead-letter queue: nothing is lost if a send fails.
  const toDelete = messages
    .map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle }))
    .filter((entry) => sentIds.has(entry.Id));
  if (toDelete.length > 0) await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: dlqUrl, Entries: toDelete }));
  if (sent.Failed && sent.Failed.length > 0) {
    throw new CliError(
      `the source queue refused ${sent.Failed.length} message(s): ${sent.Failed[0]?.Message ?? ""}`,
      EXIT.partial,
    );
  }
  return toDelete.length;
}

export function describeRedrive(summary: RedriveSummary, dryRun: boolean): string {
  const lines = summary.letters.map((letter) => `${letter.when}  ${letter.keys.join(" ")}\n    why: ${letter.why}`);
  if (summary.letters.length === 0) lines.push("no dead letters");
  else if (dryRun) lines.push(`${summary.letters.length} dead letter(s); run without --dry-run to load them again`);
  else lines.push(`${summary.moved} dead letter(s) moved back to the queue to be loaded again`);
  return lines.join("\n");
}
