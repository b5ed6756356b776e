import type { Precision } from "./dashboard-state.ts";
import { formatCount, formatRate, KEY_RATES, metricValue, type RateDefinition } from "./metrics.ts";
import type { MetricsRow } from "./metrics-request.ts";

/** The roll-up increment within which SparkPost counts a message once, at each precision. */
export function uniqueIncrement(precision: Precision): string {
  if (precision === "hour") return "hour";
  if (precision === "day" || precision === "week" || precision === "month") return "day";
  return "minute";
}

/** Rates where a rise is bad news (the change is shown as a worsening, not only by its sign). */
const LOWER_IS_BETTER = new Set(["bounce_rate", "hard_bounce_rate", "complaint_rate", "unsubscribe_rate"]);

interface RateCardsProps {
  summary: MetricsRow | undefined;
  previous: MetricsRow | undefined;
  precision: Precision;
}

/** The key rates as SparkPost's app computes them, each beside the previous period's value and the change. */
export function RateCards({ summary, previous, precision }: RateCardsProps) {
  const increment = uniqueIncrement(precision);
  const passes100 = KEY_RATES.some((rate) => rate.canPass100 && metricValue(rate, summary) > 100);
  return (
    <section aria-labelledby="rates-title">
      <h2 id="rates-title">Key rates</h2>
      {summary === undefined ? (
        <p aria-busy="true">Loading…</p>
      ) : (
        <>
          <ul className="rates">
            {KEY_RATES.map((rate) => (
              <RateCard key={rate.id} rate={rate} summary={summary} previous={previous} increment={increment} />
            ))}
          </ul>
          <p className={passes100 ? "note warning" : "note"} id="rates-note">
            † SparkPost's definition lets this rate pass 100 %: it divides the events of the range (bounces, unique
            opens and clicks, complaints), which include those of mail sent before it, by the messages sent or accepted
            in it, and counts a message's opens and clicks once per {increment}, summed over the range.
            {passes100 ? " One of them does here." : ""}
          </p>
        </>
      )}
    </section>
  );
}

function RateCard({
  rate,
  summary,
  previous,
  increment,
}: {
  rate: RateDefinition;
  summary: MetricsRow;
  previous: MetricsRow | undefined;
  increment: string;
}) {
  const value = metricValue(rate, summary);
  const numerator = Number(summary[rate.numerator.id] ?? 0);
  const denominator = Number(summary[rate.denominator.id] ?? 0);
  const unique = rate.numerator.id.includes("unique") ? ` (once per ${increment})` : "";
  return (
    <li className="rate" data-rate={rate.id}>
      <span className="rate-label">
        {rate.label}
        {rate.canPass100 && (
          <a href="#rates-note" className="note-mark" aria-label="can pass 100 %, see the note">
            †
          </a>
        )}
      </span>
      <span className={value > 100 ? "rate-value over" : "rate-value"}>{formatRate(value)}</span>
      <span className="rate-detail">
        {formatCount(numerator)} {rate.numerator.label.toLowerCase()}
        {unique} of {formatCount(denominator)} {rate.denominator.label.toLowerCase()}
      </span>
      {previous !== undefined &&
        (Number(previous[rate.denominator.id] ?? 0) > 0 ? (
          <Change rate={rate} value={value} before={metricValue(rate, previous)} />
        ) : (
          <span className="rate-change" data-testid="rate-change">
            Previous period: no {rate.denominator.label.toLowerCase()} messages
          </span>
        ))}
    </li>
  );
}

function Change({ rate, value, before }: { rate: RateDefinition; value: number; before: number }) {
  const change = value - before;
  const rounded = Math.round(change * 10) / 10;
  const worse = LOWER_IS_BETTER.has(rate.id) ? rounded > 0 : rounded < 0;
  const better = LOWER_IS_BETTER.has(rate.id) ? rounded < 0 : rounded > 0;
  const arrow = rounded > 0 ? "▲" : rounded < 0 ? "▼" : "=";
  const words = rounded === 0 ? "no change" : `${rounded > 0 ? "+" : "−"}${Math.abs(rounded).toFixed(1)} pt`;
  return (
    <span className={`rate-change${worse ? " worse" : better ? " better" : ""}`} data-testid="rate-change">
      Previous period {formatRate(before)}: <span aria-hidden="true">{arrow} </span>
      {words}
      {worse ? " (worse)" : better ? " (better)" : ""}
    </span>
  );
}
