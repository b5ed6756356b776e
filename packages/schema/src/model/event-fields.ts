// The fields SparkPost events carry, each written once with its meaning, in groups of fields that travel together.
// event-types.ts composes the 27 event types from these groups. The meanings are SparkPost's own descriptions from its
// webhook event documentation (see the package README: "How to add a field").
// Numeric fields arrive as strings in some payloads and numbers in others, so both are typed.

/**
 * Fields every SparkPost event carries. SparkPost adds fields "from time to time": the index signature keeps every
 * field this model does not name.
 */
export interface EventBase {
  /** SparkPost-customer identifier through which this message was sent */
  customer_id?: string | number;
  /** Unique subaccount identifier. */
  subaccount_id?: string | number;
  /** Event date and time, in Unix timestamp format (integer seconds since 00:00:00 GMT 1970-01-01) */
  timestamp?: string | number;
  [field: string]: unknown;
}

/** An event with SparkPost's id: every type but `sms_status`. */
export interface IdentifiedEvent extends EventBase {
  /** Unique event identifier */
  event_id?: string;
}

/** The recipient on the SMTP envelope: every event about one message to one recipient. */
export interface EnvelopeRecipientFields {
  /** Lowercase version of recipient address used on this message's SMTP envelope */
  rcpt_to?: string;
  /** Actual recipient address used on this message's SMTP envelope */
  raw_rcpt_to?: string;
  /** Hashed version of recipient address used on this message's SMTP envelope */
  rcpt_hash?: string;
}

/** What the transmission said about its recipient. */
export interface RecipientDetailFields {
  /** Domain part of the recipient address used on this message's SMTP envelope */
  recipient_domain?: string;
  /** Metadata describing the message recipient */
  rcpt_meta?: Record<string, unknown>;
  /** Tags applied to the message which generated this event */
  rcpt_tags?: string[];
  /** Indicates that a recipient address appeared in the Cc or Bcc header or the archive JSON array */
  rcpt_type?: string;
}

/** The message SparkPost accepted. */
export interface MessageIdentityFields {
  /** SparkPost-cluster-wide unique identifier for this message */
  message_id?: string;
  /** Sender address used on this message's SMTP envelope */
  msg_from?: string;
  /** Time at which this message was injected into SparkPost */
  injection_time?: string;
}

/** The content of an email message. */
export interface MessageContentFields {
  /** Subject line from the email header */
  subject?: string;
  /** Message's size in bytes */
  msg_size?: string | number;
}

/** The transmission, template, campaign and A/B test a message came from. */
export interface TransmissionFields {
  /** Transmission which originated this message */
  transmission_id?: string;
  /** Campaign of which this message was a part */
  campaign_id?: string;
  /** Slug of the template used to construct this message */
  template_id?: string;
  /** Version of the template used to construct this message */
  template_version?: string | number;
  /** Friendly sender or 'From' header in the original email */
  friendly_from?: string;
  /** Indicates if the transmission was marked as transactional */
  transactional?: string | number;
  /** Time at which the email was scheduled to be sent */
  scheduled_time?: string | number;
  /** A/B test of which this event was a part. */
  ab_test_id?: string;
  /** A/B test version that was used for this event. */
  ab_test_version?: string | number;
}

/** Where SparkPost sent a message from and to. */
export interface RoutingFields {
  /** IP pool through which this message was sent */
  ip_pool?: string;
  /** IP address through which this message was sent */
  sending_ip?: string;
  /** Domain receiving this message */
  routing_domain?: string;
}

/** How SparkPost received a message. */
export interface ReceptionFields {
  /** Protocol by which SparkPost received this message */
  recv_method?: string;
  /** IP address of the host from which SparkPost received this message */
  remote_addr?: string;
}

/** An attempt to hand a message to the remote server. */
export interface DeliveryAttemptFields {
  /** Protocol by which SparkPost delivered this message */
  delv_method?: string;
  /** IP address of the host to which SparkPost delivered this message; in engagement events, the IP address of the host where the HTTP request originated */
  ip_address?: string;
  /** Number of failed attempts before this message was successfully delivered; when the first attempt succeeds, zero */
  num_retries?: string | number;
  /** Delay, expressed in milliseconds, between this message's injection into SparkPost and its delivery to the receiving domain; that is, the length of time this message spent in the outgoing queue */
  queue_time?: string | number;
  /** Whether a message was sent using TLS or not. Specifies if a message wasn't sent with TLS either because no TLS was offered or TLS negotiation failed. 1 means TLS was used, 0 means TLS was not offered, -1 means TLS negotiation failed */
  outbound_tls?: string;
  /** Token of the device / application targeted by this PUSH notification message. Applies only when delv_method is gcm or apn. */
  device_token?: string;
}

/** Which engagement tracking the message was sent with. */
export interface TrackingSettingFields {
  /** Indicates whether or not amp format was enabled */
  amp_enabled?: boolean;
  /** Indicates whether or not click tracking was enabled */
  click_tracking?: boolean;
  /** Indicates whether or not initial open pixel tracking was enabled */
  initial_pixel?: boolean;
  /** Indicates whether or not open tracking was enabled */
  open_tracking?: boolean;
}

/** Why a message was refused or not delivered. */
export interface FailureFields {
  /** Canonicalized text of the response returned by the remote server due to a failed delivery attempt */
  reason?: string;
  /** Unmodified, exact response returned by the remote server due to a failed delivery attempt */
  raw_reason?: string;
  /** Error code by which the remote server described a failed delivery attempt */
  error_code?: string | number;
  /** Classification code for a given message (see [Bounce Classification Codes](https://support.sparkpost.com/customer/portal/articles/1929896)) */
  bounce_class?: string | number;
}

/** The recipient's client, in engagement events. */
export interface EngagementFields {
  /** Value of the browser's User-Agent header */
  user_agent?: string;
  /** Geographic location based on the IP address, including latitude, longitude, city, country, region, and zip */
  geo_ip?: Record<string, unknown>;
}

/** The tracked link a recipient clicked. */
export interface TrackedLinkFields {
  /** Name of the link for which a click event was generated */
  target_link_name?: string;
  /** URL of the link for which a click event was generated */
  target_link_url?: string;
}

/** An SMS message. */
export interface SmsFields {
  /** Data encoding used in the SMS message */
  sms_coding?: string;
  /** SMS source address */
  sms_src?: string;
  /** Source numbering plan identification */
  sms_src_npi?: string;
  /** Type of number for the source address */
  sms_src_ton?: string;
  /** SMS destination address */
  sms_dst?: string;
  /** Destination numbering plan identification */
  sms_dst_npi?: string;
  /** Type of number for the destination address */
  sms_dst_ton?: string;
  /** The SMS message payload (in the character set specified in sms_coding) */
  sms_text?: string;
  /** Segment number of the log line for large messages sent through multiple SMSes */
  sms_segments?: string | number;
  /** The message ID(s) in the response, assigned by the remote server/SMSC */
  sms_remoteids?: string[];
}

/**
 * Fields the Events API adds to the events it returns, which no webhook event documents: derived from the addresses
 * and from SparkPost's knowledge of mailbox providers. The event types leave them to the index signature; the
 * columns that store them name them here.
 */
export interface EventsApiEnrichmentFields {
  /** Domain part of the friendly from address */
  sending_domain?: string;
  /** Mailbox provider of the recipient address, such as Gmail */
  mailbox_provider?: string;
  /** Region of the recipient's mailbox provider, such as Europe */
  mailbox_provider_region?: string;
}
