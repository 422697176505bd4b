/** Number formats shared by the report's renderers (internal). */

/** A whole number with thousands separators. */
export const int = (value: number): string => Math.round(value).toLocaleString("en-US");

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

/**
 * A USD formatter with about four significant digits of `scale` (at least 2 decimals, at most 8),
 * so small jobs do not print `$0.00`.
 */
export function usdFormatter(scale: number): (value: number) => string {
  const digits = Math.min(8, Math.max(2, 3 - Math.floor(Math.log10(Math.max(scale, 1e-9)))));
  return (value) => {
    const text = Math.abs(value).toLocaleString("en-US", {
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    });
    return `${value < 0 && Number(text.replace(/,/g, "")) !== 0 ? "-" : ""}$${text}`;
  };
}

/** `n thing` or `n things`. */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${int(n)} ${n === 1 ? word : many}`;
}

/** Wraps `text` to `width`, starting with `first` and continuing with `rest`. */
export function wrap(text: string, width: number, first = "", rest = first): string[] {
  const out: string[] = [];
  let line = first;
  for (const word of text.split(/\s+/)) {
    if (word === "") continue;
    if (line.length + word.length > width && line.trim() !== "") {
      out.push(line.trimEnd());
      line = rest;
    }
    line += `${word} `;
  }
  if (line.trim() !== "") out.push(line.trimEnd());
  return out;
}

/** Pads (or cuts with `…`) to `width`; right-aligned unless `left`. */
export function cell(text: string, width: number, left = false): string {
  const t = text.length > width ? `${text.slice(0, width - 1)}…` : text;
  return left ? t.padEnd(width) : t.padStart(width);
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
