import { ScrollRegion } from "../ScrollRegion.tsx";
import type { DashboardWindow } from "./dashboard-state.ts";
import { drillHref } from "./drill.ts";
import {
  ADMIN_BOUNCED,
  BOUNCE_SPLIT,
  BOUNCED,
  type CountDefinition,
  DELAYED,
  formatCount,
  formatRate,
  percentage,
  REJECTED,
  SENT,
} from "./metrics.ts";
import type { MetricsRow } from "./metrics-request.ts";

export const TOP_REASONS = 10;

/** The event type of each of SparkPost's rejection categories (rejection-reason's `rejection_category_id`). */
const REJECTION_EVENTS: Readonly<Record<number, string>> = {
  1: "policy_rejection",
  2: "generation_rejection",
  3: "generation_failure",
};

interface BouncePictureProps {
  window: DashboardWindow;
  filters: Readonly<Record<string, readonly string[]>>;
  summary: MetricsRow | undefined;
  bounceReasons: MetricsRow[] | undefined;
  delayReasons: MetricsRow[] | undefined;
  rejectionReasons: MetricsRow[] | undefined;
}

/** Bounces by category (hard, soft, block, undetermined, and admin beside them), and the top reasons of each kind. */
export function BouncePicture(props: BouncePictureProps) {
  const { window, filters, summary } = props;
  const drill = (metric: CountDefinition, extra: Record<string, readonly string[]> = {}) =>
    drillHref(metric, window, filters, extra);
  return (
    <section aria-labelledby="bounces-title">
      <h2 id="bounces-title">Bounces, delays and rejections</h2>
      {summary === undefined ? <p aria-busy="true">Loading…</p> : <BounceSplit summary={summary} drill={drill} />}
      <div className="reason-lists">
        <ReasonTable
          title="Top bounce reasons"
          className="bounce-reasons"
          rows={props.bounceReasons}
          empty="No bounces in this range."
          columns={["Reason", "Class", "Bounces"]}
          cells={(row) => [
            {
              text:
                String(row.classification_id) +
                (row.bounce_class_name ? ` ${row.bounce_class_name} (${row.bounce_category_name})` : ""),
            },
            { text: formatCount(Number(row.count_bounce)), number: true },
          ]}
          href={(row) =>
            drill(
              { ...BOUNCED, filters: {} },
              { reasons: [String(row.reason)], bounce_classes: [String(row.classification_id)] },
            )
          }
        />
        <ReasonTable
          title="Top delay reasons"
          className="delay-reasons"
          rows={props.delayReasons}
          empty="No delays in this range."
          columns={["Reason", "Delays", "At first attempt"]}
          cells={(row) => [
            { text: formatCount(Number(row.count_delayed)), number: true },
            { text: formatCount(Number(row.count_delayed_first)), number: true },
          ]}
          href={(row) => drill(DELAYED, { reasons: [String(row.reason)] })}
        />
        <ReasonTable
          title="Top rejection reasons"
          className="rejection-reasons"
          rows={props.rejectionReasons}
          empty="No rejections in this range."
          columns={["Reason", "Kind", "Rejections"]}
          cells={(row) => [
            { text: String(row.rejection_type) },
            { text: formatCount(Number(row.count_rejected)), number: true },
          ]}
          href={(row) =>
            drill(
              { ...REJECTED, events: [REJECTION_EVENTS[Number(row.rejection_category_id)] ?? "policy_rejection"] },
              { reasons: [String(row.reason)] },
            )
          }
        />
      </div>
    </section>
  );
}

function BounceSplit({ summary, drill }: { summary: MetricsRow; drill(metric: CountDefinition): string | undefined }) {
  const total = Number(summary[BOUNCED.id] ?? 0);
  const sent = Number(summary[SENT.id] ?? 0);
  const admin = Number(summary[ADMIN_BOUNCED.id] ?? 0);
  const parts = BOUNCE_SPLIT.map(({ metric, category }) => ({
    metric,
    category,
    count: Number(summary[metric.id] ?? 0),
  }));
  const description = parts.map((part) => `${part.category} ${formatRate(percentage(part.count, total))}`).join(", ");
  return (
    <>
      <div className="split-bar" role="img" aria-label={`Bounces by category: ${description}`}>
        {total > 0 &&
          parts.map((part) =>
            part.count > 0 ? (
              <span
                key={part.category}
                className="split-part"
                style={{ width: `${percentage(part.count, total)}%`, background: part.metric.color }}
              />
            ) : null,
          )}
      </div>
      <ScrollRegion label="Bounces by category">
        <table className="bounce-categories">
          <thead>
            <tr>
              <th scope="col">Category</th>
              <th scope="col">Bounces</th>
              <th scope="col">Share of bounces</th>
              <th scope="col">Of messages sent</th>
            </tr>
          </thead>
          <tbody>
            {parts.map((part) => (
              <CategoryRow
                key={part.category}
                category={part.category}
                metric={part.metric}
                count={part.count}
                share={formatRate(percentage(part.count, total))}
                ofSent={formatRate(percentage(part.count, sent))}
                href={drill(part.metric)}
              />
            ))}
            <CategoryRow
              category="Admin (not in the bounce rate)"
              metric={ADMIN_BOUNCED}
              count={admin}
              share="–"
              ofSent="–"
              href={drill(ADMIN_BOUNCED)}
            />
          </tbody>
          <tfoot>
            <tr>
              <th scope="row">All bounces</th>
              <td className="number" data-metric={BOUNCED.id}>
                {formatCount(total)}
              </td>
              <td className="number">{total > 0 ? "100.0%" : "–"}</td>
              <td className="number">{formatRate(percentage(total, sent))}</td>
            </tr>
          </tfoot>
        </table>
      </ScrollRegion>
    </>
  );
}

function CategoryRow(props: {
  category: string;
  metric: CountDefinition;
  count: number;
  share: string;
  ofSent: string;
  href: string | undefined;
}) {
  return (
    <tr data-category={props.metric.id}>
      <th scope="row">
        <span className="swatch" style={{ background: props.metric.color }} aria-hidden="true" />
        {props.category}
      </th>
      <td className="number" data-metric={props.metric.id}>
        {props.href && props.count > 0 ? (
          <a href={props.href} aria-label={`${props.metric.label}: search them`}>
            {formatCount(props.count)}
          </a>
        ) : (
          formatCount(props.count)
        )}
      </td>
      <td className="number">{props.share}</td>
      <td className="number">{props.ofSent}</td>
    </tr>
  );
}

function ReasonTable(props: {
  title: string;
  className: string;
  rows: MetricsRow[] | undefined;
  empty: string;
  columns: [string, ...string[]];
  cells(row: MetricsRow): { text: string; number?: boolean }[];
  href(row: MetricsRow): string | undefined;
}) {
  const id = `${props.className}-title`;
  return (
    <section aria-labelledby={id}>
      <h3 id={id}>{props.title}</h3>
      {props.rows === undefined ? (
        <p aria-busy="true">Loading…</p>
      ) : props.rows.length === 0 ? (
        <p>{props.empty}</p>
      ) : (
        <ScrollRegion label={props.title}>
          <table className={props.className}>
            <thead>
              <tr>
                {props.columns.map((column) => (
                  <th key={column} scope="col">
                    {column}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {props.rows.map((row, index) => {
                const reason = String(row.reason ?? "");
                const href = reason === "" ? undefined : props.href(row);
                return (
                  // biome-ignore lint/suspicious/noArrayIndexKey: a reason may head several rows (one per class or kind).
                  <tr key={index}>
                    <td className="reason">{href ? <a href={href}>{reason}</a> : reason || "(no reason given)"}</td>
                    {props.cells(row).map((cell, position) => (
                      // biome-ignore lint/suspicious/noArrayIndexKey: cells of one row, in column order.
                      <td key={position} className={cell.number ? "number" : undefined}>
                        {cell.text}
                      </td>
                    ))}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </ScrollRegion>
      )}
    </section>
  );
}
