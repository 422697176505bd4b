/** Text formats shared by the renderers (plan, estimate, report): numbers, USD, columns, wrapping. */

/** A whole number with thousands separators. */
export const int = (value: number): string => Math.round(value).toLocaleString("en-US");

/** Pads (or cuts with `…`) to `width`; right-aligned unless `left`. */
export function cell(text: string, width: number, left = false): string {
  const t = text.length > width ? `${text.slice(0, width - 1)}…` : text;
  return left ? t.padEnd(width) : t.padStart(width);
}

/**
 * Wraps `text` to `width` columns, starting with `first` and continuing with `rest`. A word longer
 * than a line stays on the line it starts (never a prefix alone).
 */
export function wrap(text: string, width: number, first = "", rest = first): string[] {
  const out: string[] = [];
  let line = first;
  for (const word of text.split(/\s+/)) {
    if (word === "") continue;
    if (line.length + word.length > width && line.trim() !== "" && line !== first) {
      out.push(line.trimEnd());
      line = rest;
    }
    line += `${word} `;
  }
  if (line.trim() !== "") out.push(line.trimEnd());
  return out;
}

/** How {@link usdFormatter} writes amounts. */
export interface UsdFormat {
  /** Significant digits of the scale kept (at least 2 decimals, at most 8). @default 4 */
  significant?: number;
  /** Whether to write the `$`. @default true */
  symbol?: boolean;
}

/**
 * A USD formatter with about `significant` digits of `scale`, so small jobs do not print `$0.00`;
 * a negative amount is `-$1.23`, and one that rounds to zero has no sign.
 */
export function usdFormatter(scale: number, format: UsdFormat = {}): (value: number) => string {
  const { significant = 4, symbol = true } = format;
  const magnitude = Math.floor(Math.log10(Math.max(scale, 1e-9)));
  const digits = Math.min(8, Math.max(2, significant - 1 - magnitude));
  return (value) => {
    const text = Math.abs(value).toLocaleString("en-US", {
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    });
    return `${value < 0 && Number(text.replace(/,/g, "")) !== 0 ? "-" : ""}${symbol ? "$" : ""}${text}`;
  };
}

/** One USD amount with three significant digits of itself, e.g. `$0.0213`, `$1.24`. */
export function money(value: number): string {
  return usdFormatter(Math.abs(value), { significant: 3 })(value);
}
