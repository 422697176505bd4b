/**
 * One model's findings (internal): shared prefixes too short to cache, prefixes left unmarked
 * (too few requests to pay, or no marker left), and user markers that are inconsistent, below the
 * minimum or on a unique tail.
 */
import type { Candidate, Mark } from "./_breakpoints.js";
import type { CandidateForest } from "./_candidates.js";
import type { PlanContext } from "./_context.js";
import { savingsPerToken } from "./_cost-model.js";
import type { ModelScope } from "./_model.js";
import { isTail, type TrieNode } from "./_trie.js";
import { MAX_EXAMPLES } from "./warnings.js";

/** Adds the model's warnings to `ctx.warnings` (each kind capped). */
export function collectModelWarnings(
  ctx: PlanContext,
  scope: ModelScope,
  forest: CandidateForest,
  marks: readonly Mark[],
): void {
  warnBelowMinimum(ctx, scope, forest.belowMinimum);
  warnUnmarked(ctx, scope, forest, marks);
  warnUserMarkers(ctx, scope);
  warnUniqueTails(ctx, scope);
}

/** A node's segment label, with the length of its piece when it ends inside a block. */
function nodeLabel(scope: ModelScope, node: TrieNode): string {
  const cut = scope.paths.cutAt(node.representative, node.depth);
  const label = scope.paths.segment(node.representative, node.depth).label;
  return cut < 0 ? label : `${label} (first ${cut.toLocaleString("en-US")} characters)`;
}

function customId(ctx: PlanContext, scope: ModelScope, local: number): string {
  return ctx.accepted[scope.indices[local]!]!.customId;
}

/** Shared prefixes too short to cache: the widest ones first. */
function warnBelowMinimum(ctx: PlanContext, scope: ModelScope, belowMinimum: TrieNode[]): void {
  const below = [...belowMinimum].sort((a, b) => b.count - a.count || a.id - b.id);
  for (const node of below.slice(0, 3)) {
    ctx.warnings.capped({
      kind: "below-minimum",
      model: scope.model,
      segment: nodeLabel(scope, node),
      requests: node.count,
      prefixTokens: ctx.tokensOf.get(node) ?? 0,
      minimum: scope.info.minCacheableTokens,
    });
  }
}

/**
 * Candidates that got no marker: too few requests to pay, or no slot left. Under
 * `strategy: "none"` unmarked prefixes are the caller's choice, not a finding.
 */
function warnUnmarked(
  ctx: PlanContext,
  scope: ModelScope,
  forest: CandidateForest,
  marks: readonly Mark[],
): void {
  const { model } = scope;
  const marked = new Set(marks.map((m) => m.candidate));
  let prefixes = 0;
  let requests = 0;
  const visit = (c: Candidate, plannerAbove: number, anyMarkAbove: boolean) => {
    const isMarked = marked.has(c);
    if (!isMarked) {
      const positive =
        savingsPerToken(
          c.node.count,
          "primed",
          "1h",
          ctx.options.concurrency,
          scope.info.readMultiplier,
        ) > 0;
      if (positive && plannerAbove >= c.budget) {
        ctx.warnings.capped({
          kind: "marker-budget",
          model,
          segment: nodeLabel(scope, c.node),
          requests: c.node.count,
        });
      } else if (!anyMarkAbove && !c.children.some((ch) => marked.has(ch))) {
        prefixes += 1;
        requests += c.node.count;
      }
    }
    const planner = isMarked && c.forced === null ? 1 : 0;
    for (const child of c.children) visit(child, plannerAbove + planner, anyMarkAbove || isMarked);
  };
  if (ctx.options.strategy !== "none") {
    for (const root of forest.roots) visit(root, 0, false);
    // Maximal shared prefixes too few requests share to ever pay (their length was not counted).
    for (const node of forest.tooFew) {
      prefixes += 1;
      requests += node.count;
    }
  }
  if (prefixes > 0) ctx.warnings.capped({ kind: "too-small-to-pay", model, prefixes, requests });
}

/** User markers that not every request through a node carries alike, or below the minimum. */
function warnUserMarkers(ctx: PlanContext, scope: ModelScope): void {
  const minimum = scope.info.minCacheableTokens;
  const examplesIn = (node: TrieNode) => {
    const out: string[] = [];
    for (let p = node.range[0]; p < node.range[1] && out.length < MAX_EXAMPLES; p++) {
      out.push(customId(ctx, scope, scope.order[p]!));
    }
    return out;
  };
  for (const node of scope.trie.nodes()) {
    const m = node.userMarked["5m"] + node.userMarked["1h"];
    if (m === 0) continue;
    const consistent =
      (node.userMarked["5m"] === node.count) !== (node.userMarked["1h"] === node.count);
    if (!consistent) {
      ctx.warnings.capped({
        kind: "inconsistent-user-markers",
        segment: nodeLabel(scope, node),
        withMarker: m,
        withoutMarker: node.count - m,
        examples: examplesIn(node),
      });
    } else if ((ctx.tokensOf.get(node) ?? 0) < minimum) {
      ctx.warnings.capped({
        kind: "user-marker-below-minimum",
        segment: nodeLabel(scope, node),
        requests: node.count,
        prefixTokens: ctx.tokensOf.get(node) ?? 0,
        minimum,
        examples: examplesIn(node),
      });
    }
  }
}

/** A user marker deeper than the request's last shared node sits on its unique tail. */
function warnUniqueTails(ctx: PlanContext, scope: ModelScope): void {
  let uniqueTail = 0;
  const examples: string[] = [];
  const hasMarkerBelow = (local: number, depth: number) =>
    scope.paths.requests[local]!.markers.some((m, d) => m !== null && d >= depth);
  const visit = (node: TrieNode) => {
    for (const child of node.children.values()) {
      if (isTail(child)) {
        if (hasMarkerBelow(child.request, node.depth)) {
          uniqueTail += 1;
          if (examples.length < MAX_EXAMPLES) examples.push(customId(ctx, scope, child.request));
        }
      } else visit(child);
    }
  };
  visit(scope.trie.root);
  if (uniqueTail > 0)
    ctx.warnings.capped({ kind: "user-marker-unique-tail", requests: uniqueTail, examples });
}
