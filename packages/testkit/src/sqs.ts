import type { SQSClientConfig } from "@aws-sdk/client-sqs";
import { type FauxqsServer, startFauxqs } from "fauxqs";

export interface TestQueue {
  queueUrl: string;
  queueArn: string;
  /** The dead-letter queue that receives a message after `maxReceiveCount` receives. */
  deadLetterQueueUrl: string;
}

export interface TestQueueOptions {
  /** Seconds a received message stays invisible before SQS delivers it again (default 30, as in SQS). */
  visibilityTimeoutSeconds?: number;
  /** Receives after which SQS moves a message to the dead-letter queue (default 3). */
  maxReceiveCount?: number;
}

export interface TestSqsServer {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  /** Options for `new SQSClient(...)`: endpoint, region and dummy credentials. */
  clientConfig: SQSClientConfig;
  /** Creates `name` and `name-dlq`, with a redrive policy from the first to the second. */
  createQueue(name: string, options?: TestQueueOptions): TestQueue;
  close(): Promise<void>;
}

/**
 * Starts a real SQS emulator (fauxqs, in process, on a free port): visibility timeouts, long polling and
 * dead-letter redrive behave as in SQS.
 */
export async function startSqsServer(): Promise<TestSqsServer> {
  const server: FauxqsServer = await startFauxqs({ port: 0, logger: false });
  const endpoint = server.address;
  return {
    endpoint,
    clientConfig: { endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" } },
    createQueue(name, options = {}) {
      const deadLetters = server.createQueue(`${name}-dlq`);
      const queue = server.createQueue(name, {
        attributes: {
          VisibilityTimeout: String(options.visibilityTimeoutSeconds ?? 30),
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: deadLetters.queueArn,
            maxReceiveCount: String(options.maxReceiveCount ?? 3),
          }),
        },
      });
      return { queueUrl: queue.queueUrl, queueArn: queue.queueArn, deadLetterQueueUrl: deadLetters.queueUrl };
    },
    close: () => server.stop(),
  };
}
