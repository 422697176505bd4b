/**
 * The nesting bound on user JSON. Everything in cacheplan that walks a request (`JSON.stringify`,
 * `fast-json-stable-stringify`, `JsonSizer`, the string interner, the token counters) recurses
 * once per level, and a line of 5,000 `[` overflows the stack. So every value is checked here,
 * without recursion, before anything else looks inside it: by `readJsonl()` right after
 * `JSON.parse` (which V8 runs without recursion), and by `validateRequest()` for objects a caller
 * passes to `plan()` directly.
 */

/**
 * Most levels of arrays and objects inside each other a value may have; the value itself is
 * level 1, so `{"params": {"messages": [...]}}` reaches level 3 at `messages`.
 *
 * The Messages API documents no nesting limit (reference file: none; docs: none found), so this is
 * a conservative bound of our own: a request's own structure reaches a content block at level 6
 * and a nested `tool_result` block at about 9, which leaves more than 100 levels for tool input
 * schemas and tool inputs; it is the default recursion limit of common JSON parsers (serde_json's
 * 128), so a server is unlikely to accept deeper bodies; and it is far below the depth at which a
 * recursive walk exhausts Node's stack (a few thousand levels).
 */
export const MAX_JSON_DEPTH = 128;

/**
 * The nesting of `value` if it is deeper than `limit`, or 0 if it is within it. Iterative, and
 * stops at the first path past `limit`, so it also ends on a cyclic object (infinitely deep).
 */
export function depthBeyond(value: unknown, limit: number = MAX_JSON_DEPTH): number {
  if (typeof value !== "object" || value === null) return 0;
  const stack: object[] = [value];
  const depths: number[] = [1];
  while (stack.length > 0) {
    const node = stack.pop()!;
    const depth = depths.pop()!;
    if (depth > limit) return depth;
    if (Array.isArray(node)) {
      for (const item of node) {
        if (typeof item === "object" && item !== null) {
          stack.push(item);
          depths.push(depth + 1);
        }
      }
      continue;
    }
    for (const key in node) {
      if (!Object.hasOwn(node, key)) continue;
      const item = (node as Record<string, unknown>)[key];
      if (typeof item === "object" && item !== null) {
        stack.push(item);
        depths.push(depth + 1);
      }
    }
  }
  return 0;
}

/** The reason given for a value nested past the bound, for a person. */
export function tooDeepReason(limit: number = MAX_JSON_DEPTH): string {
  return `The JSON is nested more than ${limit} levels deep (arrays and objects inside each other); cacheplan does not read values that deep, and no real request needs them. Flatten it, or check that the line was generated correctly.`;
}
