import type { DeliveryMessage } from "../channels/notification.ts";
import { attemptDelivery, type SenderConfig } from "../channels/send.ts";

/** A delivery handed to a sender for one attempt. */
export interface OutboundDelivery {
  id: number;
  /** 1 for the first attempt: a receipt names the attempt it answers, so a late one cannot settle a newer attempt. */
  attempt: number;
  message: DeliveryMessage;
}

/** How one attempt went, as the sender reports it. */
export interface DeliveryReceipt {
  deliveryId: number;
  attempt: number;
  ok: boolean;
  error?: string;
  /** When the attempt ended (ISO). */
  at: string;
}

/**
 * Where deliveries go. The local stack sends them itself (`directTransport`: receipts at once); in AWS the evaluator
 * cannot reach the internet and hands them to the sender function outside the VPC, whose receipts come back later.
 */
export interface DeliveryTransport {
  /** Attempts (or hands over) the deliveries; resolves to the receipts known now. */
  send(deliveries: readonly OutboundDelivery[]): Promise<DeliveryReceipt[]>;
  /** Receipts reported since the last call; `record` stores them before they are let go. */
  collect(record: (receipts: DeliveryReceipt[]) => Promise<void>): Promise<number>;
}

/** Runs `work` over `items`, at most `limit` at once. */
async function eachLimited<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  });
  await Promise.all(lanes);
  return results;
}

/** Sends from this process: one attempt per delivery, four at once, each receipt returned at once. */
export function directTransport(config: SenderConfig): DeliveryTransport {
  return {
    send: (deliveries) =>
      eachLimited(deliveries, 4, async (delivery) => {
        const outcome = await attemptDelivery(delivery.message, config);
        return {
          deliveryId: delivery.id,
          attempt: delivery.attempt,
          ok: outcome.ok,
          ...(outcome.error ? { error: outcome.error } : {}),
          at: config.now().toISOString(),
        };
      }),
    collect: async () => 0,
  };
}
