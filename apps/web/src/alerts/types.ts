import type { Alert } from "@msgevents/alerts/alert";

/** An alert as the API answers it. */
export type AlertObject = Alert;

export interface IncidentDelivery {
  channel: string;
  kind: string;
  status: string;
  attempts: number;
  created_at: string;
  sent_at: string | null;
  last_error: string | null;
}

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
