/**
 * Inline SVG charts for the HTML report (internal), drawn at render time from the figures: no
 * script, no font, no network. Every shape has a `<title>` so a reader can hover for the value.
 */

/** Escapes text for HTML and SVG. */
export function esc(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}

const n = (v: number) => (Math.round(v * 10) / 10).toString();

/** One row of the hit-rate chart. */
export interface HitRateBar {
  label: string;
  /** Achieved share, 0..1. */
  value: number;
  /** The ideal share, 0..1, when known. */
  ideal: number | null;
  /** Hover text. */
  title: string;
}

/**
 * Horizontal bars, one per group: the achieved hit rate, with a tick at the ideal. `class="bar"`
 * on the value bars (the browser test measures them).
 */
export function hitRateChart(rows: readonly HitRateBar[]): string {
  const labelWidth = 190;
  const barWidth = 420;
  const rowHeight = 24;
  const top = 24;
  const width = labelWidth + barWidth + 70;
  const height = top + rows.length * rowHeight + 8;
  const parts: string[] = [
    `<svg class="chart" id="hit-rate-chart" role="img" aria-label="Hit rate per group" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg">`,
  ];
  for (const tick of [0, 0.25, 0.5, 0.75, 1]) {
    const x = labelWidth + tick * barWidth;
    parts.push(
      `<line class="grid" x1="${n(x)}" y1="${top - 6}" x2="${n(x)}" y2="${height - 4}"/>`,
      `<text class="axis" x="${n(x)}" y="${top - 10}" text-anchor="middle">${tick * 100}%</text>`,
    );
  }
  rows.forEach((row, i) => {
    const y = top + i * rowHeight;
    const w = Math.max(0, Math.min(1, row.value)) * barWidth;
    parts.push(
      `<g class="row"><title>${esc(row.title)}</title>`,
      `<text class="label" x="${labelWidth - 8}" y="${y + 16}" text-anchor="end">${esc(row.label)}</text>`,
      `<rect class="track" x="${labelWidth}" y="${y + 4}" width="${barWidth}" height="${rowHeight - 8}" rx="3"/>`,
      `<rect class="bar" x="${labelWidth}" y="${y + 4}" width="${n(w)}" height="${rowHeight - 8}" rx="3"/>`,
    );
    if (row.ideal !== null) {
      const x = labelWidth + Math.max(0, Math.min(1, row.ideal)) * barWidth;
      parts.push(
        `<line class="ideal" x1="${n(x)}" y1="${y + 1}" x2="${n(x)}" y2="${y + rowHeight - 1}"/>`,
      );
    }
    parts.push(
      `<text class="value" x="${labelWidth + barWidth + 8}" y="${y + 16}">${(row.value * 100).toFixed(1)}%</text></g>`,
    );
  });
  parts.push("</svg>");
  return parts.join("");
}

/** One step of the cost waterfall. */
export interface WaterfallStep {
  label: string;
  value: number;
  /** Printed above the bar: the USD figure. */
  text: string;
  /** Printed above `text`: the change from the step before, e.g. "+8.5%"; "" for none. */
  change: string;
  /** Hover text. */
  title: string;
}

/** How a step moves from the one before: the first is a full column. */
export type StepKind = "total" | "up" | "down" | "same";

/** The kind of each step, from the values alone (the colour must agree with the sign). */
export function stepKinds(values: readonly number[]): StepKind[] {
  return values.map((v, i) => {
    if (i === 0) return "total";
    const previous = values[i - 1]!;
    return v > previous ? "up" : v < previous ? "down" : "same";
  });
}

/** Round tick values from 0 to at least `max`: 1, 2, 2.5 or 5 times a power of ten apart. */
export function axisTicks(max: number, count = 4): { ticks: number[]; decimals: number } {
  const raw = Math.max(max, 1e-12) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks: number[] = [];
  for (let i = 0; ticks.length === 0 || ticks[ticks.length - 1]! < max; i++) ticks.push(i * step);
  // Enough decimals to tell the ticks apart: 0.025 needs 3.
  let decimals = 0;
  for (; decimals < 12; decimals++) {
    const scaled = step * 10 ** decimals;
    if (Math.abs(Math.round(scaled) - scaled) <= 1e-6 * scaled) break;
  }
  return { ticks, decimals };
}

/** Least height of a bar that changes the cost, in SVG units: a tiny change stays visible. */
export const MIN_STEP_HEIGHT = 6;

/**
 * A cost waterfall on a USD axis: the first step is a full column, each next one floats from the
 * previous level to its own, green when it is cheaper, red when it costs more and grey when it is
 * the same, with a dashed connector. A step that changes the cost is at least
 * {@link MIN_STEP_HEIGHT} high, however small the change. `class="bar <kind>"` on every column.
 */
export function waterfallChart(steps: readonly WaterfallStep[]): string {
  const width = 680;
  const height = 330;
  const left = 72;
  const right = 16;
  const bottom = 40;
  const top = 44;
  const plot = height - bottom - top;
  const { ticks, decimals } = axisTicks(Math.max(0, ...steps.map((s) => s.value)));
  const max = ticks[ticks.length - 1]! || 1;
  const slot = (width - left - right) / Math.max(1, steps.length);
  const barW = Math.min(90, slot * 0.6);
  const y = (v: number) => top + plot - (v / max) * plot;
  const parts: string[] = [
    `<svg class="chart" id="cost-waterfall" role="img" aria-label="Cost waterfall in USD" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg">`,
    '<g class="y-axis">',
  ];
  for (const tick of ticks) {
    parts.push(
      `<line class="grid" x1="${left}" y1="${n(y(tick))}" x2="${width - right}" y2="${n(y(tick))}"/>`,
      `<text class="axis tick" x="${left - 6}" y="${n(y(tick) + 4)}" text-anchor="end">$${tick.toFixed(Math.max(2, decimals))}</text>`,
    );
  }
  parts.push(
    `<text class="axis" x="${left - 6}" y="${top - 14}" text-anchor="end">USD</text>`,
    `<line class="baseline" x1="${left}" y1="${top}" x2="${left}" y2="${top + plot}"/></g>`,
    `<line class="baseline" x1="${left}" y1="${top + plot}" x2="${width - right}" y2="${top + plot}"/>`,
  );
  const kinds = stepKinds(steps.map((s) => s.value));
  steps.forEach((step, i) => {
    const x = left + i * slot + (slot - barW) / 2;
    const kind = kinds[i]!;
    const from = i === 0 ? 0 : steps[i - 1]!.value;
    let hi = y(Math.max(from, step.value));
    let h = y(Math.min(from, step.value)) - hi;
    if (kind === "same") h = 2;
    else if (h < MIN_STEP_HEIGHT) {
      // Grow a tiny change around its middle, so it is seen and still sits at its level.
      hi -= (MIN_STEP_HEIGHT - h) / 2;
      h = MIN_STEP_HEIGHT;
    }
    parts.push(
      `<g class="step"><title>${esc(step.title)}</title>`,
      `<rect class="bar ${kind}" x="${n(x)}" y="${n(hi)}" width="${n(barW)}" height="${n(h)}" rx="2"/>`,
      `<text class="value" x="${n(x + barW / 2)}" y="${n(hi - 6)}" text-anchor="middle">${esc(step.text)}</text>`,
      step.change
        ? `<text class="change ${kind}" x="${n(x + barW / 2)}" y="${n(hi - 26)}" text-anchor="middle">${esc(step.change)}</text>`
        : "",
      `<text class="label" x="${n(x + barW / 2)}" y="${height - bottom + 18}" text-anchor="middle">${esc(step.label)}</text></g>`,
    );
    if (i + 1 < steps.length) {
      parts.push(
        `<line class="connector" x1="${n(x + barW)}" y1="${n(y(step.value))}" x2="${n(x + slot)}" y2="${n(y(step.value))}"/>`,
      );
    }
  });
  parts.push("</svg>");
  return parts.join("");
}
