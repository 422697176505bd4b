/** The checker of numeric library options: one message shape for every option of every function. */
import { OptionsError } from "../errors.js";

/**
 * `value` (or `fallback` when absent) if it is a whole number from `min` to `max`; otherwise an
 * `OptionsError` naming the option, the range and the value.
 */
export function wholeNumber(
  name: string,
  value: number | undefined,
  fallback: number,
  min: number,
  max = Number.POSITIVE_INFINITY,
): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min || v > max) {
    const range = Number.isFinite(max)
      ? `from ${min.toLocaleString("en-US")} to ${max.toLocaleString("en-US")}`
      : `>= ${min.toLocaleString("en-US")}`;
    throw new OptionsError(`\`${name}\` must be a whole number ${range}; got ${String(v)}.`);
  }
  return v;
}
