/**
 * The prefix-drift rule (reference §1.1 "common mistake", §1.6): two long sibling texts "drift"
 * when they are the same text but for one short span, such as a timestamp or an id interpolated
 * into an otherwise shared prompt. Its thresholds and its span finder, shared by the Anthropic
 * planner (src/plan/_drift.ts) and the OpenAI one (src/targets/openai/_drift.ts).
 */

/** Only texts at least this long are compared. */
export const DRIFT_MIN_TEXT_CHARS = 200;
/** The differing span must be at most this long... */
export const DRIFT_MAX_DIFF_CHARS = 80;
/** ...and the common start and end at least this share of the text. */
export const DRIFT_MIN_COMMON_SHARE = 0.9;
/** Characters of the start (or end) that form a bucket key. */
export const DRIFT_KEY_CHARS = 64;
/** Texts compared per bucket. */
export const DRIFT_MAX_PER_BUCKET = 32;
/** Characters of context shown around a differing span. */
export const DRIFT_CONTEXT_CHARS = 12;

/**
 * The span where `a` and `b` differ: `[start, endA)` in `a`, `[start, endB)` in `b`, the rest
 * common. `from`: they are known to agree on their first `from` characters.
 */
export function diffSpan(
  a: string,
  b: string,
  from = 0,
): { start: number; endA: number; endB: number } {
  const max = Math.min(a.length, b.length);
  let start = Math.min(from, max);
  while (start < max && a.charCodeAt(start) === b.charCodeAt(start)) start++;
  let ea = a.length;
  let eb = b.length;
  while (ea > start && eb > start && a.charCodeAt(ea - 1) === b.charCodeAt(eb - 1)) {
    ea--;
    eb--;
  }
  return { start, endA: ea, endB: eb };
}
