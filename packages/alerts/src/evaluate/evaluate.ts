import type { AlertDefinition } from "../model/alert.ts";
import { decide, type IncidentAction, type OpenIncident } from "./incidents.ts";
import { observe } from "./observe.ts";
import { type AlertWindows, plannedKeyOf, planQueries, scopeOf, type Window, windowsOf } from "./plan.ts";
import type { AlertMetricsSource, MeasureRow } from "./source.ts";

export interface EvaluatedAlert {
  id: number;
  definition: AlertDefinition;
  windows: AlertWindows;
  actions: IncidentAction[];
  /** Combinations judged (with a value or not). */
  observations: number;
}

/**
 * Evaluates every given (unmuted) alert at `now`: plans the fewest source queries, runs them side by side, judges
 * each alert's combinations and decides what happens to its incidents. Writes nothing.
 */
export async function evaluateAlerts(
  alerts: readonly { id: number; definition: AlertDefinition }[],
  openIncidents: readonly OpenIncident[],
  source: AlertMetricsSource,
  now: Date,
): Promise<EvaluatedAlert[]> {
  const reads = alerts.map((alert) => {
    const scope = scopeOf(alert.definition);
    const windows = windowsOf(alert.definition, now);
    const list = [windows.current, windows.comparison, windows.preceding].filter((w): w is Window => w !== undefined);
    return { ...alert, alert: alert.definition, scope, windows, windowList: list };
  });
  const planned = planQueries(
    reads.map((read) => ({ alert: read.alert, scope: read.scope, windows: read.windowList })),
  );
  const answers = new Map(
    await Promise.all(planned.map(async ({ key, query }) => [key, await source.measure(query)] as const)),
  );
  const incidentsOf = new Map<number, OpenIncident[]>();
  for (const incident of openIncidents) {
    incidentsOf.set(incident.alertId, [...(incidentsOf.get(incident.alertId) ?? []), incident]);
  }

  return reads.map((read) => {
    const open = incidentsOf.get(read.id) ?? [];
    const rowsOf = (window: Window): readonly MeasureRow[] =>
      answers.get(plannedKeyOf(window, read.scope.dimensions)) ?? [];
    const observations = observe(read.definition, read.scope, read.windows, rowsOf, open);
    const byCombination = new Map(open.map((incident) => [incident.combination, incident]));
    const actions = observations
      .map((observation) => decide(read.definition, observation, byCombination.get(observation.combination), now))
      .filter((action): action is IncidentAction => action !== undefined);
    return {
      id: read.id,
      definition: read.definition,
      windows: read.windows,
      actions,
      observations: observations.length,
    };
  });
}
