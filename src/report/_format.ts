/** Number formats shared by the report's renderers (internal). */

import { int } from "../util/format.js";

// Shared with the plan and estimate renderers.
export { cell, int, usdFormatter, wrap } from "../util/format.js";

/** A share as a percentage, e.g. `0.912` → `"91.2%"`; `"—"` for null. */
export function pct(value: number | null, digits = 1): string {
  return value === null ? "—" : `${(value * 100).toFixed(digits)}%`;
}

/** A signed percentage of change, e.g. `+4.0%`; `"—"` for null. */
export function signedPct(percent: number | null, digits = 1): string {
  if (percent === null) return "—";
  const text = percent.toFixed(digits);
  // What rounds to zero is shown as zero: "0.0%", never "-0.0%" or "+0.0%".
  if (Number(text) === 0) return `${(0).toFixed(digits)}%`;
  return `${percent > 0 ? "+" : ""}${text}%`;
}

/**
 * A signed USD difference with `usd` (a {@link usdFormatter}): `+$0.0012`, `-$0.0012`, and
 * `$0.000` without a sign when it rounds to zero.
 */
export function signedUsd(value: number, usd: (value: number) => string): string {
  const text = usd(value);
  return value > 0 && /[1-9]/.test(text) ? `+${text}` : text;
}

/** `n thing` or `n things`. */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${int(n)} ${n === 1 ? word : many}`;
}

/** Header and rows of the tokens-by-kind table (tokens, then USD), shared by the renderers. */
export function tokenTable(
  tokens: {
    input: number;
    cacheWrite5m: number;
    cacheWrite1h: number;
    cacheRead: number;
    output: number;
  },
  usdByKind: {
    input: number;
    cacheWrite5m: number;
    cacheWrite1h: number;
    cacheRead: number;
    output: number;
  },
  usd: (value: number) => string,
): { header: string[]; rows: string[][] } {
  const kinds = ["input", "cacheWrite5m", "cacheWrite1h", "cacheRead", "output"] as const;
  return {
    header: ["", "input", "write 5m", "write 1h", "read", "output"],
    rows: [
      ["tokens", ...kinds.map((k) => int(tokens[k]))],
      ["USD", ...kinds.map((k) => usd(usdByKind[k]))],
    ],
  };
}
