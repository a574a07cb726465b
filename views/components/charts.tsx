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

/** Horizontal bars, one per row, labelled on the left and valued on the right. */
export function BarChart({ title, rows, testId }: { title: string; rows: BarRow[]; testId?: string }) {
  const width = 640;
  const labelW = 230;
  const valueW = 80;
  const barMax = width - labelW - valueW - 10;
  const rowH = 24;
  const height = Math.max(1, rows.length) * rowH + 8;
  const max = Math.max(0, ...rows.map((r) => r.value));
  return (
    <svg
      class="chart bars"
      viewBox={`0 0 ${width} ${height}`}
      width="100%"
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
          const y = 4 + i * rowH;
          const w = max > 0 ? Math.max(r.value > 0 ? 2 : 0, (r.value / max) * barMax) : 0;
          return (
            <g class="bar-row" data-value={String(r.value)}>
              <text x={String(labelW - 8)} y={String(y + 15)} text-anchor="end" class="label" safe>
                {r.label}
              </text>
              <rect
                x={String(labelW)}
                y={String(y + 3)}
                width={round(w)}
                height={String(rowH - 8)}
                rx="2"
                class={`bar ${r.tone ?? 'accent'}`}
              >
                <title safe>{`${r.label}: ${r.display ?? String(r.value)}`}</title>
              </rect>
              <text x={round(labelW + w + 6)} y={String(y + 15)} class="value" safe>
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

/** Stacked columns over time: successful calls, errors and denials per slot. */
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
  const width = 640;
  const height = 170;
  const top = 14;
  const bottom = 22;
  const left = 34;
  const plotH = height - top - bottom;
  const plotW = width - left - 6;
  const n = Math.max(1, points.length);
  const slot = plotW / n;
  const barW = Math.max(1, slot - (slot > 6 ? 2 : 0.5));
  const max = Math.max(1, ...points.map((p) => p.ok + p.errors + p.denials));
  const scale = (v: number) => (v / max) * plotH;
  const base = top + plotH;
  return (
    <svg
      class="chart columns"
      viewBox={`0 0 ${width} ${height}`}
      width="100%"
      role="img"
      aria-label={title}
      data-testid={testId}
      xmlns="http://www.w3.org/2000/svg"
    >
      <title safe>{title}</title>
      <line x1={String(left)} y1={String(base)} x2={String(width - 4)} y2={String(base)} class="axis" />
      <line x1={String(left)} y1={String(top)} x2={String(width - 4)} y2={String(top)} class="grid" />
      <text x={String(left - 4)} y={String(top + 4)} text-anchor="end" class="tick" safe>
        {String(max)}
      </text>
      <text x={String(left - 4)} y={String(base)} text-anchor="end" class="tick">
        0
      </text>
      {points.map((p, i) => {
        const x = left + i * slot + (slot - barW) / 2;
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
              y={round(base - hOk)}
              width={round(barW)}
              height={round(hOk)}
              class="bar accent"
            />
            <rect
              x={round(x)}
              y={round(base - hOk - hErr)}
              width={round(barW)}
              height={round(hErr)}
              class="bar danger"
            />
            <rect
              x={round(x)}
              y={round(base - hOk - hErr - hDen)}
              width={round(barW)}
              height={round(hDen)}
              class="bar warn"
            />
          </g>
        );
      })}
      <text x={String(left)} y={String(height - 6)} class="tick" safe>
        {axis[0]}
      </text>
      <text x={String(left + plotW / 2)} y={String(height - 6)} text-anchor="middle" class="tick" safe>
        {axis[1]}
      </text>
      <text x={String(width - 4)} y={String(height - 6)} text-anchor="end" class="tick" safe>
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
