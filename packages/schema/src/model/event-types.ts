// The 27 SparkPost event types, each composed of the field groups in event-fields.ts: a field is written once, and a
// type names the groups it carries (with Pick or Omit where it carries part of a group). Fields only one grouping or
// one type carries are written in that grouping's base or that type. test/event-types.test.ts holds every type to its
// reviewed fields, types and meanings, first recorded from the one-interface-per-type model this replaced.

import type {
  DeliveryAttemptFields,
  EngagementFields,
  EnvelopeRecipientFields,
  EventBase,
  EventsApiEnrichmentFields,
  FailureFields,
  IdentifiedEvent,
  MessageContentFields,
  MessageIdentityFields,
  ReceptionFields,
  RecipientDetailFields,
  RoutingFields,
  SmsFields,
  TrackedLinkFields,
  TrackingSettingFields,
  TransmissionFields,
} from "./event-fields.ts";
import type { EventGrouping, EventTypeUnder, KnownEventType } from "./groupings.ts";

/** An email message sent from a transmission to one recipient, as most message and engagement events describe it. */
export interface SentMessageEvent
  extends IdentifiedEvent,
    EnvelopeRecipientFields,
    RecipientDetailFields,
    MessageIdentityFields,
    MessageContentFields,
    TransmissionFields,
    RoutingFields {}

/** Fields every `message_event` carries. */
export interface MessageEventBase extends EventBase, Pick<RoutingFields, "ip_pool" | "sending_ip"> {}

/** message_event: `injection` */
export interface InjectionEvent
  extends MessageEventBase,
    SentMessageEvent,
    Pick<ReceptionFields, "recv_method">,
    TrackingSettingFields,
    Omit<SmsFields, "sms_remoteids"> {
  type: "injection";
}

/** message_event: `delivery` */
export interface DeliveryEvent
  extends MessageEventBase,
    SentMessageEvent,
    Pick<ReceptionFields, "recv_method">,
    DeliveryAttemptFields,
    TrackingSettingFields,
    Omit<SmsFields, "sms_text"> {
  type: "delivery";
}

/** What a bounce and a delay share: a message the remote server refused. */
export interface RemoteRefusalEventBase
  extends MessageEventBase,
    IdentifiedEvent,
    EnvelopeRecipientFields,
    RecipientDetailFields,
    MessageIdentityFields,
    MessageContentFields,
    Omit<TransmissionFields, "ab_test_id" | "ab_test_version">,
    RoutingFields,
    Pick<ReceptionFields, "recv_method">,
    Omit<DeliveryAttemptFields, "queue_time" | "outbound_tls">,
    TrackingSettingFields,
    FailureFields,
    Omit<SmsFields, "sms_text" | "sms_segments" | "sms_remoteids"> {}

/** message_event: `bounce` */
export interface BounceEvent extends RemoteRefusalEventBase {
  type: "bounce";
}

/** message_event: `delay` */
export interface DelayEvent extends RemoteRefusalEventBase, Pick<DeliveryAttemptFields, "queue_time" | "outbound_tls"> {
  type: "delay";
}

/** message_event: `out_of_band` */
export interface OutOfBandEvent
  extends MessageEventBase,
    IdentifiedEvent,
    EnvelopeRecipientFields,
    Omit<RecipientDetailFields, "rcpt_type">,
    MessageIdentityFields,
    MessageContentFields,
    TransmissionFields,
    RoutingFields,
    Pick<ReceptionFields, "recv_method">,
    Omit<DeliveryAttemptFields, "outbound_tls">,
    FailureFields {
  type: "out_of_band";
}

/** message_event: `policy_rejection` */
export interface PolicyRejectionEvent
  extends MessageEventBase,
    IdentifiedEvent,
    EnvelopeRecipientFields,
    RecipientDetailFields,
    MessageIdentityFields,
    Omit<TransmissionFields, "scheduled_time">,
    ReceptionFields,
    FailureFields {
  type: "policy_rejection";
}

/** message_event: `spam_complaint` */
export interface SpamComplaintEvent
  extends MessageEventBase,
    SentMessageEvent,
    Omit<DeliveryAttemptFields, "outbound_tls" | "device_token"> {
  type: "spam_complaint";
  /** Type of spam report entered against this message (see [RFC 5965 § 7.3](http://tools.ietf.org/html/rfc5965#section-7.3)) */
  fbtype?: string;
  /** Address of the entity reporting this message as spam */
  report_by?: string;
  /** Address to which this spam report is to be delivered */
  report_to?: string;
}

/** message_event: `sms_status` */
export interface SmsStatusEvent
  extends MessageEventBase,
    Pick<RoutingFields, "routing_domain">,
    Pick<ReceptionFields, "recv_method">,
    Pick<DeliveryAttemptFields, "delv_method" | "ip_address">,
    Pick<FailureFields, "reason" | "raw_reason">,
    Omit<SmsFields, "sms_coding" | "sms_segments"> {
  type: "sms_status";
  /** Delivery report latency; interval between message submission and receipt */
  dr_latency?: string | number;
  /** Status value in an SMS status event */
  stat_state?: string;
  /** Status type in an SMS status event */
  stat_type?: string;
}

/** Fields every `track_event` carries. */
export interface TrackEventBase
  extends SentMessageEvent,
    Omit<DeliveryAttemptFields, "outbound_tls" | "device_token">,
    TrackingSettingFields,
    EngagementFields {}

/** track_event: `open` */
export interface OpenEvent extends TrackEventBase {
  type: "open";
}

/** track_event: `initial_open` */
export interface InitialOpenEvent extends TrackEventBase {
  type: "initial_open";
}

/** track_event: `click` */
export interface ClickEvent extends TrackEventBase, TrackedLinkFields {
  type: "click";
}

/** track_event: `amp_open` */
export interface AmpOpenEvent extends TrackEventBase {
  type: "amp_open";
}

/** track_event: `amp_initial_open` */
export interface AmpInitialOpenEvent extends TrackEventBase {
  type: "amp_initial_open";
}

/** track_event: `amp_click` */
export interface AmpClickEvent extends TrackEventBase, TrackedLinkFields {
  type: "amp_click";
}

/** Fields every `gen_event` carries. */
export interface GenEventBase
  extends IdentifiedEvent,
    EnvelopeRecipientFields,
    Omit<RecipientDetailFields, "rcpt_type">,
    TransmissionFields,
    RoutingFields,
    Pick<ReceptionFields, "recv_method">,
    Omit<FailureFields, "bounce_class"> {
  /** Substitutions applied to the template to construct this message */
  rcpt_subs?: Record<string, unknown>;
}

/** gen_event: `generation_failure` */
export interface GenerationFailureEvent extends GenEventBase {
  type: "generation_failure";
}

/** gen_event: `generation_rejection` */
export interface GenerationRejectionEvent
  extends GenEventBase,
    Pick<MessageContentFields, "subject">,
    Pick<FailureFields, "bounce_class"> {
  type: "generation_rejection";
}

/** Fields every `unsubscribe_event` carries. */
export interface UnsubscribeEventBase
  extends SentMessageEvent,
    Pick<ReceptionFields, "recv_method">,
    Pick<DeliveryAttemptFields, "ip_address" | "num_retries" | "queue_time">,
    TrackingSettingFields {
  /** Envelope mailfrom of the original email */
  mailfrom?: string;
}

/** unsubscribe_event: `list_unsubscribe` */
export interface ListUnsubscribeEvent extends UnsubscribeEventBase {
  type: "list_unsubscribe";
}

/** unsubscribe_event: `link_unsubscribe` */
export interface LinkUnsubscribeEvent
  extends UnsubscribeEventBase,
    Pick<DeliveryAttemptFields, "delv_method">,
    Pick<EngagementFields, "user_agent">,
    TrackedLinkFields {
  type: "link_unsubscribe";
}

/** Fields every `relay_event` carries. */
export interface RelayEventBase
  extends IdentifiedEvent,
    EnvelopeRecipientFields,
    MessageIdentityFields,
    Pick<ReceptionFields, "recv_method"> {
  /** Unique identifier of the Relay Webhook associated with this message (uuid) */
  relay_id?: string;
  /** Source of the event */
  origination?: string;
}

/** A relayed message SparkPost sent on to its HTTP endpoint. */
export interface RelayAttemptEventBase
  extends RelayEventBase,
    RoutingFields,
    Pick<DeliveryAttemptFields, "delv_method" | "num_retries" | "queue_time"> {}

/** relay_event: `relay_injection` */
export interface RelayInjectionEvent extends RelayEventBase, RoutingFields, Pick<MessageContentFields, "msg_size"> {
  type: "relay_injection";
}

/** relay_event: `relay_rejection` */
export interface RelayRejectionEvent extends RelayEventBase, Pick<ReceptionFields, "remote_addr">, FailureFields {
  type: "relay_rejection";
}

/** relay_event: `relay_delivery` */
export interface RelayDeliveryEvent extends RelayAttemptEventBase {
  type: "relay_delivery";
}

/** relay_event: `relay_tempfail` */
export interface RelayTempfailEvent extends RelayAttemptEventBase, Omit<FailureFields, "bounce_class"> {
  type: "relay_tempfail";
}

/** relay_event: `relay_permfail` */
export interface RelayPermfailEvent
  extends RelayAttemptEventBase,
    Pick<DeliveryAttemptFields, "outbound_tls">,
    Omit<FailureFields, "bounce_class"> {
  type: "relay_permfail";
}

/** Fields every `ab_test_event` carries. */
export interface AbTestEventBase extends IdentifiedEvent {
  /** Metadata describing an A/B test */
  ab_test?: Record<string, unknown>;
}

/** ab_test_event: `ab_test_completed` */
export interface AbTestCompletedEvent extends AbTestEventBase {
  type: "ab_test_completed";
}

/** ab_test_event: `ab_test_cancelled` */
export interface AbTestCancelledEvent extends AbTestEventBase {
  type: "ab_test_cancelled";
}

/** Fields every `ingest_event` carries. */
export interface IngestEventBase extends IdentifiedEvent {
  /** Universally unique identifier */
  batch_id?: string;
  /** The time at which an ingest batch is no longer retrievable */
  expiration_timestamp?: string;
  /** How many events were already processed in a previous batch */
  number_duplicates?: string | number;
  /** How many events succeeded processing */
  number_succeeded?: string | number;
}

/** ingest_event: `success` */
export interface IngestSuccessEvent extends IngestEventBase {
  type: "success";
}

/** ingest_event: `error` */
export interface IngestErrorEvent extends IngestEventBase {
  type: "error";
  /** Category of error that was encountered in processing */
  error_type?: string;
  /** A reference to a failed batch */
  href?: string;
  /** How many events failed processing */
  number_failed?: string | number;
  /** Indicates if an error retryable */
  retryable?: boolean;
}

/** Each known event type's interface, by its `type`; checked to cover every type of `EVENT_GROUPINGS`. */
export type EventOfType = EveryKnownType<{
  injection: InjectionEvent;
  delivery: DeliveryEvent;
  bounce: BounceEvent;
  delay: DelayEvent;
  out_of_band: OutOfBandEvent;
  policy_rejection: PolicyRejectionEvent;
  spam_complaint: SpamComplaintEvent;
  sms_status: SmsStatusEvent;
  open: OpenEvent;
  initial_open: InitialOpenEvent;
  click: ClickEvent;
  amp_open: AmpOpenEvent;
  amp_initial_open: AmpInitialOpenEvent;
  amp_click: AmpClickEvent;
  generation_failure: GenerationFailureEvent;
  generation_rejection: GenerationRejectionEvent;
  list_unsubscribe: ListUnsubscribeEvent;
  link_unsubscribe: LinkUnsubscribeEvent;
  relay_injection: RelayInjectionEvent;
  relay_rejection: RelayRejectionEvent;
  relay_delivery: RelayDeliveryEvent;
  relay_tempfail: RelayTempfailEvent;
  relay_permfail: RelayPermfailEvent;
  ab_test_completed: AbTestCompletedEvent;
  ab_test_cancelled: AbTestCancelledEvent;
  success: IngestSuccessEvent;
  error: IngestErrorEvent;
}>;
type EveryKnownType<Map extends { [Type in KnownEventType]: { type: Type } }> = Map;

/** The events SparkPost sends under one grouping. */
type EventsUnder<Grouping extends EventGrouping> = EventOfType[EventTypeUnder<Grouping>];

export type MessageEvent = EventsUnder<"message_event">;
export type TrackEvent = EventsUnder<"track_event">;
export type GenEvent = EventsUnder<"gen_event">;
export type UnsubscribeEvent = EventsUnder<"unsubscribe_event">;
export type RelayEvent = EventsUnder<"relay_event">;
export type AbTestEvent = EventsUnder<"ab_test_event">;
export type IngestEvent = EventsUnder<"ingest_event">;
export type KnownEvent = EventOfType[KnownEventType];

/** The named fields of a type, without its index signature. */
type NamedFields<T> = { [K in keyof T as string extends K ? never : number extends K ? never : K]: T[K] };
type FieldsOfEach<T> = T extends unknown ? keyof NamedFields<T> : never;

/** Every field this model names: those of the 27 event types and those the Events API adds. */
export type EventFieldName = FieldsOfEach<KnownEvent> | keyof EventsApiEnrichmentFields;

/** One webhook record: `{"msys": {"<grouping>": {...event}}}`; the ping batch sends `{"msys": {}}`. */
export interface WebhookRecord {
  msys: {
    message_event?: MessageEvent;
    track_event?: TrackEvent;
    gen_event?: GenEvent;
    unsubscribe_event?: UnsubscribeEvent;
    relay_event?: RelayEvent;
    ab_test_event?: AbTestEvent;
    ingest_event?: IngestEvent;
    /** Groupings SparkPost adds later are kept too. */
    [grouping: string]: Record<string, unknown> | undefined;
  };
  [extra: string]: unknown;
}

/** The body SparkPost POSTs: an array of records. */
export type WebhookBatch = WebhookRecord[];
