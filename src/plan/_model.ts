/**
 * One model's part of the plan (internal): caches are per model (reference §1.6), so each model's
 * requests get their own prefix trie, token counts, breakpoints, wave layouts and warnings. The
 * stages of `planModel` run in this order and add to the plan's context as they go.
 */
import type { ModelInfo } from "../pricing/model-table.js";
import { rowOf } from "../pricing/unknown-model.js";
import { foldedContextAt, lastCacheable, type Segment } from "../request/segments.js";
import { BATCH_MULTIPLIER } from "../targets/anthropic/prices.js";
import type { BatchRequest, Strategy } from "../types.js";
import type { Json } from "../util/json.js";
import { allowedModes, type Mark, selectBreakpoints } from "./_breakpoints.js";
import { buildCandidates, type CandidateForest, type RequestFacts } from "./_candidates.js";
import type { PlacedMark, PlanContext } from "./_context.js";
import { minPayingCount } from "./_cost-model.js";
import { detectDrift } from "./_drift.js";
import { collectModelWarnings } from "./_model-warnings.js";
import type { SlimSegment } from "./_slim.js";
import { blockOverhead, TextPaths } from "./_text-paths.js";
import { driftOptions, splitPoints, splitTextWarnings } from "./_text-warnings.js";
import { PrefixTrie, type TrieNode } from "./_trie.js";
import { layoutWaves } from "./_wave-choice.js";

/** One model's requests and the trie over their paths. Local request numbers index `indices`. */
export interface ModelScope {
  model: string;
  /** Job-wide index of each local request. */
  indices: number[];
  info: ModelInfo;
  known: boolean;
  /** The strategy in effect (`auto` with one wave is `cold`). */
  strategy: Strategy;
  /** The fewest requests that can share a prefix profitably. */
  minPaying: number;
  paths: TextPaths;
  trie: PrefixTrie;
  /** Local requests in depth-first order. */
  order: number[];
}

/** Plans one model's requests: trie, token counts, breakpoints, wave layouts, warnings. */
export async function planModel(ctx: PlanContext, model: string, indices: number[]): Promise<void> {
  const scope = buildTrie(ctx, model, indices);
  await countSharedTokens(ctx, scope);
  const forest = candidatesOf(ctx, scope, ctx.options.splitText === true);
  const marks = selectBreakpoints(forest.roots, selectOptions(ctx, scope));
  const splitCover = warnSplitText(ctx, scope, marks);
  const localMarks = registerMarks(ctx, scope, marks);
  ctx.waves.push(layoutWaves(ctx, scope, marks, localMarks));
  for (const local of scope.order) ctx.order.push(indices[local]!);
  collectModelWarnings(ctx, scope, forest, marks);
  for (const drift of detectDrift(
    scope.trie,
    (local, depth) =>
      depth <= scope.paths.requests[local]!.keys.length
        ? scope.paths.segment(local, depth)
        : undefined,
    driftOptions(scope.paths, splitCover),
  )) {
    ctx.warnings.capped({ kind: "prefix-drift", model, ...drift });
  }
}

/** The model's row (warning when unknown), its requests' paths (text pieces included) and trie. */
function buildTrie(ctx: PlanContext, model: string, indices: number[]): ModelScope {
  const { options, replace, accepted } = ctx;
  const { info, known } = rowOf(ctx.models, model);
  if (!known)
    ctx.warnings.push({
      kind: "unknown-model",
      model,
      requests: indices.length,
      minimumUsed: info.minCacheableTokens,
    });
  else if (!info.minCacheableKnown)
    ctx.warnings.push({ kind: "unknown-minimum", model, minimumUsed: info.minCacheableTokens });
  const strategy =
    options.maxWaves !== "auto" && options.maxWaves < 2 && options.strategy === "auto"
      ? "cold"
      : options.strategy;
  const minPaying = minPayingCount(
    allowedModes(strategy, options.ttl),
    options.concurrency,
    info.readMultiplier,
  );
  const baseRequests = indices.map((i) => {
    const { segmented } = accepted[i]!;
    const markers = segmented.segments.map((s) => (replace ? null : s.marker));
    // A top-level marker lands on the last cacheable block (reference §1.3).
    const last = lastCacheable(segmented.segments);
    if (!replace && segmented.topLevelMarker && last >= 0) {
      markers[last] ??= segmented.topLevelMarker;
    }
    return { keys: segmented.segments.map((s) => s.key), markers };
  });
  // Long text blocks where requests branch are cut into pieces, so shared text inside a block
  // shows in the trie (issue 13); the key after a block's last piece is the block's own key.
  const paths = new TextPaths(
    indices.map((i) => accepted[i]!.segmented),
    baseRequests,
    minPaying,
    ctx.cutMemo,
    (local, segment) => roleOf(ctx.source.load(indices[local]!), segment),
    // A block whose first piece no other request has shares no text inside it: not cut.
    (local: number, segment: number) =>
      ctx.firstPieces.shared(
        (accepted[indices[local]!]!.segmented.segments[segment] as SlimSegment).firstPiece,
      ),
  );
  const trie = new PrefixTrie(paths.requests, ctx.nextNodeId);
  for (let i = 0; i < indices.length; i++) trie.insert(i);
  ctx.nextNodeId = trie.nextId;
  const order = trie.depthFirst();
  return { model, indices, info, known, strategy, minPaying, paths, trie, order };
}

/**
 * Counts each distinct shared segment once, in one call (the counter memoises across calls).
 * Only prefixes shared by enough requests to ever pay need a length, plus those users marked (and
 * their ancestors): a job of pairs and unique requests tokenizes almost nothing.
 */
async function countSharedTokens(ctx: PlanContext, scope: ModelScope): Promise<void> {
  const { trie, paths, model, minPaying } = scope;
  const needed = new Set<TrieNode>();
  for (const node of trie.nodes()) {
    if (node.count >= minPaying) needed.add(node);
    if (node.userMarked["5m"] + node.userMarked["1h"] > 0) {
      for (let n: TrieNode | undefined = node; n && n.depth > 0; n = n.parent) needed.add(n);
    }
  }
  const shared = [...trie.nodes()].filter((n) => needed.has(n));
  const counts = await ctx.counter.countSegments(
    shared.map((n) => ({ ...paths.countItem(n.representative, n.depth), model })),
  );
  const overhead = paths.anyCut ? await blockOverhead(ctx.counter, model) : 0;
  const { tokensOf } = ctx;
  shared.forEach((node, k) => {
    tokensOf.set(
      node,
      paths.tokensAt(node, counts[k]!, (n) => tokensOf.get(n) ?? 0, overhead),
    );
  });
}

/** The candidate forest, with split points inside blocks allowed or not. */
function candidatesOf(ctx: PlanContext, scope: ModelScope, splitText: boolean): CandidateForest {
  const { paths, indices } = scope;
  const facts = indices.map((i, local): RequestFacts => {
    const { keys, markers } = paths.requests[local]!;
    let first5m = Number.POSITIVE_INFINITY;
    let last1h = 0;
    markers.forEach((m, d) => {
      if (m === "5m") first5m = Math.min(first5m, d + 1);
      if (m === "1h") last1h = d + 1;
    });
    return {
      fixedMarkers: ctx.accepted[i]!.fixedMarkers,
      first5m,
      last1h,
      eligible: (depth: number) => depth <= keys.length && paths.eligible(local, depth, splitText),
    };
  });
  return buildCandidates(
    scope.trie.root,
    facts,
    (n) => ctx.tokensOf.get(n),
    scope.info.minCacheableTokens,
  );
}

function selectOptions(ctx: PlanContext, scope: ModelScope) {
  return {
    strategy: scope.strategy,
    ttl: ctx.options.ttl,
    concurrency: ctx.options.concurrency,
    readMultiplier: scope.info.readMultiplier,
  };
}

/**
 * What splitting text blocks would add: the same choice with split points allowed, per group (all
 * of them: the warnings add up to the whole saving). Returns the split points that explain shared
 * text: those the plan splits at, or those the warnings name.
 */
function warnSplitText(ctx: PlanContext, scope: ModelScope, marks: Mark[]): Set<TrieNode> {
  const { options } = ctx;
  const { paths, info } = scope;
  const isSplit = (node: TrieNode) => paths.cutAt(node.representative, node.depth) >= 0;
  if (options.splitText === true) return splitPoints(marks, isSplit);
  if (!paths.anyCut || options.strategy === "none") return new Set();
  const withSplits = selectBreakpoints(
    candidatesOf(ctx, scope, true).roots,
    selectOptions(ctx, scope),
  );
  const { warnings, covered } = splitTextWarnings({
    model: scope.model,
    marks,
    withSplits,
    isSplit,
    label: (node) => paths.segment(node.representative, node.depth).label,
    concurrency: options.concurrency,
    readMultiplier: info.readMultiplier,
    usdPerUnit: scope.known ? (info.inputPerMTok * BATCH_MULTIPLIER) / 1e6 : 0,
  });
  for (const warning of warnings) ctx.warnings.push(warning);
  return covered;
}

/**
 * Records each mark (its parent, group, segment and cut) and the marks on each request's path,
 * via the depth-first ranges (marks come in pre-order). Returns the marks per local request.
 */
function registerMarks(
  ctx: PlanContext,
  scope: ModelScope,
  marks: readonly Mark[],
): (Mark[] | undefined)[] {
  const { paths, order, indices } = scope;
  const localMarks: (Mark[] | undefined)[] = new Array(indices.length);
  const stack: PlacedMark[] = [];
  for (const mark of marks) {
    const node = mark.candidate.node;
    while (
      stack.length > 0 &&
      stack[stack.length - 1]!.mark.candidate.node.range[1] <= node.range[0]
    )
      stack.pop();
    const parent = stack[stack.length - 1];
    const placed: PlacedMark = {
      mark,
      parent,
      group: parent?.group ?? ctx.groupTops.length,
      model: scope.model,
      readMultiplier: scope.info.readMultiplier,
      segment: paths.segmentIndex(node.representative, node.depth),
      cut: paths.cutAt(node.representative, node.depth),
    };
    if (parent === undefined) ctx.groupTops.push(placed);
    stack.push(placed);
    ctx.marks.push(placed);
    ctx.placed.set(mark, placed);
    for (let p = node.range[0]; p < node.range[1]; p++) {
      const local = order[p]!;
      const request = indices[local]!;
      const list = localMarks[local];
      if (list === undefined) localMarks[local] = [mark];
      else list.push(mark);
      const path = ctx.pathOf[request];
      if (path === undefined) ctx.pathOf[request] = [placed];
      else path.push(placed);
    }
  }
  return localMarks;
}

/** The role folded into a segment's hash: its message's, on the first block of a message. */
function roleOf(request: BatchRequest, segment: Segment): string {
  // What the segment's hash folds in besides its block (the role, a tool_result's fields, H13).
  return foldedContextAt(request.params as unknown as Json, segment.location);
}
