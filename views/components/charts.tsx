/** @jsxImportSource @kitajs/html */
/**
 * Server-side SVG charts: no chart library and no script. Every label is text content rendered
 * with `safe` (escaped); colours come from classes in app.css (the CSP allows no inline styles).
 */

const round = (n: number) => String(Math.round(n * 10) / 10);

export interface BarRow {
  label: string;
  value: number;
  /** Text shown after the bar (defaults to the value). */
  display?: string;
  /** Extra CSS class for the bar (e.g. `warn`). */
  tone?: 'accent' | 'warn' | 'danger';
}

/**
 * Horizontal bars, one per row: the label on its own line, the bar under it, the value after the
 * bar. No viewBox: positions are in CSS pixels and percentages of the chart's width, so the text
 * keeps its size on a phone as on a laptop (a scaled viewBox shrank it to a few pixels).
 */
export function BarChart({ title, rows, testId }: { title: string; rows: BarRow[]; testId?: string }) {
  const rowH = 38;
  /** The longest bar takes this share of the width; the rest is for its value. */
  const barMaxPct = 78;
  const height = Math.max(1, rows.length) * rowH + 4;
  const max = Math.max(0, ...rows.map((r) => r.value));
  return (
    <svg
      class="chart bars"
      width="100%"
      height={String(height)}
      role="img"
      aria-label={title}
      data-testid={testId}
      xmlns="http://www.w3.org/2000/svg"
    >
      <title safe>{title}</title>
      {rows.length === 0 ? (
        <text x="4" y="18" class="empty">
          No calls in this window.
        </text>
      ) : (
        rows.map((r, i) => {
          const y = 2 + i * rowH;
          const pct = max > 0 ? (r.value / max) * barMaxPct : 0;
          // A value above zero always shows a sliver of bar.
          const w = r.value > 0 ? Math.max(0.5, pct) : 0;
          return (
            <g class="bar-row" data-value={String(r.value)}>
              <text x="0" y={String(y + 12)} class="label" safe>
                {r.label}
              </text>
              <rect
                x="0"
                y={String(y + 18)}
                width={`${round(w)}%`}
                height="12"
                rx="2"
                class={`bar ${r.tone ?? 'accent'}`}
              >
                <title safe>{`${r.label}: ${r.display ?? String(r.value)}`}</title>
              </rect>
              <text x={`${round(w)}%`} dx="6" y={String(y + 29)} class="value" safe>
                {r.display ?? String(r.value)}
              </text>
            </g>
          );
        })
      )}
    </svg>
  );
}

export interface SeriesBar {
  /** Start of the slot, as shown in its tooltip. */
  label: string;
  ok: number;
  errors: number;
  denials: number;
}

/**
 * Stacked columns over time: successful calls, errors and denials per slot. Text in CSS pixels and
 * percentages (it keeps its size at any width); the columns alone are drawn in a nested SVG
 * stretched to the plot's width.
 */
export function ColumnChart({
  title,
  points,
  axis,
  testId,
}: {
  title: string;
  points: SeriesBar[];
  /** Labels under the first, middle and last column. */
  axis: [string, string, string];
  testId?: string;
}) {
  const height = 176;
  const top = 18;
  const bottom = 22;
  const plotH = height - top - bottom;
  const n = Math.max(1, points.length);
  /** Each slot is 10 units of the nested SVG's width; a column leaves a gap when there is room. */
  const slot = 10;
  const barW = n > 90 ? 9.5 : 8;
  const max = Math.max(1, ...points.map((p) => p.ok + p.errors + p.denials));
  const scale = (v: number) => (v / max) * plotH;
  return (
    <svg
      class="chart columns"
      width="100%"
      height={String(height)}
      role="img"
      aria-label={title}
      data-testid={testId}
      xmlns="http://www.w3.org/2000/svg"
    >
      <title safe>{title}</title>
      <text x="0" y={String(top - 6)} class="tick" safe>
        {`${max} calls`}
      </text>
      <line x1="0" y1={String(top)} x2="100%" y2={String(top)} class="grid" />
      <line x1="0" y1={String(top + plotH)} x2="100%" y2={String(top + plotH)} class="axis" />
      <svg
        x="0"
        y={String(top)}
        width="100%"
        height={String(plotH)}
        viewBox={`0 0 ${n * slot} ${plotH}`}
        preserveAspectRatio="none"
        aria-hidden="true"
      >
        {points.map((p, i) => {
          const x = i * slot + (slot - barW) / 2;
          const hOk = scale(p.ok);
          const hErr = scale(p.errors);
          const hDen = scale(p.denials);
          const total = p.ok + p.errors + p.denials;
          if (total === 0) return '';
          return (
            <g class="column" data-calls={String(total)}>
              <title safe>{`${p.label}: ${total} call(s), ${p.errors} error(s), ${p.denials} denied`}</title>
              <rect
                x={round(x)}
                y={round(plotH - hOk)}
                width={round(barW)}
                height={round(hOk)}
                class="bar accent"
              />
              <rect
                x={round(x)}
                y={round(plotH - hOk - hErr)}
                width={round(barW)}
                height={round(hErr)}
                class="bar danger"
              />
              <rect
                x={round(x)}
                y={round(plotH - hOk - hErr - hDen)}
                width={round(barW)}
                height={round(hDen)}
                class="bar warn"
              />
            </g>
          );
        })}
      </svg>
      <text x="0" y={String(height - 6)} class="tick" safe>
        {axis[0]}
      </text>
      <text x="50%" y={String(height - 6)} text-anchor="middle" class="tick" safe>
        {axis[1]}
      </text>
      <text x="100%" y={String(height - 6)} text-anchor="end" class="tick" safe>
        {axis[2]}
      </text>
    </svg>
  );
}

/** The colour key under a chart. */
export function Legend({ items }: { items: { tone: 'accent' | 'warn' | 'danger'; label: string }[] }) {
  return (
    <p class="legend">
      {items.map((i) => (
        <span class="key">
          <svg
            viewBox="0 0 10 10"
            width="10"
            height="10"
            aria-hidden="true"
            xmlns="http://www.w3.org/2000/svg"
          >
            <rect width="10" height="10" class={`bar ${i.tone}`} />
          </svg>{' '}
          <span safe>{i.label}</span>
        </span>
      ))}
    </p>
  );
}
