/**
 * Checks of the emulator's options (internal): each bad value is an `OptionsError` naming the
 * option, what it must be, and what it got.
 */
import { OptionsError } from "../errors.js";

/** Throws the emulator's option error unless `ok`. */
export function check(ok: boolean, name: string, expected: string, value: unknown): void {
  if (!ok) throw new OptionsError(`\`${name}\` must be ${expected}, got ${JSON.stringify(value)}.`);
}

/** `value` if it is an integer in [`min`, `max`]. */
export function checkedInteger(value: number, name: string, min: number, max = Infinity): number {
  const range = max === Infinity ? `an integer ≥ ${min}` : `an integer from ${min} to ${max}`;
  check(Number.isInteger(value) && value >= min && value <= max, name, range, value);
  return value;
}

/** `value` if it is a finite number ≥ 0; `expected` words the requirement. */
export function checkedNonNegative(value: number, name: string, expected: string): number {
  check(Number.isFinite(value) && value >= 0, name, expected, value);
  return value;
}
