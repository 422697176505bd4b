/**
 * The probe's text: its price table (printed before anything is sent) and its results (per
 * quantity: measured, 95% interval or bounds, raw counts, documentation, model, verdict). Pure.
 */
import type { ProbeCost, ProbeMeasurement, ProbeResult } from "./types.js";

const usd = (x: number) => `$${x < 0.01 ? x.toFixed(4) : x.toFixed(3)}`;
const pad = (text: string, width: number) => text.padEnd(width);
const padLeft = (text: string, width: number) => text.padStart(width);
const pct = (x: number) => `${(x * 100).toFixed(0)}%`;

function time(ms: number | null): string {
  if (ms === null) return "—";
  if (ms >= 120_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 1000).toFixed(1)} s`;
}

/** The price table: per line, what is sent and its low, expected and high cost. */
export function renderProbeCost(cost: ProbeCost, maxUsd: number): string {
  const lines = [
    `Probe of ${cost.model}: prefixes of about ${cost.prefixTokens} tokens (minimum ${cost.minimum.tokens}, ${cost.minimum.confidence}), k = ${cost.k}, max_tokens 1.`,
    "",
    `  ${pad("step", 5)}${pad("what", 52)}${pad("api", 9)}${padLeft("low", 9)}${padLeft("expected", 10)}${padLeft("high", 9)}`,
  ];
  for (const l of cost.lines) {
    lines.push(
      `  ${pad(l.step, 5)}${pad(l.what, 52)}${pad(l.api, 9)}${padLeft(usd(l.lowUsd), 9)}${padLeft(usd(l.expectedUsd), 10)}${padLeft(usd(l.highUsd), 9)}`,
    );
  }
  const t = cost.total;
  lines.push(
    `  ${pad("", 5)}${pad("total", 52)}${pad("", 9)}${padLeft(usd(t.lowUsd), 9)}${padLeft(usd(t.expectedUsd), 10)}${padLeft(usd(t.highUsd), 9)}`,
    "",
    "low: every reader reads; expected: as cacheplan's model assumes; high: nothing is ever read.",
    `Cap: $${maxUsd.toFixed(2)} (\`--max-usd\`): a stage whose high cost could cross it is not started.`,
  );
  return `${lines.join("\n")}\n`;
}

function estimateOf(m: ProbeMeasurement): string {
  if (m.id === "cacheable" && m.verdict !== "not-measured")
    return m.verdict === "consistent" ? "yes" : "no";
  if (m.rate) {
    const r = m.rate;
    return r.value === null ? "—" : `${pct(r.value)} (95%: ${pct(r.low)}–${pct(r.high)})`;
  }
  if (m.bounds) {
    const { lowMs, highMs } = m.bounds;
    if (lowMs === null && highMs === null) return "—";
    if (lowMs === null) return `≤ ${time(highMs)}`;
    if (highMs === null) return `> ${time(lowMs)}`;
    return `> ${time(lowMs)}, ≤ ${time(highMs)}`;
  }
  return "—";
}

const VERDICT = {
  consistent: "consistent",
  contradicts: "CONTRADICTS THE MODEL",
  "not-measured": "not measured",
};

/** The results: one block per quantity, then the status and the calibration written. */
export function renderProbeResult(result: ProbeResult): string {
  const out = [
    `Probe of ${result.model} (k = ${result.k}, prefixes of ${result.prefixTokens} tokens): ${result.status}; spent ${usd(result.spentUsd)}.`,
  ];
  if (result.stopped) out.push(result.stopped);
  for (const m of result.measurements) {
    out.push(
      "",
      `${m.title}: ${estimateOf(m)} [${VERDICT[m.verdict]}]`,
      `  measured:   ${m.raw}`,
      `  documented: ${m.documented}`,
      `  model:      ${m.modelAssumes}`,
      `  so:         ${m.says}`,
    );
  }
  const cache = result.calibration.cache;
  const set = cache
    ? Object.keys(cache).filter((k) => !["source", "model", "measuredAt", "measured"].includes(k))
    : [];
  out.push(
    "",
    `Wrote ${result.calibrationFile} (${set.length > 0 ? `sets ${set.join(", ")}` : "every measured parameter matches the model's default"}).`,
    `Use it: cacheplan plan requests.jsonl --calibration ${result.calibrationFile} --out plan/; cacheplan estimate plan/ --calibration ${result.calibrationFile}`,
  );
  return `${out.join("\n")}\n`;
}
