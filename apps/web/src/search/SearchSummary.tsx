import { FILTERS } from "./filters.ts";
import { type SearchState, TIME_PRESETS } from "./search-state.ts";

/** What a search asks for, in one line per kind of filter: shown in place of the form, so results stay in view. */
export function SearchSummary({ state, onEdit }: { state: SearchState; onEdit(): void }) {
  const range =
    state.range.preset === "custom"
      ? `${state.range.from.replace("T", " ")} to ${state.range.to.replace("T", " ")} (UTC)`
      : (TIME_PRESETS.find((preset) => preset.id === state.range.preset)?.label ?? "");
  const items: [string, string][] = [["Time", range]];
  if (state.events.length > 0) items.push(["Event types", state.events.join(", ")]);
  for (const filter of FILTERS) {
    const values = state.filters[filter.param];
    if (values && values.length > 0) items.push([filter.label, values.join(" · ")]);
  }
  return (
    <div className="search-summary" data-testid="search-summary">
      <dl>
        {items.map(([label, value]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      <button type="button" aria-expanded={false} aria-controls="search-form" onClick={onEdit}>
        Edit search
      </button>
    </div>
  );
}
