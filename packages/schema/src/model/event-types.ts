// Generated from the SparkPost field reference (shared/sparkpost/fields.md): one interface per event type.
// Numeric fields arrive as strings in some payloads and numbers in others, so both are typed.
// Every event may carry fields added by SparkPost after this list was made: the index signature keeps them.

/** message_event: `injection` */
export interface InjectionEvent {
  type: "injection";
  /** A/B test of which this event was a part. */
  ab_test_id?: string;
  /** A/B test version that was used for this event. */
  ab_test_version?: string | number;
  /** Indicates whether or not amp format was enabled */
  amp_enabled?: boolean;
  /** Campaign of which this message was a part */
  campaign_id?: string;
  /** Indicates whether or not click tracking was enabled */
  click_tracking?: boolean;
  /** SparkPost-customer identifier through which this message was sent */
  customer_id?: string | number;
  /** Unique event identifier */
  event_id?: string;
  /** Friendly sender or 'From' header in the original email */
  friendly_from?: string;
  /** Indicates whether or not initial open pixel tracking was enabled */
  initial_pixel?: boolean;
  /** Time at which this message was injected into SparkPost */
  injection_time?: string;
  /** IP pool through which this message was sent */
  ip_pool?: string;
  /** SparkPost-cluster-wide unique identifier for this message */
  message_id?: string;
  /** Sender address used on this message's SMTP envelope */
  msg_from?: string;
  /** Message's size in bytes */
  msg_size?: string | number;
  /** Indicates whether or not open tracking was enabled */
  open_tracking?: boolean;
  /** Actual recipient address used on this message's SMTP envelope */
  raw_rcpt_to?: string;
  /** Hashed version of recipient address used on this message's SMTP envelope */
  rcpt_hash?: string;
  /** Metadata describing the message recipient */
  rcpt_meta?: Record<string, unknown>;
  /** Tags applied to the message which generated this event */
  rcpt_tags?: string[];
  /** Lowercase version of recipient address used on this message's SMTP envelope */
  rcpt_to?: string;
  /** Indicates that a recipient address appeared in the Cc or Bcc header or the archive JSON array */
  rcpt_type?: string;
  /** Domain part of the recipient address used on this message's SMTP envelope */
  recipient_domain?: string;
  /** Protocol by which SparkPost received this message */
  recv_method?: string;
  /** Domain receiving this message */
  routing_domain?: string;
  /** Time at which the email was scheduled to be sent */
  scheduled_time?: string | number;
  /** IP address through which this message was sent */
  sending_ip?: string;
  /** Data encoding used in the SMS message */
  sms_coding?: string;
  /** SMS destination address */
  sms_dst?: string;
  /** Destination numbering plan identification */
  sms_dst_npi?: string;
  /** Type of number for the destination address */
  sms_dst_ton?: string;
  /** Segment number of the log line for large messages sent through multiple SMSes */
  sms_segments?: string | number;
  /** SMS source address */
  sms_src?: string;
  /** Source numbering plan identification */
  sms_src_npi?: string;
  /** Type of number for the source address */
  sms_src_ton?: string;
  /** The SMS message payload (in the character set specified in sms_coding) */
  sms_text?: string;
  /** Unique subaccount identifier. */
  subaccount_id?: string | number;
  /** Subject line from the email header */
  subject?: string;
  /** Slug of the template used to construct this message */
  template_id?: string;
  /** Version of the template used to construct this message */
  template_version?: string | number;
  /** Event date and time, in Unix timestamp format (integer seconds since 00:00:00 GMT 1970-01-01) */
  timestamp?: string | number;
  /** Indicates if the transmission was marked as transactional */
  transactional?: string | number;
  /** Transmission which originated this message */
  transmission_id?: string;
  [field: string]: unknown;
}

/** message_event: `delivery` */
export interface DeliveryEvent {
  type: "delivery";
  /** A/B test of which this event was a part. */
  ab_test_id?: string;
  /** A/B test version that was used for this event. */
  ab_test_version?: string | number;
  /** Indicates whether or not amp format was enabled */
  amp_enabled?: boolean;
  /** Campaign of which this message was a part */
  campaign_id?: string;
  /** Indicates whether or not click tracking was enabled */
  click_tracking?: boolean;
  /** SparkPost-customer identifier through which this message was sent */
  customer_id?: string | number;
  /** Protocol by which SparkPost delivered this message */
  delv_method?: string;
  /** Token of the device / application targeted by this PUSH notification message. Applies only when delv_method is gcm or apn. */
  device_token?: string;
  /** Unique event identifier */
  event_id?: string;
  /** Friendly sender or 'From' header in the original email */
  friendly_from?: string;
  /** Indicates whether or not initial open pixel tracking was enabled */
  initial_pixel?: boolean;
  /** Time at which this message was injected into SparkPost */
  injection_time?: string;
  /** IP address of the host to which SparkPost delivered this message; in engagement events, the IP address of the host where the HTTP request originated */
  ip_address?: string;
  /** IP pool through which this message was sent */
  ip_pool?: string;
  /** SparkPost-cluster-wide unique identifier for this message */
  message_id?: string;
  /** Sender address used on this message's SMTP envelope */
  msg_from?: string;
  /** Message's size in bytes */
  msg_size?: string | number;
  /** Number of failed attempts before this message was successfully delivered; when the first attempt succeeds, zero */
  num_retries?: string | number;
  /** Indicates whether or not open tracking was enabled */
  open_tracking?: boolean;
  /** Whether a message was sent using TLS or not. Specifies if a message wasn't sent with TLS either because no TLS was offered or TLS negotiation failed. 1 means TLS was used, 0 means TLS was not offered, -1 means TLS negotiation failed */
  outbound_tls?: string;
  /** Delay, expressed in milliseconds, between this message's injection into SparkPost and its delivery to the receiving domain; that is, the length of time this message spent in the outgoing queue */
  queue_time?: string | number;
  /** Actual recipient address used on this message's SMTP envelope */
  raw_rcpt_to?: string;
  /** Hashed version of recipient address used on this message's SMTP envelope */
  rcpt_hash?: string;
  /** Metadata describing the message recipient */
  rcpt_meta?: Record<string, unknown>;
  /** Tags applied to the message which generated this event */
  rcpt_tags?: string[];
  /** Lowercase version of recipient address used on this message's SMTP envelope */
  rcpt_to?: string;
  /** Indicates that a recipient address appeared in the Cc or Bcc header or the archive JSON array */
  rcpt_type?: string;
  /** Domain part of the recipient address used on this message's SMTP envelope */
  recipient_domain?: string;
  /** Protocol by which SparkPost received this message */
  recv_method?: string;
  /** Domain receiving this message */
  routing_domain?: string;
  /** Time at which the email was scheduled to be sent */
  scheduled_time?: string | number;
  /** IP address through which this message was sent */
  sending_ip?: string;
  /** Data encoding used in the SMS message */
  sms_coding?: string;
  /** SMS destination address */
  sms_dst?: string;
  /** Destination numbering plan identification */
  sms_dst_npi?: string;
  /** Type of number for the destination address */
  sms_dst_ton?: string;
  /** The message ID(s) in the response, assigned by the remote server/SMSC */
  sms_remoteids?: string[];
  /** Segment number of the log line for large messages sent through multiple SMSes */
  sms_segments?: string | number;
  /** SMS source address */
  sms_src?: string;
  /** Source numbering plan identification */
  sms_src_npi?: string;
  /** Type of number for the source address */
  sms_src_ton?: string;
  /** Unique subaccount identifier. */
  subaccount_id?: string | number;
  /** Subject line from the email header */
  subject?: string;
  /** Slug of the template used to construct this message */
  template_id?: string;
  /** Version of the template used to construct this message */
  template_version?: string | number;
  /** Event date and time, in Unix timestamp format (integer seconds since 00:00:00 GMT 1970-01-01) */
  timestamp?: string | number;
  /** Indicates if the transmission was marked as transactional */
  transactional?: string | number;
  /** Transmission which originated this message */
  transmission_id?: string;
  [field: string]: unknown;
}

/** message_event: `bounce` */
export interface BounceEvent {
  type: "bounce";
  /** Indicates whether or not amp format was enabled */
  amp_enabled?: boolean;
  /** Classification code for a given message (see [Bounce Classification Codes](https://support.sparkpost.com/customer/portal/articles/1929896)) */
  bounce_class?: string | number;
  /** Campaign of which this message was a part */
  campaign_id?: string;
  /** Indicates whether or not click tracking was enabled */
  click_tracking?: boolean;
  /** SparkPost-customer identifier through which this message was sent */
  customer_id?: string | number;
  /** Protocol by which SparkPost delivered this message */
  delv_method?: string;
  /** Token of the device / application targeted by this PUSH notification message. Applies only when delv_method is gcm or apn. */
  device_token?: string;
  /** Error code by which the remote server described a failed delivery attempt */
  error_code?: string | number;
  /** Unique event identifier */
  event_id?: string;
  /** Friendly sender or 'From' header in the original email */
  friendly_from?: string;
  /** Indicates whether or not initial open pixel tracking was enabled */
  initial_pixel?: boolean;
  /** Time at which this message was injected into SparkPost */
  injection_time?: string;
  /** IP address of the host to which SparkPost delivered this message; in engagement events, the IP address of the host where the HTTP request originated */
  ip_address?: string;
  /** IP pool through which this message was sent */
  ip_pool?: string;
  /** SparkPost-cluster-wide unique identifier for this message */
  message_id?: string;
  /** Sender address used on this message's SMTP envelope */
  msg_from?: string;
  /** Message's size in bytes */
  msg_size?: string | number;
  /** Number of failed attempts before this message was successfully delivered; when the first attempt succeeds, zero */
  num_retries?: string | number;
  /** Indicates whether or not open tracking was enabled */
  open_tracking?: boolean;
  /** Actual recipient address used on this message's SMTP envelope */
  raw_rcpt_to?: string;
  /** Unmodified, exact response returned by the remote server due to a failed delivery attempt */
  raw_reason?: string;
  /** Hashed version of recipient address used on this message's SMTP envelope */
  rcpt_hash?: string;
  /** Metadata describing the message recipient */
  rcpt_meta?: Record<string, unknown>;
  /** Tags applied to the message which generated this event */
  rcpt_tags?: string[];
  /** Lowercase version of recipient address used on this message's SMTP envelope */
  rcpt_to?: string;
  /** Indicates that a recipient address appeared in the Cc or Bcc header or the archive JSON array */
  rcpt_type?: string;
  /** Canonicalized text of the response returned by the remote server due to a failed delivery attempt */
  reason?: string;
  /** Domain part of the recipient address used on this message's SMTP envelope */
  recipient_domain?: string;
  /** Protocol by which SparkPost received this message */
  recv_method?: string;
  /** Domain receiving this message */
  routing_domain?: string;
  /** Time at which the email was scheduled to be sent */
  scheduled_time?: string | number;
  /** IP address through which this message was sent */
  sending_ip?: string;
  /** Data encoding used in the SMS message */
  sms_coding?: string;
  /** SMS destination address */
  sms_dst?: string;
  /** Destination numbering plan identification */
  sms_dst_npi?: string;
  /** Type of number for the destination address */
  sms_dst_ton?: string;
  /** SMS source address */
  sms_src?: string;
  /** Source numbering plan identification */
  sms_src_npi?: string;
  /** Type of number for the source address */
  sms_src_ton?: string;
  /** Unique subaccount identifier. */
  subaccount_id?: string | number;
  /** Subject line from the email header */
  subject?: string;
  /** Slug of the template used to construct this message */
  template_id?: string;
  /** Version of the template used to construct this message */
  template_version?: string | number;
  /** Event date and time, in Unix timestamp format (integer seconds since 00:00:00 GMT 1970-01-01) */
  timestamp?: string | number;
  /** Indicates if the transmission was marked as transactional */
  transactional?: string | number;
  /** Transmission which originated this message */
  transmission_id?: string;
  [field: string]: unknown;
}

/** message_event: `delay` */
export interface DelayEvent {
  type: "delay";
  /** Indicates whether or not amp format was enabled */
  amp_enabled?: boolean;
  /** Classification code for a given message (see [Bounce Classification Codes](https://support.sparkpost.com/customer/portal/articles/1929896)) */
  bounce_class?: string | number;
  /** Campaign of which this message was a part */
  campaign_id?: string;
  /** Indicates whether or not click tracking was enabled */
  click_tracking?: boolean;
  /** SparkPost-customer identifier through which this message was sent */
  customer_id?: string | number;
  /** Protocol by which SparkPost delivered this message */
  delv_method?: string;
  /** Token of the device / application targeted by this PUSH notification message. Applies only when delv_method is gcm or apn. */
  device_token?: string;
  /** Error code by which the remote server described a failed delivery attempt */
  error_code?: string | number;
  /** Unique event identifier */
  event_id?: string;
  /** Friendly sender or 'From' header in the original email */
  friendly_from?: string;
  /** Indicates whether or not initial open pixel tracking was enabled */
  initial_pixel?: boolean;
  /** Time at which this message was injected into SparkPost */
  injection_time?: string;
  /** IP address of the host to which SparkPost delivered this message; in engagement events, the IP address of the host where the HTTP request originated */
  ip_address?: string;
  /** IP pool through which this message was sent */
  ip_pool?: string;
  /** SparkPost-cluster-wide unique identifier for this message */
  message_id?: string;
  /** Sender address used on this message's SMTP envelope */
  msg_from?: string;
  /** Message's size in bytes */
  msg_size?: string | number;
  /** Number of failed attempts before this message was successfully delivered; when the first attempt succeeds, zero */
  num_retries?: string | number;
  /** Indicates whether or not open tracking was enabled */
  open_tracking?: boolean;
  /** Whether a message was sent using TLS or not. Specifies if a message wasn't sent with TLS either because no TLS was offered or TLS negotiation failed. 1 means TLS was used, 0 means TLS was not offered, -1 means TLS negotiation failed */
  outbound_tls?: string;
  /** Delay, expressed in milliseconds, between this message's injection into SparkPost and its delivery to the receiving domain; that is, the length of time this message spent in the outgoing queue */
  queue_time?: string | number;
  /** Actual recipient address used on this message's SMTP envelope */
  raw_rcpt_to?: string;
  /** Unmodified, exact response returned by the remote server due to a failed delivery attempt */
  raw_reason?: string;
  /** Hashed version of recipient address used on this message's SMTP envelope */
  rcpt_hash?: string;
  /** Metadata describing the message recipient */
  rcpt_meta?: Record<string, unknown>;
  /** Tags applied to the message which generated this event */
  rcpt_tags?: string[];
  /** Lowercase version of recipient address used on this message's SMTP envelope */
  rcpt_to?: string;
  /** Indicates that a recipient address appeared in the Cc or Bcc header or the archive JSON array */
  rcpt_type?: string;
  /** Canonicalized text of the response returned by the remote server due to a failed delivery attempt */
  reason?: string;
  /** Domain part of the recipient address used on this message's SMTP envelope */
  recipient_domain?: string;
  /** Protocol by which SparkPost received this message */
  recv_method?: string;
  /** Domain receiving this message */
  routing_domain?: string;
  /** Time at which the email was scheduled to be sent */
  scheduled_time?: string | number;
  /** IP address through which this message was sent */
  sending_ip?: string;
  /** Data encoding used in the SMS message */
  sms_coding?: string;
  /** SMS destination address */
  sms_dst?: string;
  /** Destination numbering plan identification */
  sms_dst_npi?: string;
  /** Type of number for the destination address */
  sms_dst_ton?: string;
  /** SMS source address */
  sms_src?: string;
  /** Source numbering plan identification */
  sms_src_npi?: string;
  /** Type of number for the source address */
  sms_src_ton?: string;
  /** Unique subaccount identifier. */
  subaccount_id?: string | number;
  /** Subject line from the email header */
  subject?: string;
  /** Slug of the template used to construct this message */
  template_id?: string;
  /** Version of the template used to construct this message */
  template_version?: string | number;
  /** Event date and time, in Unix timestamp format (integer seconds since 00:00:00 GMT 1970-01-01) */
  timestamp?: string | number;
  /** Indicates if the transmission was marked as transactional */
  transactional?: string | number;
  /** Transmission which originated this message */
  transmission_id?: string;
  [field: string]: unknown;
}

/** message_event: `out_of_band` */
export interface OutOfBandEvent {
  type: "out_of_band";
  /** A/B test of which this event was a part. */
  ab_test_id?: string;
  /** A/B test version that was used for this event. */
  ab_test_version?: string | number;
  /** Classification code for a given message (see [Bounce Classification Codes](https://support.sparkpost.com/customer/portal/articles/1929896)) */
  bounce_class?: string | number;
  /** Campaign of which this message was a part */
  campaign_id?: string;
  /** SparkPost-customer identifier through which this message was sent */
  customer_id?: string | number;
  /** Protocol by which SparkPost delivered this message */
  delv_method?: string;
  /** Token of the device / application targeted by this PUSH notification message. Applies only when delv_method is gcm or apn. */
  device_token?: string;
  /** Error code by which the remote server described a failed delivery attempt */
  error_code?: string | number;
  /** Unique event identifier */
  event_id?: string;
  /** Friendly sender or 'From' header in the original email */
  friendly_from?: string;
  /** Time at which this message was injected into SparkPost */
  injection_time?: string;
  /** IP address of the host to which SparkPost delivered this message; in engagement events, the IP address of the host where the HTTP request originated */
  ip_address?: string;
  /** IP pool through which this message was sent */
  ip_pool?: string;
  /** SparkPost-cluster-wide unique identifier for this message */
  message_id?: string;
  /** Sender address used on this message's SMTP envelope */
  msg_from?: string;
  /** Message's size in bytes */
  msg_size?: string | number;
  /** Number of failed attempts before this message was successfully delivered; when the first attempt succeeds, zero */
  num_retries?: string | number;
  /** Delay, expressed in milliseconds, between this message's injection into SparkPost and its delivery to the receiving domain; that is, the length of time this message spent in the outgoing queue */
  queue_time?: string | number;
  /** Actual recipient address used on this message's SMTP envelope */
  raw_rcpt_to?: string;
  /** Unmodified, exact response returned by the remote server due to a failed delivery attempt */
  raw_reason?: string;
  /** Hashed version of recipient address used on this message's SMTP envelope */
  rcpt_hash?: string;
  /** Metadata describing the message recipient */
  rcpt_meta?: Record<string, unknown>;
  /** Tags applied to the message which generated this event */
  rcpt_tags?: string[];
  /** Lowercase version of recipient address used on this message's SMTP envelope */
  rcpt_to?: string;
  /** Canonicalized text of the response returned by the remote server due to a failed delivery attempt */
  reason?: string;
  /** Domain part of the recipient address used on this message's SMTP envelope */
  recipient_domain?: string;
  /** Protocol by which SparkPost received this message */
  recv_method?: string;
  /** Domain receiving this message */
  routing_domain?: string;
  /** Time at which the email was scheduled to be sent */
  scheduled_time?: string | number;
  /** IP address through which this message was sent */
  sending_ip?: string;
  /** Unique subaccount identifier. */
  subaccount_id?: string | number;
  /** Subject line from the email header */
  subject?: string;
  /** Slug of the template used to construct this message */
  template_id?: string;
  /** Version of the template used to construct this message */
  template_version?: string | number;
  /** Event date and time, in Unix timestamp format (integer seconds since 00:00:00 GMT 1970-01-01) */
  timestamp?: string | number;
  /** Indicates if the transmission was marked as transactional */
  transactional?: string | number;
  /** Transmission which originated this message */
  transmission_id?: string;
  [field: string]: unknown;
}

/** message_event: `policy_rejection` */
export interface PolicyRejectionEvent {
  type: "policy_rejection";
  /** A/B test of which this event was a part. */
  ab_test_id?: string;
  /** A/B test version that was used for this event. */
  ab_test_version?: string | number;
  /** Classification code for a given message (see [Bounce Classification Codes](https://support.sparkpost.com/customer/portal/articles/1929896)) */
  bounce_class?: string | number;
  /** Campaign of which this message was a part */
  campaign_id?: string;
  /** SparkPost-customer identifier through which this message was sent */
  customer_id?: string | number;
  /** Error code by which the remote server described a failed delivery attempt */
  error_code?: string | number;
  /** Unique event identifier */
  event_id?: string;
  /** Friendly sender or 'From' header in the original email */
  friendly_from?: string;
  /** Time at which this message was injected into SparkPost */
  injection_time?: string;
  /** IP pool through which this message was sent */
  ip_pool?: string;
  /** SparkPost-cluster-wide unique identifier for this message */
  message_id?: string;
  /** Sender address used on this message's SMTP envelope */
  msg_from?: string;
  /** Actual recipient address used on this message's SMTP envelope */
  raw_rcpt_to?: string;
  /** Unmodified, exact response returned by the remote server due to a failed delivery attempt */
  raw_reason?: string;
  /** Hashed version of recipient address used on this message's SMTP envelope */
  rcpt_hash?: string;
  /** Metadata describing the message recipient */
  rcpt_meta?: Record<string, unknown>;
  /** Tags applied to the message which generated this event */
  rcpt_tags?: string[];
  /** Lowercase version of recipient address used on this message's SMTP envelope */
  rcpt_to?: string;
  /** Indicates that a recipient address appeared in the Cc or Bcc header or the archive JSON array */
  rcpt_type?: string;
  /** Canonicalized text of the response returned by the remote server due to a failed delivery attempt */
  reason?: string;
  /** Domain part of the recipient address used on this message's SMTP envelope */
  recipient_domain?: string;
  /** Protocol by which SparkPost received this message */
  recv_method?: string;
  /** IP address of the host from which SparkPost received this message */
  remote_addr?: string;
  /** IP address through which this message was sent */
  sending_ip?: string;
  /** Unique subaccount identifier. */
  subaccount_id?: string | number;
  /** Slug of the template used to construct this message */
  template_id?: string;
  /** Version of the template used to construct this message */
  template_version?: string | number;
  /** Event date and time, in Unix timestamp format (integer seconds since 00:00:00 GMT 1970-01-01) */
  timestamp?: string | number;
  /** Indicates if the transmission was marked as transactional */
  transactional?: string | number;
  /** Transmission which originated this message */
  transmission_id?: string;
  [field: string]: unknown;
}

/** message_event: `spam_complaint` */
export interface SpamComplaintEvent {
  type: "spam_complaint";
  /** A/B test of which this event was a part. */
  ab_test_id?: string;
  /** A/B test version that was used for this event. */
  ab_test_version?: string | number;
  /** Campaign of which this message was a part */
  campaign_id?: string;
  /** SparkPost-customer identifier through which this message was sent */
  customer_id?: string | number;
  /** Protocol by which SparkPost delivered this message */
  delv_method?: string;
  /** Unique event identifier */
  event_id?: string;
  /** Type of spam report entered against this message (see [RFC 5965 § 7.3](http://tools.ietf.org/html/rfc5965#section-7.3)) */
  fbtype?: string;
  /** Friendly sender or 'From' header in the original email */
  friendly_from?: string;
  /** Time at which this message was injected into SparkPost */
  injection_time?: string;
  /** IP address of the host to which SparkPost delivered this message; in engagement events, the IP address of the host where the HTTP request originated */
  ip_address?: string;
  /** IP pool through which this message was sent */
  ip_pool?: string;
  /** SparkPost-cluster-wide unique identifier for this message */
  message_id?: string;
  /** Sender address used on this message's SMTP envelope */
  msg_from?: string;
  /** Message's size in bytes */
  msg_size?: string | number;
  /** Number of failed attempts before this message was successfully delivered; when the first attempt succeeds, zero */
  num_retries?: string | number;
  /** Delay, expressed in milliseconds, between this message's injection into SparkPost and its delivery to the receiving domain; that is, the length of time this message spent in the outgoing queue */
  queue_time?: string | number;
  /** Actual recipient address used on this message's SMTP envelope */
  raw_rcpt_to?: string;
  /** Hashed version of recipient address used on this message's SMTP envelope */
  rcpt_hash?: string;
  /** Metadata describing the message recipient */
  rcpt_meta?: Record<string, unknown>;
  /** Tags applied to the message which generated this event */
  rcpt_tags?: string[];
  /** Lowercase version of recipient address used on this message's SMTP envelope */
  rcpt_to?: string;
  /** Indicates that a recipient address appeared in the Cc or Bcc header or the archive JSON array */
  rcpt_type?: string;
  /** Domain part of the recipient address used on this message's SMTP envelope */
  recipient_domain?: string;
  /** Address of the entity reporting this message as spam */
  report_by?: string;
  /** Address to which this spam report is to be delivered */
  report_to?: string;
  /** Domain receiving this message */
  routing_domain?: string;
  /** Time at which the email was scheduled to be sent */
  scheduled_time?: string | number;
  /** IP address through which this message was sent */
  sending_ip?: string;
  /** Unique subaccount identifier. */
  subaccount_id?: string | number;
  /** Subject line from the email header */
  subject?: string;
  /** Slug of the template used to construct this message */
  template_id?: string;
  /** Version of the template used to construct this message */
  template_version?: string | number;
  /** Event date and time, in Unix timestamp format (integer seconds since 00:00:00 GMT 1970-01-01) */
  timestamp?: string | number;
  /** Indicates if the transmission was marked as transactional */
  transactional?: string | number;
  /** Transmission which originated this message */
  transmission_id?: string;
  [field: string]: unknown;
}

/** message_event: `sms_status` */
export interface SmsStatusEvent {
  type: "sms_status";
  /** SparkPost-customer identifier through which this message was sent */
  customer_id?: string | number;
  /** Protocol by which SparkPost delivered this message */
  delv_method?: string;
  /** Delivery report latency; interval between message submission and receipt */
  dr_latency?: string | number;
  /** IP address of the host to which SparkPost delivered this message; in engagement events, the IP address of the host where the HTTP request originated */
  ip_address?: string;
  /** IP pool through which this message was sent */
  ip_pool?: string;
  /** Unmodified, exact response returned by the remote server due to a failed delivery attempt */
  raw_reason?: string;
  /** Canonicalized text of the response returned by the remote server due to a failed delivery attempt */
  reason?: string;
  /** Protocol by which SparkPost received this message */
  recv_method?: string;
  /** Domain receiving this message */
  routing_domain?: string;
  /** IP address through which this message was sent */
  sending_ip?: string;
  /** SMS destination address */
  sms_dst?: string;
  /** Destination numbering plan identification */
  sms_dst_npi?: string;
  /** Type of number for the destination address */
  sms_dst_ton?: string;
  /** The message ID(s) in the response, assigned by the remote server/SMSC */
  sms_remoteids?: string[];
  /** SMS source address */
  sms_src?: string;
  /** Source numbering plan identification */
  sms_src_npi?: string;
  /** Type of number for the source address */
  sms_src_ton?: string;
  /** The SMS message payload (in the character set specified in sms_coding) */
  sms_text?: string;
  /** Status value in an SMS status event */
  stat_state?: string;
  /** Status type in an SMS status event */
  stat_type?: string;
  /** Unique subaccount identifier. */
  subaccount_id?: string | number;
  /** Event date and time, in Unix timestamp format (integer seconds since 00:00:00 GMT 1970-01-01) */
  timestamp?: string | number;
  [field: string]: unknown;
}

/** track_event: `open` */
export interface OpenEvent {
  type: "open";
  /** A/B test of which this event was a part. */
  ab_test_id?: string;
  /** A/B test version that was used for this event. */
  ab_test_version?: string | number;
  /** Indicates whether or not amp format was enabled */
  amp_enabled?: boolean;
  /** Campaign of which this message was a part */
  campaign_id?: string;
  /** Indicates whether or not click tracking was enabled */
  click_tracking?: boolean;
  /** SparkPost-customer identifier through which this message was sent */
  customer_id?: string | number;
  /** Protocol by which SparkPost delivered this message */
  delv_method?: string;
  /** Unique event identifier */
  event_id?: string;
  /** Friendly sender or 'From' header in the original email */
  friendly_from?: string;
  /** Geographic location based on the IP address, including latitude, longitude, city, country, region, and zip */
  geo_ip?: Record<string, unknown>;
  /** Indicates whether or not initial open pixel tracking was enabled */
  initial_pixel?: boolean;
  /** Time at which this message was injected into SparkPost */
  injection_time?: string;
  /** IP address of the host to which SparkPost delivered this message; in engagement events, the IP address of the host where the HTTP request originated */
  ip_address?: string;
  /** IP pool through which this message was sent */
  ip_pool?: string;
  /** SparkPost-cluster-wide unique identifier for this message */
  message_id?: string;
  /** Sender address used on this message's SMTP envelope */
  msg_from?: string;
  /** Message's size in bytes */
  msg_size?: string | number;
  /** Number of failed attempts before this message was successfully delivered; when the first attempt succeeds, zero */
  num_retries?: string | number;
  /** Indicates whether or not open tracking was enabled */
  open_tracking?: boolean;
  /** Delay, expressed in milliseconds, between this message's injection into SparkPost and its delivery to the receiving domain; that is, the length of time this message spent in the outgoing queue */
  queue_time?: string | number;
  /** Actual recipient address used on this message's SMTP envelope */
  raw_rcpt_to?: string;
  /** Hashed version of recipient address used on this message's SMTP envelope */
  rcpt_hash?: string;
  /** Metadata describing the message recipient */
  rcpt_meta?: Record<string, unknown>;
  /** Tags applied to the message which generated this event */
  rcpt_tags?: string[];
  /** Lowercase version of recipient address used on this message's SMTP envelope */
  rcpt_to?: string;
  /** Indicates that a recipient address appeared in the Cc or Bcc header or the archive JSON array */
  rcpt_type?: string;
  /** Domain part of the recipient address used on this message's SMTP envelope */
  recipient_domain?: string;
  /** Domain receiving this message */
  routing_domain?: string;
  /** Time at which the email was scheduled to be sent */
  scheduled_time?: string | number;
  /** IP address through which this message was sent */
  sending_ip?: string;
  /** Unique subaccount identifier. */
  subaccount_id?: string | number;
  /** Subject line from the email header */
  subject?: string;
  /** Slug of the template used to construct this message */
  template_id?: string;
  /** Version of the template used to construct this message */
  template_version?: string | number;
  /** Event date and time, in Unix timestamp format (integer seconds since 00:00:00 GMT 1970-01-01) */
  timestamp?: string | number;
  /** Indicates if the transmission was marked as transactional */
  transactional?: string | number;
  /** Transmission which originated this message */
  transmission_id?: string;
  /** Value of the browser's User-Agent header */
  user_agent?: string;
  [field: string]: unknown;
}

/** track_event: `initial_open` */
export interface InitialOpenEvent {
  type: "initial_open";
  /** A/B test of which this event was a part. */
  ab_test_id?: string;
  /** A/B test version that was used for this event. */
  ab_test_version?: string | number;
  /** Indicates whether or not amp format was enabled */
  amp_enabled?: boolean;
  /** Campaign of which this message was a part */
  campaign_id?: string;
  /** Indicates whether or not click tracking was enabled */
  click_tracking?: boolean;
  /** SparkPost-customer identifier through which this message was sent */
  customer_id?: string | number;
  /** Protocol by which SparkPost delivered this message */
  delv_method?: string;
  /** Unique event identifier */
  event_id?: string;
  /** Friendly sender or 'From' header in the original email */
  friendly_from?: string;
  /** Geographic location based on the IP address, including latitude, longitude, city, country, region, and zip */
  geo_ip?: Record<string, unknown>;
  /** Indicates whether or not initial open pixel tracking was enabled */
  initial_pixel?: boolean;
  /** Time at which this message was injected into SparkPost */
  injection_time?: string;
  /** IP address of the host to which SparkPost delivered this message; in engagement events, the IP address of the host where the HTTP request originated */
  ip_address?: string;
  /** IP pool through which this message was sent */
  ip_pool?: string;
  /** SparkPost-cluster-wide unique identifier for this message */
  message_id?: string;
  /** Sender address used on this message's SMTP envelope */
  msg_from?: string;
  /** Message's size in bytes */
  msg_size?: string | number;
  /** Number of failed attempts before this message was successfully delivered; when the first attempt succeeds, zero */
  num_retries?: string | number;
  /** Indicates whether or not open tracking was enabled */
  open_tracking?: boolean;
  /** Delay, expressed in milliseconds, between this message's injection into SparkPost and its delivery to the receiving domain; that is, the length of time this message spent in the outgoing queue */
  queue_time?: string | number;
  /** Actual recipient address used on this message's SMTP envelope */
  raw_rcpt_to?: string;
  /** Hashed version of recipient address used on this message's SMTP envelope */
  rcpt_hash?: string;
  /** Metadata describing the message recipient */
  rcpt_meta?: Record<string, unknown>;
  /** Tags applied to the message which generated this event */
  rcpt_tags?: string[];
  /** Lowercase version of recipient address used on this message's SMTP envelope */
  rcpt_to?: string;
  /** Indicates that a recipient address appeared in the Cc or Bcc header or the archive JSON array */
  rcpt_type?: string;
  /** Domain part of the recipient address used on this message's SMTP envelope */
  recipient_domain?: string;
  /** Domain receiving this message */
  routing_domain?: string;
  /** Time at which the email was scheduled to be sent */
  scheduled_time?: string | number;
  /** IP address through which this message was sent */
  sending_ip?: string;
  /** Unique subaccount identifier. */
  subaccount_id?: string | number;
  /** Subject line from the email header */
  subject?: string;
  /** Slug of the template used to construct this message */
  template_id?: string;
  /** Version of the template used to construct this message */
  template_version?: string | number;
  /** Event date and time, in Unix timestamp format (integer seconds since 00:00:00 GMT 1970-01-01) */
  timestamp?: string | number;
  /** Indicates if the transmission was marked as transactional */
  transactional?: string | number;
  /** Transmission which originated this message */
  transmission_id?: string;
  /** Value of the browser's User-Agent header */
  user_agent?: string;
  [field: string]: unknown;
}

/** track_event: `click` */
export interface ClickEvent {
  type: "click";
  /** A/B test of which this event was a part. */
  ab_test_id?: string;
  /** A/B test version that was used for this event. */
  ab_test_version?: string | number;
  /** Indicates whether or not amp format was enabled */
  amp_enabled?: boolean;
  /** Campaign of which this message was a part */
  campaign_id?: string;
  /** Indicates whether or not click tracking was enabled */
  click_tracking?: boolean;
  /** SparkPost-customer identifier through which this message was sent */
  customer_id?: string | number;
  /** Protocol by which SparkPost delivered this message */
  delv_method?: string;
  /** Unique event identifier */
  event_id?: string;
  /** Friendly sender or 'From' header in the original email */
  friendly_from?: string;
  /** Geographic location based on the IP address, including latitude, longitude, city, country, region, and zip */
  geo_ip?: Record<string, unknown>;
  /** Indicates whether or not initial open pixel tracking was enabled */
  initial_pixel?: boolean;
  /** Time at which this message was injected into SparkPost */
  injection_time?: string;
  /** IP address of the host to which SparkPost delivered this message; in engagement events, the IP address of the host where the HTTP request originated */
  ip_address?: string;
  /** IP pool through which this message was sent */
  ip_pool?: string;
  /** SparkPost-cluster-wide unique identifier for this message */
  message_id?: string;
  /** Sender address used on this message's SMTP envelope */
  msg_from?: string;
  /** Message's size in bytes */
  msg_size?: string | number;
  /** Number of failed attempts before this message was successfully delivered; when the first attempt succeeds, zero */
  num_retries?: string | number;
  /** Indicates whether or not open tracking was enabled */
  open_tracking?: boolean;
  /** Delay, expressed in milliseconds, between this message's injection into SparkPost and its delivery to the receiving domain; that is, the length of time this message spent in the outgoing queue */
  queue_time?: string | number;
  /** Actual recipient address used on this message's SMTP envelope */
  raw_rcpt_to?: string;
  /** Hashed version of recipient address used on this message's SMTP envelope */
  rcpt_hash?: string;
  /** Metadata describing the message recipient */
  rcpt_meta?: Record<string, unknown>;
  /** Tags applied to the message which generated this event */
  rcpt_tags?: string[];
  /** Lowercase version of recipient address used on this message's SMTP envelope */
  rcpt_to?: string;
  /** Indicates that a recipient address appeared in the Cc or Bcc header or the archive JSON array */
  rcpt_type?: string;
  /** Domain part of the recipient address used on this message's SMTP envelope */
  recipient_domain?: string;
  /** Domain receiving this message */
  routing_domain?: string;
  /** Time at which the email was scheduled to be sent */
  scheduled_time?: string | number;
  /** IP address through which this message was sent */
  sending_ip?: string;
  /** Unique subaccount identifier. */
  subaccount_id?: string | number;
  /** Subject line from the email header */
  subject?: string;
  /** Name of the link for which a click event was generated */
  target_link_name?: string;
  /** URL of the link for which a click event was generated */
  target_link_url?: string;
  /** Slug of the template used to construct this message */
  template_id?: string;
  /** Version of the template used to construct this message */
  template_version?: string | number;
  /** Event date and time, in Unix timestamp format (integer seconds since 00:00:00 GMT 1970-01-01) */
  timestamp?: string | number;
  /** Indicates if the transmission was marked as transactional */
  transactional?: string | number;
  /** Transmission which originated this message */
  transmission_id?: string;
  /** Value of the browser's User-Agent header */
  user_agent?: string;
  [field: string]: unknown;
}

/** track_event: `amp_open` */
export interface AmpOpenEvent {
  type: "amp_open";
  /** A/B test of which this event was a part. */
  ab_test_id?: string;
  /** A/B test version that was used for this event. */
  ab_test_version?: string | number;
  /** Indicates whether or not amp format was enabled */
  amp_enabled?: boolean;
  /** Campaign of which this message was a part */
  campaign_id?: string;
  /** Indicates whether or not click tracking was enabled */
  click_tracking?: boolean;
  /** SparkPost-customer identifier through which this message was sent */
  customer_id?: string | number;
  /** Protocol by which SparkPost delivered this message */
  delv_method?: string;
  /** Unique event identifier */
  event_id?: string;
  /** Friendly sender or 'From' header in the original email */
  friendly_from?: string;
  /** Geographic location based on the IP address, including latitude, longitude, city, country, region, and zip */
  geo_ip?: Record<string, unknown>;
  /** Indicates whether or not initial open pixel tracking was enabled */
  initial_pixel?: boolean;
  /** Time at which this message was injected into SparkPost */
  injection_time?: string;
  /** IP address of the host to which SparkPost delivered this message; in engagement events, the IP address of the host where the HTTP request originated */
  ip_address?: string;
  /** IP pool through which this message was sent */
  ip_pool?: string;
  /** SparkPost-cluster-wide unique identifier for this message */
  message_id?: string;
  /** Sender address used on this message's SMTP envelope */
  msg_from?: string;
  /** Message's size in bytes */
  msg_size?: string | number;
  /** Number of failed attempts before this message was successfully delivered; when the first attempt succeeds, zero */
  num_retries?: string | number;
  /** Indicates whether or not open tracking was enabled */
  open_tracking?: boolean;
  /** Delay, expressed in milliseconds, between this message's injection into SparkPost and its delivery to the receiving domain; that is, the length of time this message spent in the outgoing queue */
  queue_time?: string | number;
  /** Actual recipient address used on this message's SMTP envelope */
  raw_rcpt_to?: string;
  /** Hashed version of recipient address used on this message's SMTP envelope */
  rcpt_hash?: string;
  /** Metadata describing the message recipient */
  rcpt_meta?: Record<string, unknown>;
  /** Tags applied to the message which generated this event */
  rcpt_tags?: string[];
  /** Lowercase version of recipient address used on this message's SMTP envelope */
  rcpt_to?: string;
  /** Indicates that a recipient address appeared in the Cc or Bcc header or the archive JSON array */
  rcpt_type?: string;
  /** Domain part of the recipient address used on this message's SMTP envelope */
  recipient_domain?: string;
  /** Domain receiving this message */
  routing_domain?: string;
  /** Time at which the email was scheduled to be sent */
  scheduled_time?: string | number;
  /** IP address through which this message was sent */
  sending_ip?: string;
  /** Unique subaccount identifier. */
  subaccount_id?: string | number;
  /** Subject line from the email header */
  subject?: string;
  /** Slug of the template used to construct this message */
  template_id?: string;
  /** Version of the template used to construct this message */
  template_version?: string | number;
  /** Event date and time, in Unix timestamp format (integer seconds since 00:00:00 GMT 1970-01-01) */
  timestamp?: string | number;
  /** Indicates if the transmission was marked as transactional */
  transactional?: string | number;
  /** Transmission which originated this message */
  transmission_id?: string;
  /** Value of the browser's User-Agent header */
  user_agent?: string;
  [field: string]: unknown;
}

/** track_event: `amp_initial_open` */
export interface AmpInitialOpenEvent {
  type: "amp_initial_open";
  /** A/B test of which this event was a part. */
  ab_test_id?: string;
  /** A/B test version that was used for this event. */
  ab_test_version?: string | number;
  /** Indicates whether or not amp format was enabled */
  amp_enabled?: boolean;
  /** Campaign of which this message was a part */
  campaign_id?: string;
  /** Indicates whether or not click tracking was enabled */
  click_tracking?: boolean;
  /** SparkPost-customer identifier through which this message was sent */
  customer_id?: string | number;
  /** Protocol by which SparkPost delivered this message */
  delv_method?: string;
  /** Unique event identifier */
  event_id?: string;
  /** Friendly sender or 'From' header in the original email */
  friendly_from?: string;
  /** Geographic location based on the IP address, including latitude, longitude, city, country, region, and zip */
  geo_ip?: Record<string, unknown>;
  /** Indicates whether or not initial open pixel tracking was enabled */
  initial_pixel?: boolean;
  /** Time at which this message was injected into SparkPost */
  injection_time?: string;
  /** IP address of the host to which SparkPost delivered this message; in engagement events, the IP address of the host where the HTTP request originated */
  ip_address?: string;
  /** IP pool through which this message was sent */
  ip_pool?: string;
  /** SparkPost-cluster-wide unique identifier for this message */
  message_id?: string;
  /** Sender address used on this message's SMTP envelope */
  msg_from?: string;
  /** Message's size in bytes */
  msg_size?: string | number;
  /** Number of failed attempts before this message was successfully delivered; when the first attempt succeeds, zero */
  num_retries?: string | number;
  /** Indicates whether or not open tracking was enabled */
  open_tracking?: boolean;
  /** Delay, expressed in milliseconds, between this message's injection into SparkPost and its delivery to the receiving domain; that is, the length of time this message spent in the outgoing queue */
  queue_time?: string | number;
  /** Actual recipient address used on this message's SMTP envelope */
  raw_rcpt_to?: string;
  /** Hashed version of recipient address used on this message's SMTP envelope */
  rcpt_hash?: string;
  /** Metadata describing the message recipient */
  rcpt_meta?: Record<string, unknown>;
  /** Tags applied to the message which generated this event */
  rcpt_tags?: string[];
  /** Lowercase version of recipient address used on this message's SMTP envelope */
  rcpt_to?: string;
  /** Indicates that a recipient address appeared in the Cc or Bcc header or the archive JSON array */
  rcpt_type?: string;
  /** Domain part of the recipient address used on this message's SMTP envelope */
  recipient_domain?: string;
  /** Domain receiving this message */
  routing_domain?: string;
  /** Time at which the email was scheduled to be sent */
  scheduled_time?: string | number;
  /** IP address through which this message was sent */
  sending_ip?: string;
  /** Unique subaccount identifier. */
  subaccount_id?: string | number;
  /** Subject line from the email header */
  subject?: string;
  /** Slug of the template used to construct this message */
  template_id?: string;
  /** Version of the template used to construct this message */
  template_version?: string | number;
  /** Event date and time, in Unix timestamp format (integer seconds since 00:00:00 GMT 1970-01-01) */
  timestamp?: string | number;
  /** Indicates if the transmission was marked as transactional */
  transactional?: string | number;
  /** Transmission which originated this message */
  transmission_id?: string;
  /** Value of the browser's User-Agent header */
  user_agent?: string;
  [field: string]: unknown;
}

/** track_event: `amp_click` */
export interface AmpClickEvent {
  type: "amp_click";
  /** A/B test of which this event was a part. */
  ab_test_id?: string;
  /** A/B test version that was used for this event. */
  ab_test_version?: string | number;
  /** Indicates whether or not amp format was enabled */
  amp_enabled?: boolean;
  /** Campaign of which this message was a part */
  campaign_id?: string;
  /** Indicates whether or not click tracking was enabled */
  click_tracking?: boolean;
  /** SparkPost-customer identifier through which this message was sent */
  customer_id?: string | number;
  /** Protocol by which SparkPost delivered this message */
  delv_method?: string;
  /** Unique event identifier */
  event_id?: string;
  /** Friendly sender or 'From' header in the original email */
  friendly_from?: string;
  /** Geographic location based on the IP address, including latitude, longitude, city, country, region, and zip */
  geo_ip?: Record<string, unknown>;
  /** Indicates whether or not initial open pixel tracking was enabled */
  initial_pixel?: boolean;
  /** Time at which this message was injected into SparkPost */
  injection_time?: string;
  /** IP address of the host to which SparkPost delivered this message; in engagement events, the IP address of the host where the HTTP request originated */
  ip_address?: string;
  /** IP pool through which this message was sent */
  ip_pool?: string;
  /** SparkPost-cluster-wide unique identifier for this message */
  message_id?: string;
  /** Sender address used on this message's SMTP envelope */
  msg_from?: string;
  /** Message's size in bytes */
  msg_size?: string | number;
  /** Number of failed attempts before this message was successfully delivered; when the first attempt succeeds, zero */
  num_retries?: string | number;
  /** Indicates whether or not open tracking was enabled */
  open_tracking?: boolean;
  /** Delay, expressed in milliseconds, between this message's injection into SparkPost and its delivery to the receiving domain; that is, the length of time this message spent in the outgoing queue */
  queue_time?: string | number;
  /** Actual recipient address used on this message's SMTP envelope */
  raw_rcpt_to?: string;
  /** Hashed version of recipient address used on this message's SMTP envelope */
  rcpt_hash?: string;
  /** Metadata describing the message recipient */
  rcpt_meta?: Record<string, unknown>;
  /** Tags applied to the message which generated this event */
  rcpt_tags?: string[];
  /** Lowercase version of recipient address used on this message's SMTP envelope */
  rcpt_to?: string;
  /** Indicates that a recipient address appeared in the Cc or Bcc header or the archive JSON array */
  rcpt_type?: string;
  /** Domain part of the recipient address used on this message's SMTP envelope */
  recipient_domain?: string;
  /** Domain receiving this message */
  routing_domain?: string;
  /** Time at which the email was scheduled to be sent */
  scheduled_time?: string | number;
  /** IP address through which this message was sent */
  sending_ip?: string;
  /** Unique subaccount identifier. */
  subaccount_id?: string | number;
  /** Subject line from the email header */
  subject?: string;
  /** Name of the link for which a click event was generated */
  target_link_name?: string;
  /** URL of the link for which a click event was generated */
  target_link_url?: string;
  /** Slug of the template used to construct this message */
  template_id?: string;
  /** Version of the template used to construct this message */
  template_version?: string | number;
  /** Event date and time, in Unix timestamp format (integer seconds since 00:00:00 GMT 1970-01-01) */
  timestamp?: string | number;
  /** Indicates if the transmission was marked as transactional */
  transactional?: string | number;
  /** Transmission which originated this message */
  transmission_id?: string;
  /** Value of the browser's User-Agent header */
  user_agent?: string;
  [field: string]: unknown;
}

/** gen_event: `generation_failure` */
export interface GenerationFailureEvent {
  type: "generation_failure";
  /** A/B test of which this event was a part. */
  ab_test_id?: string;
  /** A/B test version that was used for this event. */
  ab_test_version?: string | number;
  /** Campaign of which this message was a part */
  campaign_id?: string;
  /** SparkPost-customer identifier through which this message was sent */
  customer_id?: string | number;
  /** Error code by which the remote server described a failed delivery attempt */
  error_code?: string | number;
  /** Unique event identifier */
  event_id?: string;
  /** Friendly sender or 'From' header in the original email */
  friendly_from?: string;
  /** IP pool through which this message was sent */
  ip_pool?: string;
  /** Actual recipient address used on this message's SMTP envelope */
  raw_rcpt_to?: string;
  /** Unmodified, exact response returned by the remote server due to a failed delivery attempt */
  raw_reason?: string;
  /** Hashed version of recipient address used on this message's SMTP envelope */
  rcpt_hash?: string;
  /** Metadata describing the message recipient */
  rcpt_meta?: Record<string, unknown>;
  /** Substitutions applied to the template to construct this message */
  rcpt_subs?: Record<string, unknown>;
  /** Tags applied to the message which generated this event */
  rcpt_tags?: string[];
  /** Lowercase version of recipient address used on this message's SMTP envelope */
  rcpt_to?: string;
  /** Canonicalized text of the response returned by the remote server due to a failed delivery attempt */
  reason?: string;
  /** Domain part of the recipient address used on this message's SMTP envelope */
  recipient_domain?: string;
  /** Protocol by which SparkPost received this message */
  recv_method?: string;
  /** Domain receiving this message */
  routing_domain?: string;
  /** Time at which the email was scheduled to be sent */
  scheduled_time?: string | number;
  /** IP address through which this message was sent */
  sending_ip?: string;
  /** Unique subaccount identifier. */
  subaccount_id?: string | number;
  /** Slug of the template used to construct this message */
  template_id?: string;
  /** Version of the template used to construct this message */
  template_version?: string | number;
  /** Event date and time, in Unix timestamp format (integer seconds since 00:00:00 GMT 1970-01-01) */
  timestamp?: string | number;
  /** Indicates if the transmission was marked as transactional */
  transactional?: string | number;
  /** Transmission which originated this message */
  transmission_id?: string;
  [field: string]: unknown;
}

/** gen_event: `generation_rejection` */
export interface GenerationRejectionEvent {
  type: "generation_rejection";
  /** A/B test of which this event was a part. */
  ab_test_id?: string;
  /** A/B test version that was used for this event. */
  ab_test_version?: string | number;
  /** Classification code for a given message (see [Bounce Classification Codes](https://support.sparkpost.com/customer/portal/articles/1929896)) */
  bounce_class?: string | number;
  /** Campaign of which this message was a part */
  campaign_id?: string;
  /** SparkPost-customer identifier through which this message was sent */
  customer_id?: string | number;
  /** Error code by which the remote server described a failed delivery attempt */
  error_code?: string | number;
  /** Unique event identifier */
  event_id?: string;
  /** Friendly sender or 'From' header in the original email */
  friendly_from?: string;
  /** IP pool through which this message was sent */
  ip_pool?: string;
  /** Actual recipient address used on this message's SMTP envelope */
  raw_rcpt_to?: string;
  /** Unmodified, exact response returned by the remote server due to a failed delivery attempt */
  raw_reason?: string;
  /** Hashed version of recipient address used on this message's SMTP envelope */
  rcpt_hash?: string;
  /** Metadata describing the message recipient */
  rcpt_meta?: Record<string, unknown>;
  /** Substitutions applied to the template to construct this message */
  rcpt_subs?: Record<string, unknown>;
  /** Tags applied to the message which generated this event */
  rcpt_tags?: string[];
  /** Lowercase version of recipient address used on this message's SMTP envelope */
  rcpt_to?: string;
  /** Canonicalized text of the response returned by the remote server due to a failed delivery attempt */
  reason?: string;
  /** Domain part of the recipient address used on this message's SMTP envelope */
  recipient_domain?: string;
  /** Protocol by which SparkPost received this message */
  recv_method?: string;
  /** Domain receiving this message */
  routing_domain?: string;
  /** Time at which the email was scheduled to be sent */
  scheduled_time?: string | number;
  /** IP address through which this message was sent */
  sending_ip?: string;
  /** Unique subaccount identifier. */
  subaccount_id?: string | number;
  /** Subject line from the email header */
  subject?: string;
  /** Slug of the template used to construct this message */
  template_id?: string;
  /** Version of the template used to construct this message */
  template_version?: string | number;
  /** Event date and time, in Unix timestamp format (integer seconds since 00:00:00 GMT 1970-01-01) */
  timestamp?: string | number;
  /** Indicates if the transmission was marked as transactional */
  transactional?: string | number;
  /** Transmission which originated this message */
  transmission_id?: string;
  [field: string]: unknown;
}

/** unsubscribe_event: `list_unsubscribe` */
export interface ListUnsubscribeEvent {
  type: "list_unsubscribe";
  /** A/B test of which this event was a part. */
  ab_test_id?: string;
  /** A/B test version that was used for this event. */
  ab_test_version?: string | number;
  /** Indicates whether or not amp format was enabled */
  amp_enabled?: boolean;
  /** Campaign of which this message was a part */
  campaign_id?: string;
  /** Indicates whether or not click tracking was enabled */
  click_tracking?: boolean;
  /** SparkPost-customer identifier through which this message was sent */
  customer_id?: string | number;
  /** Unique event identifier */
  event_id?: string;
  /** Friendly sender or 'From' header in the original email */
  friendly_from?: string;
  /** Indicates whether or not initial open pixel tracking was enabled */
  initial_pixel?: boolean;
  /** Time at which this message was injected into SparkPost */
  injection_time?: string;
  /** IP address of the host to which SparkPost delivered this message; in engagement events, the IP address of the host where the HTTP request originated */
  ip_address?: string;
  /** IP pool through which this message was sent */
  ip_pool?: string;
  /** Envelope mailfrom of the original email */
  mailfrom?: string;
  /** SparkPost-cluster-wide unique identifier for this message */
  message_id?: string;
  /** Sender address used on this message's SMTP envelope */
  msg_from?: string;
  /** Message's size in bytes */
  msg_size?: string | number;
  /** Number of failed attempts before this message was successfully delivered; when the first attempt succeeds, zero */
  num_retries?: string | number;
  /** Indicates whether or not open tracking was enabled */
  open_tracking?: boolean;
  /** Delay, expressed in milliseconds, between this message's injection into SparkPost and its delivery to the receiving domain; that is, the length of time this message spent in the outgoing queue */
  queue_time?: string | number;
  /** Actual recipient address used on this message's SMTP envelope */
  raw_rcpt_to?: string;
  /** Hashed version of recipient address used on this message's SMTP envelope */
  rcpt_hash?: string;
  /** Metadata describing the message recipient */
  rcpt_meta?: Record<string, unknown>;
  /** Tags applied to the message which generated this event */
  rcpt_tags?: string[];
  /** Lowercase version of recipient address used on this message's SMTP envelope */
  rcpt_to?: string;
  /** Indicates that a recipient address appeared in the Cc or Bcc header or the archive JSON array */
  rcpt_type?: string;
  /** Domain part of the recipient address used on this message's SMTP envelope */
  recipient_domain?: string;
  /** Protocol by which SparkPost received this message */
  recv_method?: string;
  /** Domain receiving this message */
  routing_domain?: string;
  /** Time at which the email was scheduled to be sent */
  scheduled_time?: string | number;
  /** IP address through which this message was sent */
  sending_ip?: string;
  /** Unique subaccount identifier. */
  subaccount_id?: string | number;
  /** Subject line from the email header */
  subject?: string;
  /** Slug of the template used to construct this message */
  template_id?: string;
  /** Version of the template used to construct this message */
  template_version?: string | number;
  /** Event date and time, in Unix timestamp format (integer seconds since 00:00:00 GMT 1970-01-01) */
  timestamp?: string | number;
  /** Indicates if the transmission was marked as transactional */
  transactional?: string | number;
  /** Transmission which originated this message */
  transmission_id?: string;
  [field: string]: unknown;
}

/** unsubscribe_event: `link_unsubscribe` */
export interface LinkUnsubscribeEvent {
  type: "link_unsubscribe";
  /** A/B test of which this event was a part. */
  ab_test_id?: string;
  /** A/B test version that was used for this event. */
  ab_test_version?: string | number;
  /** Indicates whether or not amp format was enabled */
  amp_enabled?: boolean;
  /** Campaign of which this message was a part */
  campaign_id?: string;
  /** Indicates whether or not click tracking was enabled */
  click_tracking?: boolean;
  /** SparkPost-customer identifier through which this message was sent */
  customer_id?: string | number;
  /** Protocol by which SparkPost delivered this message */
  delv_method?: string;
  /** Unique event identifier */
  event_id?: string;
  /** Friendly sender or 'From' header in the original email */
  friendly_from?: string;
  /** Indicates whether or not initial open pixel tracking was enabled */
  initial_pixel?: boolean;
  /** Time at which this message was injected into SparkPost */
  injection_time?: string;
  /** IP address of the host to which SparkPost delivered this message; in engagement events, the IP address of the host where the HTTP request originated */
  ip_address?: string;
  /** IP pool through which this message was sent */
  ip_pool?: string;
  /** Envelope mailfrom of the original email */
  mailfrom?: string;
  /** SparkPost-cluster-wide unique identifier for this message */
  message_id?: string;
  /** Sender address used on this message's SMTP envelope */
  msg_from?: string;
  /** Message's size in bytes */
  msg_size?: string | number;
  /** Number of failed attempts before this message was successfully delivered; when the first attempt succeeds, zero */
  num_retries?: string | number;
  /** Indicates whether or not open tracking was enabled */
  open_tracking?: boolean;
  /** Delay, expressed in milliseconds, between this message's injection into SparkPost and its delivery to the receiving domain; that is, the length of time this message spent in the outgoing queue */
  queue_time?: string | number;
  /** Actual recipient address used on this message's SMTP envelope */
  raw_rcpt_to?: string;
  /** Hashed version of recipient address used on this message's SMTP envelope */
  rcpt_hash?: string;
  /** Metadata describing the message recipient */
  rcpt_meta?: Record<string, unknown>;
  /** Tags applied to the message which generated this event */
  rcpt_tags?: string[];
  /** Lowercase version of recipient address used on this message's SMTP envelope */
  rcpt_to?: string;
  /** Indicates that a recipient address appeared in the Cc or Bcc header or the archive JSON array */
  rcpt_type?: string;
  /** Domain part of the recipient address used on this message's SMTP envelope */
  recipient_domain?: string;
  /** Protocol by which SparkPost received this message */
  recv_method?: string;
  /** Domain receiving this message */
  routing_domain?: string;
  /** Time at which the email was scheduled to be sent */
  scheduled_time?: string | number;
  /** IP address through which this message was sent */
  sending_ip?: string;
  /** Unique subaccount identifier. */
  subaccount_id?: string | number;
  /** Subject line from the email header */
  subject?: string;
  /** Name of the link for which a click event was generated */
  target_link_name?: string;
  /** URL of the link for which a click event was generated */
  target_link_url?: string;
  /** Slug of the template used to construct this message */
  template_id?: string;
  /** Version of the template used to construct this message */
  template_version?: string | number;
  /** Event date and time, in Unix timestamp format (integer seconds since 00:00:00 GMT 1970-01-01) */
  timestamp?: string | number;
  /** Indicates if the transmission was marked as transactional */
  transactional?: string | number;
  /** Transmission which originated this message */
  transmission_id?: string;
  /** Value of the browser's User-Agent header */
  user_agent?: string;
  [field: string]: unknown;
}

/** relay_event: `relay_injection` */
export interface RelayInjectionEvent {
  type: "relay_injection";
  /** SparkPost-customer identifier through which this message was sent */
  customer_id?: string | number;
  /** Unique event identifier */
  event_id?: string;
  /** Time at which this message was injected into SparkPost */
  injection_time?: string;
  /** IP pool through which this message was sent */
  ip_pool?: string;
  /** SparkPost-cluster-wide unique identifier for this message */
  message_id?: string;
  /** Sender address used on this message's SMTP envelope */
  msg_from?: string;
  /** Message's size in bytes */
  msg_size?: string | number;
  /** Source of the event */
  origination?: string;
  /** Actual recipient address used on this message's SMTP envelope */
  raw_rcpt_to?: string;
  /** Hashed version of recipient address used on this message's SMTP envelope */
  rcpt_hash?: string;
  /** Lowercase version of recipient address used on this message's SMTP envelope */
  rcpt_to?: string;
  /** Protocol by which SparkPost received this message */
  recv_method?: string;
  /** Unique identifier of the Relay Webhook associated with this message (uuid) */
  relay_id?: string;
  /** Domain receiving this message */
  routing_domain?: string;
  /** IP address through which this message was sent */
  sending_ip?: string;
  /** Unique subaccount identifier. */
  subaccount_id?: string | number;
  /** Event date and time, in Unix timestamp format (integer seconds since 00:00:00 GMT 1970-01-01) */
  timestamp?: string | number;
  [field: string]: unknown;
}

/** relay_event: `relay_rejection` */
export interface RelayRejectionEvent {
  type: "relay_rejection";
  /** Classification code for a given message (see [Bounce Classification Codes](https://support.sparkpost.com/customer/portal/articles/1929896)) */
  bounce_class?: string | number;
  /** SparkPost-customer identifier through which this message was sent */
  customer_id?: string | number;
  /** Error code by which the remote server described a failed delivery attempt */
  error_code?: string | number;
  /** Unique event identifier */
  event_id?: string;
  /** Time at which this message was injected into SparkPost */
  injection_time?: string;
  /** SparkPost-cluster-wide unique identifier for this message */
  message_id?: string;
  /** Sender address used on this message's SMTP envelope */
  msg_from?: string;
  /** Source of the event */
  origination?: string;
  /** Actual recipient address used on this message's SMTP envelope */
  raw_rcpt_to?: string;
  /** Unmodified, exact response returned by the remote server due to a failed delivery attempt */
  raw_reason?: string;
  /** Hashed version of recipient address used on this message's SMTP envelope */
  rcpt_hash?: string;
  /** Lowercase version of recipient address used on this message's SMTP envelope */
  rcpt_to?: string;
  /** Canonicalized text of the response returned by the remote server due to a failed delivery attempt */
  reason?: string;
  /** Protocol by which SparkPost received this message */
  recv_method?: string;
  /** Unique identifier of the Relay Webhook associated with this message (uuid) */
  relay_id?: string;
  /** IP address of the host from which SparkPost received this message */
  remote_addr?: string;
  /** Unique subaccount identifier. */
  subaccount_id?: string | number;
  /** Event date and time, in Unix timestamp format (integer seconds since 00:00:00 GMT 1970-01-01) */
  timestamp?: string | number;
  [field: string]: unknown;
}

/** relay_event: `relay_delivery` */
export interface RelayDeliveryEvent {
  type: "relay_delivery";
  /** SparkPost-customer identifier through which this message was sent */
  customer_id?: string | number;
  /** Protocol by which SparkPost delivered this message */
  delv_method?: string;
  /** Unique event identifier */
  event_id?: string;
  /** Time at which this message was injected into SparkPost */
  injection_time?: string;
  /** IP pool through which this message was sent */
  ip_pool?: string;
  /** SparkPost-cluster-wide unique identifier for this message */
  message_id?: string;
  /** Sender address used on this message's SMTP envelope */
  msg_from?: string;
  /** Number of failed attempts before this message was successfully delivered; when the first attempt succeeds, zero */
  num_retries?: string | number;
  /** Source of the event */
  origination?: string;
  /** Delay, expressed in milliseconds, between this message's injection into SparkPost and its delivery to the receiving domain; that is, the length of time this message spent in the outgoing queue */
  queue_time?: string | number;
  /** Actual recipient address used on this message's SMTP envelope */
  raw_rcpt_to?: string;
  /** Hashed version of recipient address used on this message's SMTP envelope */
  rcpt_hash?: string;
  /** Lowercase version of recipient address used on this message's SMTP envelope */
  rcpt_to?: string;
  /** Protocol by which SparkPost received this message */
  recv_method?: string;
  /** Unique identifier of the Relay Webhook associated with this message (uuid) */
  relay_id?: string;
  /** Domain receiving this message */
  routing_domain?: string;
  /** IP address through which this message was sent */
  sending_ip?: string;
  /** Unique subaccount identifier. */
  subaccount_id?: string | number;
  /** Event date and time, in Unix timestamp format (integer seconds since 00:00:00 GMT 1970-01-01) */
  timestamp?: string | number;
  [field: string]: unknown;
}

/** relay_event: `relay_tempfail` */
export interface RelayTempfailEvent {
  type: "relay_tempfail";
  /** SparkPost-customer identifier through which this message was sent */
  customer_id?: string | number;
  /** Protocol by which SparkPost delivered this message */
  delv_method?: string;
  /** Error code by which the remote server described a failed delivery attempt */
  error_code?: string | number;
  /** Unique event identifier */
  event_id?: string;
  /** Time at which this message was injected into SparkPost */
  injection_time?: string;
  /** IP pool through which this message was sent */
  ip_pool?: string;
  /** SparkPost-cluster-wide unique identifier for this message */
  message_id?: string;
  /** Sender address used on this message's SMTP envelope */
  msg_from?: string;
  /** Number of failed attempts before this message was successfully delivered; when the first attempt succeeds, zero */
  num_retries?: string | number;
  /** Source of the event */
  origination?: string;
  /** Delay, expressed in milliseconds, between this message's injection into SparkPost and its delivery to the receiving domain; that is, the length of time this message spent in the outgoing queue */
  queue_time?: string | number;
  /** Actual recipient address used on this message's SMTP envelope */
  raw_rcpt_to?: string;
  /** Unmodified, exact response returned by the remote server due to a failed delivery attempt */
  raw_reason?: string;
  /** Hashed version of recipient address used on this message's SMTP envelope */
  rcpt_hash?: string;
  /** Lowercase version of recipient address used on this message's SMTP envelope */
  rcpt_to?: string;
  /** Canonicalized text of the response returned by the remote server due to a failed delivery attempt */
  reason?: string;
  /** Protocol by which SparkPost received this message */
  recv_method?: string;
  /** Unique identifier of the Relay Webhook associated with this message (uuid) */
  relay_id?: string;
  /** Domain receiving this message */
  routing_domain?: string;
  /** IP address through which this message was sent */
  sending_ip?: string;
  /** Unique subaccount identifier. */
  subaccount_id?: string | number;
  /** Event date and time, in Unix timestamp format (integer seconds since 00:00:00 GMT 1970-01-01) */
  timestamp?: string | number;
  [field: string]: unknown;
}

/** relay_event: `relay_permfail` */
export interface RelayPermfailEvent {
  type: "relay_permfail";
  /** SparkPost-customer identifier through which this message was sent */
  customer_id?: string | number;
  /** Protocol by which SparkPost delivered this message */
  delv_method?: string;
  /** Error code by which the remote server described a failed delivery attempt */
  error_code?: string | number;
  /** Unique event identifier */
  event_id?: string;
  /** Time at which this message was injected into SparkPost */
  injection_time?: string;
  /** IP pool through which this message was sent */
  ip_pool?: string;
  /** SparkPost-cluster-wide unique identifier for this message */
  message_id?: string;
  /** Sender address used on this message's SMTP envelope */
  msg_from?: string;
  /** Number of failed attempts before this message was successfully delivered; when the first attempt succeeds, zero */
  num_retries?: string | number;
  /** Source of the event */
  origination?: string;
  /** Whether a message was sent using TLS or not. Specifies if a message wasn't sent with TLS either because no TLS was offered or TLS negotiation failed. 1 means TLS was used, 0 means TLS was not offered, -1 means TLS negotiation failed */
  outbound_tls?: string;
  /** Delay, expressed in milliseconds, between this message's injection into SparkPost and its delivery to the receiving domain; that is, the length of time this message spent in the outgoing queue */
  queue_time?: string | number;
  /** Actual recipient address used on this message's SMTP envelope */
  raw_rcpt_to?: string;
  /** Unmodified, exact response returned by the remote server due to a failed delivery attempt */
  raw_reason?: string;
  /** Hashed version of recipient address used on this message's SMTP envelope */
  rcpt_hash?: string;
  /** Lowercase version of recipient address used on this message's SMTP envelope */
  rcpt_to?: string;
  /** Canonicalized text of the response returned by the remote server due to a failed delivery attempt */
  reason?: string;
  /** Protocol by which SparkPost received this message */
  recv_method?: string;
  /** Unique identifier of the Relay Webhook associated with this message (uuid) */
  relay_id?: string;
  /** Domain receiving this message */
  routing_domain?: string;
  /** IP address through which this message was sent */
  sending_ip?: string;
  /** Unique subaccount identifier. */
  subaccount_id?: string | number;
  /** Event date and time, in Unix timestamp format (integer seconds since 00:00:00 GMT 1970-01-01) */
  timestamp?: string | number;
  [field: string]: unknown;
}

/** ab_test_event: `ab_test_completed` */
export interface AbTestCompletedEvent {
  type: "ab_test_completed";
  /** Metadata describing an A/B test */
  ab_test?: Record<string, unknown>;
  /** SparkPost-customer identifier through which this message was sent */
  customer_id?: string | number;
  /** Unique event identifier */
  event_id?: string;
  /** Unique subaccount identifier. */
  subaccount_id?: string | number;
  /** Event date and time, in Unix timestamp format (integer seconds since 00:00:00 GMT 1970-01-01) */
  timestamp?: string | number;
  [field: string]: unknown;
}

/** ab_test_event: `ab_test_cancelled` */
export interface AbTestCancelledEvent {
  type: "ab_test_cancelled";
  /** Metadata describing an A/B test */
  ab_test?: Record<string, unknown>;
  /** SparkPost-customer identifier through which this message was sent */
  customer_id?: string | number;
  /** Unique event identifier */
  event_id?: string;
  /** Unique subaccount identifier. */
  subaccount_id?: string | number;
  /** Event date and time, in Unix timestamp format (integer seconds since 00:00:00 GMT 1970-01-01) */
  timestamp?: string | number;
  [field: string]: unknown;
}

/** ingest_event: `success` */
export interface IngestSuccessEvent {
  type: "success";
  /** Universally unique identifier */
  batch_id?: string;
  /** SparkPost-customer identifier through which this message was sent */
  customer_id?: string | number;
  /** Unique event identifier */
  event_id?: string;
  /** The time at which an ingest batch is no longer retrievable */
  expiration_timestamp?: string;
  /** How many events were already processed in a previous batch */
  number_duplicates?: string | number;
  /** How many events succeeded processing */
  number_succeeded?: string | number;
  /** Unique subaccount identifier. */
  subaccount_id?: string | number;
  /** Event date and time, in Unix timestamp format (integer seconds since 00:00:00 GMT 1970-01-01) */
  timestamp?: string | number;
  [field: string]: unknown;
}

/** ingest_event: `error` */
export interface IngestErrorEvent {
  type: "error";
  /** Universally unique identifier */
  batch_id?: string;
  /** SparkPost-customer identifier through which this message was sent */
  customer_id?: string | number;
  /** Category of error that was encountered in processing */
  error_type?: string;
  /** Unique event identifier */
  event_id?: string;
  /** The time at which an ingest batch is no longer retrievable */
  expiration_timestamp?: string;
  /** A reference to a failed batch */
  href?: string;
  /** How many events were already processed in a previous batch */
  number_duplicates?: string | number;
  /** How many events failed processing */
  number_failed?: string | number;
  /** How many events succeeded processing */
  number_succeeded?: string | number;
  /** Indicates if an error retryable */
  retryable?: boolean;
  /** Unique subaccount identifier. */
  subaccount_id?: string | number;
  /** Event date and time, in Unix timestamp format (integer seconds since 00:00:00 GMT 1970-01-01) */
  timestamp?: string | number;
  [field: string]: unknown;
}

export type MessageEvent =
  | InjectionEvent
  | DeliveryEvent
  | BounceEvent
  | DelayEvent
  | OutOfBandEvent
  | PolicyRejectionEvent
  | SpamComplaintEvent
  | SmsStatusEvent;
export type TrackEvent = OpenEvent | InitialOpenEvent | ClickEvent | AmpOpenEvent | AmpInitialOpenEvent | AmpClickEvent;
export type GenEvent = GenerationFailureEvent | GenerationRejectionEvent;
export type UnsubscribeEvent = ListUnsubscribeEvent | LinkUnsubscribeEvent;
export type RelayEvent =
  | RelayInjectionEvent
  | RelayRejectionEvent
  | RelayDeliveryEvent
  | RelayTempfailEvent
  | RelayPermfailEvent;
export type AbTestEvent = AbTestCompletedEvent | AbTestCancelledEvent;
export type IngestEvent = IngestSuccessEvent | IngestErrorEvent;

/** The `msys` key each known event type arrives under. */
export const EVENT_GROUPINGS = {
  message_event: [
    "injection",
    "delivery",
    "bounce",
    "delay",
    "out_of_band",
    "policy_rejection",
    "spam_complaint",
    "sms_status",
  ],
  track_event: ["open", "initial_open", "click", "amp_open", "amp_initial_open", "amp_click"],
  gen_event: ["generation_failure", "generation_rejection"],
  unsubscribe_event: ["list_unsubscribe", "link_unsubscribe"],
  relay_event: ["relay_injection", "relay_rejection", "relay_delivery", "relay_tempfail", "relay_permfail"],
  ab_test_event: ["ab_test_completed", "ab_test_cancelled"],
  ingest_event: ["success", "error"],
} as const;

export type EventGrouping = keyof typeof EVENT_GROUPINGS;
export type KnownEventType = (typeof EVENT_GROUPINGS)[EventGrouping][number];
export type KnownEvent =
  | MessageEvent
  | TrackEvent
  | GenEvent
  | UnsubscribeEvent
  | RelayEvent
  | AbTestEvent
  | IngestEvent;

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
