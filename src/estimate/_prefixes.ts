/**
 * The tokens of each breakpoint's prefix (internal), from the plan or counted again.
 */

import { segmentHash, type WalkedSegment } from "../request/segments.js";
import type { TokenCounter } from "../tokens/counter.js";
import { isPrefixCounter } from "../tokens/exact.js";
import type { Plan, PlannedBreakpoint } from "../types.js";
import type { Json } from "../util/json.js";
import type { BreakpointNode } from "./_paths.js";
import { countParams } from "./_segments.js";

/** What a request must give to stand for the breakpoints on its path. */
export interface PrefixMember {
  model: string;
  params: Json;
  segments: readonly WalkedSegment[];
  path: readonly BreakpointNode[];
}

/**
 * Tokens of each breakpoint's prefix: the plan's `prefixTokens` when the counter is the plan's;
 * otherwise counted again, exactly (`countPrefixes`) or as the sum of the prefix's segments.
 */
export async function prefixTokens(
  plan: Pick<Plan, "options">,
  counter: TokenCounter,
  trees: readonly BreakpointNode[][],
  membersOf: readonly PrefixMember[][],
): Promise<Map<PlannedBreakpoint, number>> {
  const out = new Map<PlannedBreakpoint, number>();
  const representative = new Map<BreakpointNode, PrefixMember>();
  for (const members of membersOf) {
    for (const rec of members)
      for (const node of rec.path) if (!representative.has(node)) representative.set(node, rec);
  }
  const representatives: Array<{ bp: PlannedBreakpoint; rec: PrefixMember }> = [];
  for (const tree of trees) {
    for (const node of tree) {
      out.set(node.bp, node.bp.prefixTokens);
      const rec = representative.get(node);
      if (rec) representatives.push({ bp: node.bp, rec });
    }
  }
  if (isPrefixCounter(counter)) {
    const counts = await counter.countPrefixes(
      representatives.map(({ bp, rec }) => ({
        params: countParams(rec.params, rec.segments, bp.depth),
        complete: false,
      })),
    );
    representatives.forEach(({ bp }, k) => {
      out.set(bp, counts[k]!);
    });
  } else if (counter.name !== plan.options.counter) {
    // Each distinct segment once; a prefix is the sum of its segments, as in the planner.
    const distinct = new Map<string, { hash: string; model: string; block: Json }>();
    const parts = representatives.map(({ bp, rec }) =>
      rec.segments.slice(0, bp.depth).map((segment) => {
        const hash = segmentHash(segment);
        const key = `${rec.model}\u0000${hash}`;
        if (!distinct.has(key)) distinct.set(key, { hash, model: rec.model, block: segment.block });
        return key;
      }),
    );
    const keys = [...distinct.keys()];
    const counts = await counter.countSegments([...distinct.values()]);
    const countOf = new Map(keys.map((key, k) => [key, counts[k]!]));
    representatives.forEach(({ bp }, k) => {
      out.set(
        bp,
        parts[k]!.reduce((sum, key) => sum + countOf.get(key)!, 0),
      );
    });
  }
  return out;
}
