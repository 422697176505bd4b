/**
 * The estimate's token counts (internal): each breakpoint's prefix and its own tokens beyond its
 * parent's, and each request's unique tail (counted, or sampled and predicted).
 */
import type { TokenCounter } from "../tokens/counter.js";
import { isPrefixCounter } from "../tokens/exact.js";
import type { Plan, PlannedBreakpoint } from "../types.js";
import type { EstimateSettings } from "./_options.js";
import type { BreakpointNode } from "./_paths.js";
import { type PrefixMember, prefixTokens } from "./_prefixes.js";
import type { EstimateJob, EstimateRecord } from "./_records.js";
import { countParams } from "./_segments.js";
import { countTails, type TailCounts } from "./_tails.js";

/** Token counts of the plan's breakpoints and requests. */
export interface EstimateCounts {
  /** Tokens of each breakpoint's prefix. */
  prefixOf: Map<PlannedBreakpoint, number>;
  /** Tokens of each breakpoint beyond its parent's. */
  deltaOf: Map<PlannedBreakpoint, number>;
  /** Unique tail of each record (by record index). */
  tailOf: Float64Array;
  /** The sample behind `tailOf`, when tails were counted by the offline counter. */
  tails: TailCounts | undefined;
}

/** The deepest breakpoint a record carries, if any. */
export function deepest(r: EstimateRecord) {
  return r.path[r.path.length - 1];
}

/** Tokens of each breakpoint's prefix, and of each breakpoint beyond its parent's. */
export async function breakpointCounts(
  plan: Pick<Plan, "options">,
  counter: TokenCounter,
  trees: readonly BreakpointNode[][],
  membersOf: readonly PrefixMember[][],
): Promise<Pick<EstimateCounts, "prefixOf" | "deltaOf">> {
  const prefixOf = await prefixTokens(plan, counter, trees, membersOf);
  const deltaOf = new Map<PlannedBreakpoint, number>();
  for (const tree of trees) {
    for (const node of tree) {
      const parent = node.parent ? prefixOf.get(node.parent.bp)! : 0;
      deltaOf.set(node.bp, Math.max(0, prefixOf.get(node.bp)! - parent));
    }
  }
  return { prefixOf, deltaOf };
}

/** Counts prefixes, their differences and the tails. */
export async function countTokens(
  plan: Plan,
  job: EstimateJob,
  settings: EstimateSettings,
): Promise<EstimateCounts> {
  const { counter, mode } = settings;
  const { prefixOf, deltaOf } = await breakpointCounts(plan, counter, job.trees, job.membersOf);
  const { records } = job;
  const tailOf = new Float64Array(records.length);
  if (isPrefixCounter(counter) && mode === "full") {
    // The API's count of each whole request, minus its cached prefix.
    const totals = await counter.countPrefixes(
      records.map((r) => ({ params: countParams(r.params, r.segments), complete: true })),
    );
    records.forEach((r, i) => {
      const node = deepest(r);
      tailOf[i] = Math.max(0, totals[i]! - (node ? prefixOf.get(node.bp)! : 0));
    });
    return { prefixOf, deltaOf, tailOf, tails: undefined };
  }
  const tails = await countTails(
    records.map((r) => ({
      model: r.model,
      segments: r.segments,
      from: deepest(r)?.bp.depth ?? 0,
      stratum: r.group,
    })),
    counter,
    { mode, sampleSize: settings.sampleSize, seed: settings.seed },
  );
  tailOf.set(tails.tokens);
  return { prefixOf, deltaOf, tailOf, tails };
}
