import { webhookEvent } from "./support.ts";

/** The two sending streams of the hand-counted set: every field a Metrics API group-by or filter reads. */
export const SPRING = {
  campaign_id: "spring",
  template_id: "t-spring",
  rcpt_to: "someone@gmail.com",
  recipient_domain: "gmail.com",
  friendly_from: "news@spring.example",
  ip_pool: "shared",
  sending_ip: "10.0.0.1",
  subaccount_id: "0",
  mailbox_provider: "Gmail",
  mailbox_provider_region: "Global",
};

export const FALL = {
  campaign_id: "fall",
  template_id: "t-fall",
  rcpt_to: "someone@yahoo.com",
  recipient_domain: "yahoo.com",
  friendly_from: "news@fall.example",
  ip_pool: "dedicated",
  sending_ip: "10.0.0.2",
  subaccount_id: "7",
  mailbox_provider: "Yahoo",
  mailbox_provider_region: "North America",
};

const at = (time: string) => `2024-06-10T${time}.000Z`;

/**
 * A day of traffic counted by hand (2024-06-10 UTC), plus one event on each neighbouring day that a window of that
 * day must leave out. The expected values are in HAND_COUNTS; times sit on and beside 15-minute and hour edges.
 */
export function handCountedEvents(): unknown[] {
  const spring = (fields: Record<string, unknown>) => webhookEvent({ ...SPRING, ...fields });
  const fall = (fields: Record<string, unknown>) => webhookEvent({ ...FALL, ...fields });
  return [
    spring({ type: "injection", message_id: "m1", timestamp: at("10:00:00") }),
    spring({ type: "injection", message_id: "m2", timestamp: at("10:00:00") }),
    spring({ type: "injection", message_id: "m3", timestamp: at("10:00:00") }),
    spring({
      type: "delivery",
      message_id: "m1",
      num_retries: "0",
      queue_time: "100",
      msg_size: "1000",
      timestamp: at("10:01:00"),
    }),
    spring({
      type: "delivery",
      message_id: "m2",
      num_retries: "2",
      queue_time: "5000",
      msg_size: "2000",
      timestamp: at("10:05:00"),
    }),
    spring({
      type: "bounce",
      message_id: "m3",
      bounce_class: "10",
      reason: "550 5.1.1 user unknown",
      timestamp: at("10:02:00"),
    }),
    // A bounce without class or reason: Undetermined, reason "".
    spring({ type: "bounce", message_id: "m7", bounce_class: undefined, reason: undefined, timestamp: at("10:03:00") }),
    spring({ type: "initial_open", message_id: "m1", timestamp: at("10:19:00") }),
    spring({ type: "open", message_id: "m1", timestamp: at("10:20:00") }),
    spring({ type: "open", message_id: "m1", timestamp: at("10:21:00") }),
    spring({ type: "click", message_id: "m1", timestamp: at("10:22:00") }),
    spring({ type: "spam_complaint", message_id: "m1", timestamp: at("11:00:00") }),
    fall({ type: "injection", message_id: "m4", timestamp: at("12:00:00") }),
    fall({ type: "injection", message_id: "m5", timestamp: at("12:00:00") }),
    fall({
      type: "policy_rejection",
      message_id: "m6",
      bounce_class: "25",
      reason: "policy",
      timestamp: at("12:00:00"),
    }),
    fall({ type: "generation_failure", message_id: undefined, timestamp: at("12:00:00") }),
    fall({ type: "generation_rejection", message_id: undefined, bounce_class: "25", timestamp: at("12:00:00") }),
    fall({
      type: "delivery",
      message_id: "m4",
      num_retries: 0,
      queue_time: 200,
      msg_size: 500,
      timestamp: at("12:01:00"),
    }),
    fall({ type: "delay", message_id: "m5", num_retries: "0", reason: "421 try later", timestamp: at("12:01:00") }),
    fall({ type: "delay", message_id: "m5", num_retries: "1", reason: "421 try later", timestamp: at("12:30:00") }),
    fall({ type: "bounce", message_id: "m5", bounce_class: "25", reason: "admin failure", timestamp: at("13:00:00") }),
    fall({
      type: "out_of_band",
      message_id: "m4",
      bounce_class: "50",
      reason: "554 blocked",
      timestamp: at("14:00:00"),
    }),
    fall({ type: "list_unsubscribe", message_id: "m4", timestamp: at("15:00:00") }),
    fall({ type: "link_unsubscribe", message_id: "m4", timestamp: at("15:01:00") }),
    fall({ type: "amp_click", message_id: "m4", timestamp: at("15:02:00") }),
    fall({ type: "open", message_id: "m4", timestamp: at("23:59:59") }),
    // Outside the day: the minute before it and its end, which is exclusive.
    spring({ type: "delivery", message_id: "m0", num_retries: "0", timestamp: "2024-06-09T23:59:00.000Z" }),
    spring({ type: "delivery", message_id: "m9", num_retries: "0", timestamp: "2024-06-11T00:00:00.000Z" }),
  ];
}

/** Every served metric over 2024-06-10 (UTC), counted by hand from handCountedEvents. */
export const HAND_COUNTS = {
  count_targeted: 8,
  count_injected: 5,
  count_rejected: 3,
  count_policy_rejection: 1,
  count_generation_rejection: 1,
  count_generation_failed: 1,
  count_sent: 5,
  count_delivered: 3,
  count_delivered_first: 2,
  count_delivered_subsequent: 1,
  count_accepted: 2,
  count_delayed: 2,
  count_delayed_first: 1,
  count_bounce: 3,
  count_inband_bounce: 2,
  count_outofband_bounce: 1,
  count_hard_bounce: 1,
  count_soft_bounce: 0,
  count_block_bounce: 1,
  count_undetermined_bounce: 1,
  count_admin_bounce: 1,
  count_rendered: 3,
  count_initial_rendered: 1,
  count_unique_rendered: 2,
  count_unique_initial_rendered: 1,
  count_unique_confirmed_opened: 2,
  count_clicked: 2,
  count_unique_clicked: 2,
  count_spam_complaint: 1,
  count_unsubscribe: 2,
  total_delivery_time_first: 300,
  total_delivery_time_subsequent: 5000,
  total_msg_volume: 3500,
};

export const ALL_METRICS = Object.keys(HAND_COUNTS).join(",");
