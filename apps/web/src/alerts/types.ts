import type { Alert } from "@msgevents/alerts/alert";

/** An alert as the API answers it. */
export type AlertObject = Alert;
export type { IncidentDelivery, IncidentObject } from "@msgevents/alerts/incident";
