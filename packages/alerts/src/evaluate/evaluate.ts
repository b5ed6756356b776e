import type { AlertDefinition } from "../model/alert.ts";
import { decide, type IncidentAction, type OpenIncident } from "./incidents.ts";
import { observe } from "./observe.ts";
import {
  type AlertScope,
  type AlertWindows,
  plannedKeyOf,
  planQueries,
  scopeOf,
  type Window,
  windowsOf,
} from "./plan.ts";
import type { AlertMetricsSource, MeasureRow } from "./source.ts";

/** An alert with the numbers of every window it reads, ready to be judged. */
export interface MeasuredAlert {
  id: number;
  definition: AlertDefinition;
  scope: AlertScope;
  windows: AlertWindows;
  rowsOf(window: Window): readonly MeasureRow[];
}

export interface EvaluatedAlert {
  id: number;
  definition: AlertDefinition;
  windows: AlertWindows;
  actions: IncidentAction[];
  /** Combinations judged (with a value or not). */
  observations: number;
}

/**
 * Reads what every given alert needs at `now`: plans the fewest source queries (alerts reading one window at the same
 * dimensions share one) and runs them side by side. Reads no incident, so it needs no lock.
 */
export async function measureAlerts(
  alerts: readonly { id: number; definition: AlertDefinition }[],
  source: AlertMetricsSource,
  now: Date,
): Promise<MeasuredAlert[]> {
  const reads = alerts.map((alert) => {
    const scope = scopeOf(alert.definition);
    const windows = windowsOf(alert.definition, now);
    const list = [windows.current, windows.comparison, windows.preceding].filter((w): w is Window => w !== undefined);
    return { ...alert, scope, windows, list };
  });
  const planned = planQueries(reads.map((read) => ({ alert: read.definition, scope: read.scope, windows: read.list })));
  const answers = new Map(
    await Promise.all(planned.map(async ({ key, query }) => [key, await source.measure(query)] as const)),
  );
  return reads.map((read) => ({
    id: read.id,
    definition: read.definition,
    scope: read.scope,
    windows: read.windows,
    rowsOf: (window) => answers.get(plannedKeyOf(window, read.scope.dimensions)) ?? [],
  }));
}

/** Judges each measured alert's combinations and decides what happens to its open incidents. Writes nothing. */
export function judgeAlerts(
  measured: readonly MeasuredAlert[],
  openIncidents: readonly OpenIncident[],
  now: Date,
): EvaluatedAlert[] {
  const incidentsOf = new Map<number, OpenIncident[]>();
  for (const incident of openIncidents) {
    incidentsOf.set(incident.alertId, [...(incidentsOf.get(incident.alertId) ?? []), incident]);
  }
  return measured.map((alert) => {
    const open = incidentsOf.get(alert.id) ?? [];
    const observations = observe(alert.definition, alert.scope, alert.windows, alert.rowsOf, open);
    const byCombination = new Map(open.map((incident) => [incident.combination, incident]));
    const actions = observations
      .map((observation) => decide(alert.definition, observation, byCombination.get(observation.combination), now))
      .filter((action): action is IncidentAction => action !== undefined);
    return {
      id: alert.id,
      definition: alert.definition,
      windows: alert.windows,
      actions,
      observations: observations.length,
    };
  });
}
