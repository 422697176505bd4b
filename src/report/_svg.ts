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
  /** Printed above the bar. */
  text: string;
  /** Hover text. */
  title: string;
}

/**
 * A cost waterfall: the first step is a full column, each next one floats from the previous level
 * to its own, green when it is cheaper and red when it costs more, with a dashed connector.
 * `class="bar"` on every column.
 */
export function waterfallChart(steps: readonly WaterfallStep[]): string {
  const width = 680;
  const height = 300;
  const left = 20;
  const bottom = 40;
  const top = 28;
  const plot = height - bottom - top;
  const max = Math.max(1e-12, ...steps.map((s) => s.value));
  const slot = (width - left * 2) / Math.max(1, steps.length);
  const barW = Math.min(90, slot * 0.6);
  const y = (v: number) => top + plot - (v / max) * plot;
  const parts: string[] = [
    `<svg class="chart" id="cost-waterfall" role="img" aria-label="Cost waterfall" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg">`,
    `<line class="baseline" x1="${left}" y1="${top + plot}" x2="${width - left}" y2="${top + plot}"/>`,
  ];
  let previous: number | undefined;
  steps.forEach((step, i) => {
    const x = left + i * slot + (slot - barW) / 2;
    const from = previous ?? 0;
    const hi = Math.max(from, step.value);
    const lo = previous === undefined ? 0 : Math.min(from, step.value);
    // A step that changes nothing still gets a visible 2px sliver at its level.
    const h = Math.max(2, y(lo) - y(hi));
    const kind = previous === undefined ? "total" : step.value <= from ? "down" : "up";
    parts.push(
      `<g class="step"><title>${esc(step.title)}</title>`,
      `<rect class="bar ${kind}" x="${n(x)}" y="${n(y(hi))}" width="${n(barW)}" height="${n(h)}" rx="2"/>`,
      `<text class="value" x="${n(x + barW / 2)}" y="${n(y(hi) - 6)}" text-anchor="middle">${esc(step.text)}</text>`,
      `<text class="label" x="${n(x + barW / 2)}" y="${height - bottom + 18}" text-anchor="middle">${esc(step.label)}</text></g>`,
    );
    if (i + 1 < steps.length) {
      parts.push(
        `<line class="connector" x1="${n(x + barW)}" y1="${n(y(step.value))}" x2="${n(x + slot)}" y2="${n(y(step.value))}"/>`,
      );
    }
    previous = step.value;
  });
  parts.push("</svg>");
  return parts.join("");
}
