import type { AlertDefinition } from "../model/alert.ts";
import type { Observation } from "./observe.ts";

/** An open incident as the evaluator needs it. */
export interface OpenIncident {
  id: number;
  alertId: number;
  combination: string;
  filters: Record<string, string | number>;
  firstFired: Date;
  lastNotified: Date;
  recoveringSince: Date | null;
}

export type IncidentAction =
  /** The rule fires for a combination without an open incident: open one and notify every channel. */
  | { type: "open"; observation: Observation }
  /** Still beyond the threshold; `remind` when the reminder period passed since the last notification. */
  | { type: "fire"; incident: OpenIncident; value: number; remind: boolean }
  /** Within the threshold, not yet for the whole recovery period. */
  | { type: "recover"; incident: OpenIncident; value: number; since: Date }
  /** Within the threshold for the whole recovery period: closed. */
  | { type: "close"; incident: OpenIncident; value: number };

const MINUTE = 60_000;

/**
 * The incident state machine for one observation. An incident opens when the rule fires, closes once every
 * evaluation for `recovery_minutes` found it within the threshold (hysteresis: a value hovering at the threshold
 * keeps one incident instead of opening many), and reminds every `reminder_minutes` while it fires. A combination
 * that cannot be judged (below the minimum volume) changes nothing: an open incident is neither confirmed nor
 * recovering without evidence.
 */
export function decide(
  alert: AlertDefinition,
  observation: Observation,
  incident: OpenIncident | undefined,
  now: Date,
): IncidentAction | undefined {
  const { value } = observation;
  if (value === undefined) return undefined;
  if (observation.firing) {
    if (!incident) return { type: "open", observation };
    const remind =
      alert.reminder_minutes > 0 && now.getTime() - incident.lastNotified.getTime() >= alert.reminder_minutes * MINUTE;
    return { type: "fire", incident, value, remind };
  }
  if (!incident) return undefined;
  const since = incident.recoveringSince ?? now;
  if (now.getTime() - since.getTime() >= alert.recovery_minutes * MINUTE) return { type: "close", incident, value };
  return { type: "recover", incident, value, since };
}
