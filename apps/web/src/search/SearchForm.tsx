import { type FormEvent, useState } from "react";
import { EVENT_TYPE_GROUPS } from "../event-types.ts";
import { ChipInput } from "./ChipInput.tsx";
import { FILTERS } from "./filters.ts";
import { PAGE_SIZES, type SearchState, TIME_PRESETS, type TimeRange } from "./search-state.ts";

interface SearchFormProps {
  initial: SearchState;
  onSearch(state: SearchState): void;
}

/** `datetime-local` values have no zone; the form reads and writes them as UTC. */
const toInputValue = (iso: string) => iso.slice(0, 16);
const fromInputValue = (value: string) => `${value}:00Z`;

export function SearchForm({ initial, onSearch }: SearchFormProps) {
  const [draft, setDraft] = useState(initial);
  const [customFrom, setCustomFrom] = useState(initial.range.preset === "custom" ? initial.range.from : "");
  const [customTo, setCustomTo] = useState(initial.range.preset === "custom" ? initial.range.to : "");

  const setFilter = (param: string, values: string[]) =>
    setDraft((current) => ({ ...current, filters: { ...current.filters, [param]: values } }));
  const toggleType = (type: string, on: boolean) =>
    setDraft((current) => ({
      ...current,
      events: on ? [...current.events, type] : current.events.filter((other) => other !== type),
    }));
  const setPreset = (preset: TimeRange["preset"]) =>
    setDraft((current) => ({
      ...current,
      range: preset === "custom" ? { preset, from: customFrom, to: customTo } : { preset },
    }));

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const range: TimeRange =
      draft.range.preset === "custom" ? { preset: "custom", from: customFrom, to: customTo } : draft.range;
    onSearch({ ...draft, range });
  };

  return (
    <form className="search-form" id="search-form" onSubmit={submit} aria-label="Search events">
      <fieldset className="time-range">
        <legend>Time range</legend>
        <div className="presets">
          {[...TIME_PRESETS, { id: "custom" as const, label: "Custom (UTC)" }].map((preset) => (
            <label key={preset.id} className="radio">
              <input
                type="radio"
                name="range"
                value={preset.id}
                checked={draft.range.preset === preset.id}
                onChange={() => setPreset(preset.id)}
              />
              {preset.label}
            </label>
          ))}
        </div>
        {draft.range.preset === "custom" && (
          <div className="custom-range">
            <label>
              From (UTC)
              <input
                type="datetime-local"
                required
                value={customFrom ? toInputValue(customFrom) : ""}
                onChange={(event) => setCustomFrom(event.target.value ? fromInputValue(event.target.value) : "")}
              />
            </label>
            <label>
              To (UTC)
              <input
                type="datetime-local"
                required
                value={customTo ? toInputValue(customTo) : ""}
                onChange={(event) => setCustomTo(event.target.value ? fromInputValue(event.target.value) : "")}
              />
            </label>
          </div>
        )}
      </fieldset>

      <details className="event-types">
        <summary>Event types {draft.events.length === 0 ? "(all)" : `(${draft.events.length} selected)`}</summary>
        {EVENT_TYPE_GROUPS.map((group) => (
          <fieldset key={group.label}>
            <legend>{group.label}</legend>
            {group.types.map((type) => (
              <label key={type} className="checkbox">
                <input
                  type="checkbox"
                  name="events"
                  value={type}
                  checked={draft.events.includes(type)}
                  onChange={(event) => toggleType(type, event.target.checked)}
                />
                {type}
              </label>
            ))}
          </fieldset>
        ))}
      </details>

      <details className="filters" open={Object.keys(initial.filters).length > 0}>
        <summary>Filters {Object.values(draft.filters).some((values) => values.length > 0) ? "(set)" : ""}</summary>
        <div className="filter-grid">
          {FILTERS.map((filter) => (
            <ChipInput
              key={filter.param}
              label={filter.label}
              hint={filter.hint}
              values={draft.filters[filter.param] ?? []}
              onChange={(values) => setFilter(filter.param, values)}
            />
          ))}
        </div>
      </details>

      <div className="form-actions">
        <label>
          Per page
          <select
            value={draft.perPage}
            onChange={(event) => setDraft((current) => ({ ...current, perPage: Number(event.target.value) }))}
          >
            {PAGE_SIZES.map((size) => (
              <option key={size} value={size}>
                {size}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="primary">
          Search
        </button>
      </div>
    </form>
  );
}
