import { ALERT_METRICS } from "@msgevents/alerts/catalog";
import { useCallback, useEffect, useState } from "react";
import { ScrollRegion } from "../ScrollRegion.tsx";
import { AlertForm } from "./AlertForm.tsx";
import { ALERTS_PATH, alertsApi, InvalidAlertError } from "./api.ts";
import { type AlertForm as AlertFormState, alertFromForm, EMPTY_FORM, formFromAlert } from "./form-state.ts";
import { IncidentsTable } from "./IncidentsTable.tsx";
import type { AlertObject, IncidentObject } from "./types.ts";
import "./alerts.css";

interface AlertsPageProps {
  apiKey: string;
  /** `id=3` (one alert and its incidents), `new` (the create form), or nothing (the list). */
  query: string;
  onError(error: unknown): void;
}

export const alertsHref = (query = "") => `#/alerts${query ? `?${query}` : ""}`;

function thresholdText(alert: AlertObject): string {
  const { operator, source, value } = alert.threshold_evaluator;
  const unit =
    source !== "raw" ? `% ${source.replaceAll("_", " ")}` : ALERT_METRICS[alert.metric].kind === "rate" ? "%" : "";
  return `${operator === "gt" ? "above" : "below"} ${value}${unit}`;
}

function scopeText(alert: AlertObject): string {
  const subaccounts = alert.any_subaccount
    ? "each subaccount"
    : alert.subaccounts?.includes(-1)
      ? "whole account"
      : `subaccount ${alert.subaccounts?.join(", ")}`;
  return [
    subaccounts,
    ...alert.filters.map((filter) => `${filter.filter_type} ${filter.filter_values.join(", ")}`),
  ].join("; ");
}

/** Saves through the API; refusals other than an invalid alert go to the app's error banner. */
function useSave(apiKey: string, onError: (error: unknown) => void) {
  return useCallback(
    async (method: "POST" | "PUT", path: string, form: AlertFormState) => {
      try {
        return await alertsApi<{ id: number } | AlertObject>(apiKey, method, path, alertFromForm(form));
      } catch (error) {
        if (error instanceof InvalidAlertError) throw error;
        onError(error);
        return undefined;
      }
    },
    [apiKey, onError],
  );
}

function AlertList({ apiKey, onError }: Omit<AlertsPageProps, "query">) {
  const [alerts, setAlerts] = useState<AlertObject[] | undefined>();
  useEffect(() => {
    const abort = new AbortController();
    alertsApi<AlertObject[]>(apiKey, "GET", ALERTS_PATH, undefined, abort.signal)
      .then(setAlerts)
      .catch((error: unknown) => {
        if (!abort.signal.aborted) onError(error);
      });
    return () => abort.abort();
  }, [apiKey, onError]);

  return (
    <>
      <div className="toolbar">
        <h1>Alerts</h1>
        <a className="button-link" href={alertsHref("new")}>
          New alert
        </a>
      </div>
      <p className="hint">
        Rules on your own events, evaluated every few minutes from the Metrics API's numbers; each value combination
        opens an incident of its own and notifies by e-mail, webhook or Slack.
      </p>
      {alerts === undefined ? (
        <p className="status" role="status">
          Loading alerts…
        </p>
      ) : alerts.length === 0 ? (
        <p className="status">No alert yet.</p>
      ) : (
        <ScrollRegion label="Alerts">
          <table className="alerts-list">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Metric</th>
                <th scope="col">Fires</th>
                <th scope="col">Evaluated for</th>
                <th scope="col">State</th>
                <th scope="col">Last triggered</th>
              </tr>
            </thead>
            <tbody>
              {alerts.map((alert) => (
                <tr key={alert.id} data-alert={alert.id}>
                  <th scope="row">
                    <a href={alertsHref(`id=${alert.id}`)}>{alert.name}</a>
                  </th>
                  <td>{alert.metric}</td>
                  <td>{thresholdText(alert)}</td>
                  <td>{scopeText(alert)}</td>
                  <td>{alert.muted ? "muted" : "active"}</td>
                  <td className="nowrap">{alert.last_triggered ?? "never"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      )}
    </>
  );
}

function NewAlert({ apiKey, onError }: Omit<AlertsPageProps, "query">) {
  const save = useSave(apiKey, onError);
  return (
    <>
      <p>
        <a href={alertsHref()}>All alerts</a>
      </p>
      <h1>New alert</h1>
      <AlertForm
        initial={EMPTY_FORM}
        submitLabel="Create alert"
        onSubmit={async (form) => {
          const created = (await save("POST", ALERTS_PATH, form)) as { id: number } | undefined;
          if (created) window.location.hash = alertsHref(`id=${created.id}`);
        }}
      />
    </>
  );
}

function AlertDetail({ apiKey, id, onError }: Omit<AlertsPageProps, "query"> & { id: string }) {
  const [alert, setAlert] = useState<AlertObject | undefined>();
  const [incidents, setIncidents] = useState<IncidentObject[] | undefined>();
  const [saved, setSaved] = useState(false);
  const save = useSave(apiKey, onError);

  const load = useCallback(
    (signal?: AbortSignal) =>
      Promise.all([
        alertsApi<AlertObject>(apiKey, "GET", `${ALERTS_PATH}/${id}`, undefined, signal),
        alertsApi<IncidentObject[]>(apiKey, "GET", `${ALERTS_PATH}/${id}/incidents`, undefined, signal),
      ]).then(([found, listed]) => {
        setAlert(found);
        setIncidents(listed);
      }),
    [apiKey, id],
  );
  useEffect(() => {
    const abort = new AbortController();
    load(abort.signal).catch((error: unknown) => {
      if (!abort.signal.aborted) onError(error);
    });
    return () => abort.abort();
  }, [load, onError]);

  if (!alert) {
    return (
      <p className="status" role="status">
        Loading the alert…
      </p>
    );
  }
  return (
    <>
      <p>
        <a href={alertsHref()}>All alerts</a>
      </p>
      <h1>{alert.name}</h1>
      {saved && (
        <p className="status" role="status">
          Saved.
        </p>
      )}
      <h2>Incidents</h2>
      {incidents && <IncidentsTable incidents={incidents} />}
      <h2>Rule</h2>
      <AlertForm
        key={JSON.stringify(alert)}
        initial={formFromAlert(alert)}
        submitLabel="Save alert"
        onSubmit={async (form) => {
          const updated = (await save("PUT", `${ALERTS_PATH}/${id}`, form)) as AlertObject | undefined;
          if (!updated) return;
          setSaved(true);
          await load().catch(onError);
        }}
      />
      <div className="form-actions">
        <button
          type="button"
          className="danger"
          onClick={() => {
            if (!window.confirm(`Delete the alert "${alert.name}" and its incidents?`)) return;
            alertsApi(apiKey, "DELETE", `${ALERTS_PATH}/${id}`)
              .then(() => {
                window.location.hash = alertsHref();
              })
              .catch(onError);
          }}
        >
          Delete alert
        </button>
      </div>
    </>
  );
}

/** `#/alerts`: the alert rules, one rule with its incidents, and the form to create or edit one. */
export function AlertsPage({ apiKey, query, onError }: AlertsPageProps) {
  const params = new URLSearchParams(query);
  const id = params.get("id");
  if (params.has("new")) return <NewAlert apiKey={apiKey} onError={onError} />;
  if (id && /^[1-9][0-9]*$/.test(id)) return <AlertDetail key={id} apiKey={apiKey} id={id} onError={onError} />;
  return <AlertList apiKey={apiKey} onError={onError} />;
}
