/** JSON helpers shared by every module that looks inside user JSON. */

/** A parsed JSON object (what `JSON.parse` gives for `{...}`). */
export type Json = Record<string, unknown>;

/** True for a JSON object: not `null`, not an array. */
export function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
