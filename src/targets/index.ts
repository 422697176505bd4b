/**
 * The registry of batch systems. Adding a target is a folder `src/targets/<id>/` whose
 * `index.ts` default-exports a `defineTarget({...})`, plus one line here. Each target is loaded
 * only when asked for, and its SDK only when its client is made.
 */
import { OptionsError } from "../errors.js";
import type { Target } from "./target.js";

/** Every target, by id, each loaded on first use. */
export const targets = {
  anthropic: () => import("./anthropic/index.js").then((m) => m.default),
  openai: () => import("./openai/index.js").then((m) => m.default),
  vertex: () => import("./vertex/index.js").then((m) => m.default),
  bedrock: () => import("./bedrock/index.js").then((m) => m.default),
} as const satisfies Record<string, () => Promise<Target>>;

/** The id of a registered target. */
export type TargetId = keyof typeof targets;

/** The target used when none is named. */
export const DEFAULT_TARGET: TargetId = "anthropic";

/** Narrows a value to a registered target id. */
export function isTargetId(value: unknown): value is TargetId {
  return typeof value === "string" && Object.hasOwn(targets, value);
}

/** Checks a `target` option; throws `OptionsError` naming the registered ids. */
export function checkTargetId(value: unknown): TargetId {
  if (value === undefined) return DEFAULT_TARGET;
  if (isTargetId(value)) return value;
  const known = Object.keys(targets)
    .map((id) => JSON.stringify(id))
    .join(", ");
  throw new OptionsError(`\`target\` must be one of ${known}; got ${JSON.stringify(value)}.`);
}

/** Loads a target by id (the default one when none is given). */
export async function loadTarget(id: TargetId = DEFAULT_TARGET): Promise<Target> {
  return targets[checkTargetId(id)]();
}
