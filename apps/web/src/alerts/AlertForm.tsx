import { ALERT_METRIC_NAMES, ALERT_METRICS, type AlertMetric, OPERATORS, SOURCES } from "@msgevents/alerts/catalog";
import { type FormEvent, type ReactNode, useId, useState } from "react";
import { InvalidAlertError } from "./api.ts";
import {
  type AlertForm as AlertFormState,
  checkForm,
  FILTER_LABELS,
  FILTER_TYPE_NAMES,
  type FormField,
  fieldOfParam,
} from "./form-state.ts";

interface AlertFormProps {
  initial: AlertFormState;
  submitLabel: string;
  /** Saves the alert; an InvalidAlertError is shown at the fields it names, any other failure above the form. */
  onSubmit(form: AlertFormState): Promise<void>;
}

type Problems = Partial<Record<FormField, string[]>>;

/** One labelled input with its hint and its problems, announced and tied to it (aria-describedby). */
function Field(props: {
  label: string;
  hint?: string;
  problems?: string[];
  children: (attributes: { id: string; "aria-invalid"?: true; "aria-describedby"?: string }) => ReactNode;
}) {
  const id = useId();
  const described = [props.hint ? `${id}-hint` : "", props.problems?.length ? `${id}-problems` : ""]
    .filter(Boolean)
    .join(" ");
  return (
    <div className="alert-field">
      <label htmlFor={id}>{props.label}</label>
      {props.children({
        id,
        ...(props.problems?.length ? { "aria-invalid": true as const } : {}),
        ...(described ? { "aria-describedby": described } : {}),
      })}
      {props.hint && (
        <small id={`${id}-hint`} className="hint">
          {props.hint}
        </small>
      )}
      {props.problems?.length ? (
        <ul id={`${id}-problems`} className="field-problems">
          {props.problems.map((problem) => (
            <li key={problem}>{problem}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

const OPERATOR_LABELS: Record<(typeof OPERATORS)[number], string> = { gt: "above", lt: "below" };
const SOURCE_LABELS: Record<(typeof SOURCES)[number], string> = {
  raw: "as it is",
  day_over_day: "change from the same window a day earlier (%)",
  week_over_week: "change from the same window a week earlier (%)",
};

/**
 * Create or edit an alert: SparkPost's alert object as a form. The rules the form can check itself are checked
 * before sending; the API's 400s are shown at the field each names, the rest above the form.
 */
export function AlertForm({ initial, submitLabel, onSubmit }: AlertFormProps) {
  const [form, setForm] = useState(initial);
  const [problems, setProblems] = useState<Problems>({});
  const [general, setGeneral] = useState<string[]>([]);
  const [saving, setSaving] = useState(false);
  const set = <K extends keyof AlertFormState>(key: K, value: AlertFormState[K]) =>
    setForm((current) => ({ ...current, [key]: value }));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const found = checkForm(form);
    if (Object.keys(found).length > 0) {
      setProblems(Object.fromEntries(Object.entries(found).map(([field, problem]) => [field, [problem]])));
      setGeneral(["The alert was not saved: correct the fields marked below."]);
      return;
    }
    setSaving(true);
    try {
      await onSubmit(form);
    } catch (error) {
      if (!(error instanceof InvalidAlertError)) {
        setGeneral([error instanceof Error ? error.message : String(error)]);
        return;
      }
      const atFields: Problems = {};
      const elsewhere: string[] = [];
      for (const { message, param } of error.errors) {
        const field = fieldOfParam(param);
        if (field) atFields[field] = [...(atFields[field] ?? []), message];
        else elsewhere.push(message);
      }
      setProblems(atFields);
      setGeneral(["The server refused the alert: correct the fields marked below.", ...elsewhere]);
    } finally {
      setSaving(false);
    }
  };

  const kind = ALERT_METRICS[form.metric].kind;
  return (
    <form className="alert-form" onSubmit={(event) => void submit(event)} aria-label={submitLabel} noValidate>
      {general.length > 0 && (
        <div className="form-problems" role="alert">
          {general.map((message) => (
            <p key={message}>{message}</p>
          ))}
        </div>
      )}
      <Field label="Name" problems={problems.name}>
        {(attributes) => (
          <input
            {...attributes}
            value={form.name}
            maxLength={50}
            onChange={(event) => set("name", event.target.value)}
          />
        )}
      </Field>

      <fieldset>
        <legend>Rule</legend>
        <Field label="Metric" hint={ALERT_METRICS[form.metric].describe} problems={problems.metric}>
          {(attributes) => (
            <select
              {...attributes}
              value={form.metric}
              onChange={(event) => set("metric", event.target.value as AlertMetric)}
            >
              {ALERT_METRIC_NAMES.map((metric) => (
                <option key={metric} value={metric}>
                  {metric}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Fires when the value is" problems={problems.operator}>
          {(attributes) => (
            <select
              {...attributes}
              value={form.operator}
              onChange={(event) => set("operator", event.target.value as AlertFormState["operator"])}
            >
              {OPERATORS.map((operator) => (
                <option key={operator} value={operator}>
                  {OPERATOR_LABELS[operator]}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field
          label="Threshold"
          hint={
            form.source !== "raw"
              ? "A change in percent: -50 is a drop by half."
              : kind === "rate"
                ? "A percentage."
                : "A count over the window; below 1 means no events at all."
          }
          problems={problems.value}
        >
          {(attributes) => (
            <input
              {...attributes}
              inputMode="decimal"
              value={form.value}
              onChange={(event) => set("value", event.target.value)}
            />
          )}
        </Field>
        <Field label="Compared" problems={problems.source}>
          {(attributes) => (
            <select
              {...attributes}
              value={form.source}
              onChange={(event) => set("source", event.target.value as AlertFormState["source"])}
            >
              {SOURCES.map((source) => (
                <option key={source} value={source}>
                  {SOURCE_LABELS[source]}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field
          label="Window (minutes)"
          hint="How much of the recent past the value covers."
          problems={problems.windowMinutes}
        >
          {(attributes) => (
            <input
              {...attributes}
              inputMode="numeric"
              value={form.windowMinutes}
              onChange={(event) => set("windowMinutes", event.target.value)}
            />
          )}
        </Field>
        <Field
          label="Minimum volume"
          hint="Messages (or, compared with an earlier window, its volume) below which nothing is judged."
          problems={problems.minVolume}
        >
          {(attributes) => (
            <input
              {...attributes}
              inputMode="numeric"
              value={form.minVolume}
              onChange={(event) => set("minVolume", event.target.value)}
            />
          )}
        </Field>
      </fieldset>

      <fieldset>
        <legend>What each value combination is made of</legend>
        <div className="subaccount-modes" role="radiogroup" aria-label="Subaccounts">
          {(
            [
              ["whole", "The whole account as one"],
              ["each", "Each subaccount on its own"],
              ["listed", "These subaccounts, each on its own"],
            ] as const
          ).map(([mode, label]) => (
            <label key={mode} className="radio">
              <input
                type="radio"
                name="subaccount-mode"
                checked={form.subaccountMode === mode}
                onChange={() => set("subaccountMode", mode)}
              />
              {label}
            </label>
          ))}
        </div>
        {form.subaccountMode === "listed" && (
          <Field
            label="Subaccount ids"
            hint="Comma-separated; 0 is the primary account."
            problems={problems.subaccounts}
          >
            {(attributes) => (
              <input
                {...attributes}
                value={form.subaccounts}
                onChange={(event) => set("subaccounts", event.target.value)}
              />
            )}
          </Field>
        )}
        {form.subaccountMode !== "listed" && problems.subaccounts && (
          <ul className="field-problems">
            {problems.subaccounts.map((problem) => (
              <li key={problem}>{problem}</li>
            ))}
          </ul>
        )}
        <div className="alert-filters">
          {FILTER_TYPE_NAMES.map((type) => (
            <Field key={type} label={FILTER_LABELS[type]} hint="Comma-separated exact values; empty: any.">
              {(attributes) => (
                <input
                  {...attributes}
                  value={form.filters[type]}
                  onChange={(event) => set("filters", { ...form.filters, [type]: event.target.value })}
                />
              )}
            </Field>
          ))}
        </div>
        {problems.filters && (
          <ul className="field-problems" aria-label="Problems with the filters">
            {problems.filters.map((problem) => (
              <li key={problem}>{problem}</li>
            ))}
          </ul>
        )}
      </fieldset>

      <fieldset>
        <legend>Notify</legend>
        {problems.channels && (
          <ul className="field-problems">
            {problems.channels.map((problem) => (
              <li key={problem}>{problem}</li>
            ))}
          </ul>
        )}
        <Field
          label="E-mail addresses"
          hint="Up to 10, comma-separated; sent through your SparkPost account."
          problems={problems.emails}
        >
          {(attributes) => (
            <input
              {...attributes}
              type="text"
              value={form.emails}
              onChange={(event) => set("emails", event.target.value)}
            />
          )}
        </Field>
        <Field label="Webhook URL" hint="Receives SparkPost's alert payload, signed." problems={problems.webhook}>
          {(attributes) => (
            <input
              {...attributes}
              type="url"
              value={form.webhook}
              onChange={(event) => set("webhook", event.target.value)}
            />
          )}
        </Field>
        <Field label="Slack incoming webhook URL" problems={problems.slack}>
          {(attributes) => (
            <input
              {...attributes}
              type="url"
              value={form.slack}
              onChange={(event) => set("slack", event.target.value)}
            />
          )}
        </Field>
        <Field label="Close after (minutes within the threshold)" problems={problems.recoveryMinutes}>
          {(attributes) => (
            <input
              {...attributes}
              inputMode="numeric"
              value={form.recoveryMinutes}
              onChange={(event) => set("recoveryMinutes", event.target.value)}
            />
          )}
        </Field>
        <Field label="Remind every (minutes, 0 for never)" problems={problems.reminderMinutes}>
          {(attributes) => (
            <input
              {...attributes}
              inputMode="numeric"
              value={form.reminderMinutes}
              onChange={(event) => set("reminderMinutes", event.target.value)}
            />
          )}
        </Field>
        <label className="checkbox">
          <input type="checkbox" checked={form.muted} onChange={(event) => set("muted", event.target.checked)} />
          Muted (neither evaluated nor sent)
        </label>
      </fieldset>

      <div className="form-actions">
        <button type="submit" className="primary" disabled={saving}>
          {saving ? "Saving…" : submitLabel}
        </button>
      </div>
    </form>
  );
}
