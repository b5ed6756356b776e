// An incident as the Alerts API answers it: types only, so the web app can import them without the package's code.

/** One notification of an incident on one channel, and how its delivery went. */
export interface IncidentDelivery {
  channel: string;
  kind: string;
  status: string;
  attempts: number;
  created_at: string;
  sent_at: string | null;
  last_error: string | null;
}

/** SparkPost's incident object, then msgevents' additions: the latest value, closing, link and deliveries. */
export interface IncidentObject {
  id: number;
  triggered_value: number;
  first_fired: string;
  last_fired: string;
  status: "open" | "closed";
  filters: Record<string, string | number>;
  last_value: number;
  closed_at: string | null;
  closed_reason: string | null;
  /** `/#/search?…`: the events behind the value that fired. */
  link: string;
  deliveries: IncidentDelivery[];
}
