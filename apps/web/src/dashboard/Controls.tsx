import { type FormEvent, useMemo, useState } from "react";
import { ChipInput } from "../search/ChipInput.tsx";
import {
  type DashboardState,
  dashboardHref,
  isUtcPrecision,
  PRECISIONS,
  PRESETS,
  type Precision,
  precisionsFor,
  type Resolved,
  rangeLength,
  resolveState,
} from "./dashboard-state.ts";
import { DIMENSIONS, displayValue } from "./dimensions.ts";
import { formatWall, toWall } from "./zoned-time.ts";

interface ControlsProps {
  state: DashboardState;
  resolved: Resolved;
  now: Date;
  go(next: DashboardState): void;
}

/** The zones to choose from: UTC, the browser's own, then every zone the browser knows. */
function zoneChoices(current: string): string[] {
  const own = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const all = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  return [...new Set(["UTC", own, current, ...all])];
}

/** Range presets, a custom range, the time zone, the precision and the filters; each change is a new address. */
export function Controls({ state, resolved, now, go }: ControlsProps) {
  const zones = useMemo(() => zoneChoices(state.zone), [state.zone]);
  const length = rangeLength(state);
  const precisions = length === undefined ? [] : precisionsFor(length);
  const shown = "window" in resolved ? resolved.window : undefined;
  const utcBuckets = shown !== undefined && isUtcPrecision(shown.precision) && state.zone !== "UTC";
  return (
    <div className="dashboard-controls">
      <nav aria-label="Dashboard range" className="presets">
        {PRESETS.map((preset) => (
          <a
            key={preset.id}
            href={dashboardHref({ ...state, range: { preset: preset.id }, precision: "auto" })}
            aria-current={state.range.preset === preset.id ? "page" : undefined}
            className="preset"
          >
            {preset.label}
          </a>
        ))}
      </nav>
      <CustomRange key={`${JSON.stringify(state.range)}/${state.zone}`} state={state} now={now} go={go} />
      <div className="view-options">
        <label>
          Time zone
          <select value={state.zone} onChange={(event) => go({ ...state, zone: event.target.value })}>
            {zones.map((zone) => (
              <option key={zone} value={zone}>
                {zone}
              </option>
            ))}
          </select>
        </label>
        <label>
          Precision
          <select
            value={state.precision}
            onChange={(event) => go({ ...state, precision: event.target.value as Precision | "auto" })}
          >
            <option value="auto">Automatic</option>
            {PRECISIONS.filter((choice) => precisions.includes(choice.id) || choice.id === state.precision).map(
              (choice) => (
                <option key={choice.id} value={choice.id}>
                  {choice.label}
                </option>
              ),
            )}
          </select>
        </label>
      </div>
      {utcBuckets && (
        <p className="hint" data-testid="utc-note">
          Days, weeks and months are UTC, as SparkPost reports them; choose hour or finer to see {state.zone} time.
        </p>
      )}
      <Filters state={state} go={go} />
    </div>
  );
}

/** From and to as wall times of the dashboard's zone; an impossible range is shown as an error, not run. */
function CustomRange({ state, now, go }: { state: DashboardState; now: Date; go(next: DashboardState): void }) {
  const initial = (() => {
    if (state.range.preset === "custom") return { from: state.range.from, to: state.range.to };
    const resolved = resolveState(state, now);
    if ("error" in resolved) return { from: "", to: "" };
    const wall = (iso: string) => formatWall(toWall(state.zone, Date.parse(iso)));
    return { from: wall(resolved.window.from), to: wall(resolved.window.to) };
  })();
  const [from, setFrom] = useState(initial.from);
  const [to, setTo] = useState(initial.to);
  const [error, setError] = useState<string | undefined>();
  const apply = (event: FormEvent) => {
    event.preventDefault();
    const next: DashboardState = { ...state, range: { preset: "custom", from, to }, precision: "auto" };
    const resolved = resolveState(next, now);
    if ("error" in resolved) {
      setError(resolved.error);
      return;
    }
    setError(undefined);
    go(next);
  };
  return (
    <form onSubmit={apply} className="custom-range" aria-label="Custom range" noValidate>
      <label>
        From ({state.zone})
        <input
          type="datetime-local"
          value={from}
          aria-invalid={error !== undefined}
          aria-describedby={error ? "range-error" : undefined}
          onChange={(event) => setFrom(event.target.value)}
        />
      </label>
      <label>
        To ({state.zone})
        <input
          type="datetime-local"
          value={to}
          aria-invalid={error !== undefined}
          aria-describedby={error ? "range-error" : undefined}
          onChange={(event) => setTo(event.target.value)}
        />
      </label>
      <button type="submit">Show range</button>
      {error && (
        <p id="range-error" className="field-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

/** Every Metrics API filter as a list of exact values; the filters in force are listed with a way to drop each. */
function Filters({ state, go }: { state: DashboardState; go(next: DashboardState): void }) {
  const [draft, setDraft] = useState(state.filters);
  const active = DIMENSIONS.flatMap((dimension) =>
    (state.filters[dimension.param] ?? []).map((value) => ({ dimension, value })),
  );
  const apply = (event: FormEvent) => {
    event.preventDefault();
    const filters = Object.fromEntries(Object.entries(draft).filter(([, values]) => values.length > 0));
    go({ ...state, filters });
  };
  return (
    <div className="dashboard-filters">
      {active.length > 0 && (
        <ul className="chips active-filters" aria-label="Filters in force">
          {active.map(({ dimension, value }) => (
            <li key={`${dimension.param}/${value}`} className="chip">
              <span>
                {dimension.label}: {displayValue(dimension, value)}
              </span>
              <button
                type="button"
                aria-label={`Remove filter ${dimension.label} ${value}`}
                onClick={() =>
                  go({
                    ...state,
                    filters: {
                      ...state.filters,
                      [dimension.param]: (state.filters[dimension.param] ?? []).filter((other) => other !== value),
                    },
                  })
                }
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      <details className="filters">
        <summary>Filters {active.length > 0 ? `(${active.length})` : ""}</summary>
        <form onSubmit={apply} aria-label="Dashboard filters">
          <div className="filter-grid">
            {DIMENSIONS.map((dimension) => (
              <ChipInput
                key={dimension.param}
                label={dimension.label}
                hint={dimension.numeric ? "subaccount ids; 0 is the primary account" : "exact values"}
                values={draft[dimension.param] ?? []}
                onChange={(values) => setDraft((current) => ({ ...current, [dimension.param]: values }))}
              />
            ))}
          </div>
          <div className="form-actions">
            <button type="submit" className="primary">
              Apply filters
            </button>
          </div>
        </form>
      </details>
    </div>
  );
}
