/**
 * A plan's own rows and result lines (internal, issue 15): a plan made for Vertex or Bedrock is
 * priced with that target's rows, and its results are that system's lines, unless the caller gives
 * others. Used by `estimate()` and `report()` so the library does the right thing by default.
 */
import type { ModelTable } from "../pricing/model-table.js";
import { modelTableOf } from "../pricing/models.js";
import { anthropicLines } from "./_anthropic-lines.js";
import { loadTarget, type TargetId } from "./index.js";

/** `options` with `models` set to the target's rows when the plan is for another target and none are given. */
export async function withTargetRows<T extends { models?: ModelTable }>(
  target: TargetId | undefined,
  options: T,
): Promise<T> {
  if (options.models !== undefined || target === undefined || target === "anthropic")
    return options;
  return { ...options, models: modelTableOf(await loadTarget(target)) };
}

/** The results as Message Batches lines when the plan is for another target, else as given. */
export async function targetResults<R extends Iterable<unknown> | AsyncIterable<unknown>>(
  target: TargetId | undefined,
  results: R,
): Promise<R | AsyncGenerator<unknown>> {
  if (target === undefined || target === "anthropic") return results;
  return anthropicLines(await loadTarget(target), results);
}
