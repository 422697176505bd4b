import { OptionsError } from "../errors.js";
import { JsonlLine } from "../io/jsonl-line.js";
import { modelTableOf } from "../pricing/models.js";
import { rowOf } from "../pricing/unknown-model.js";
import { JsonSizer } from "../request/json-size.js";
import { applyMarkers, type MarkerPlacement } from "../request/markers.js";
import {
  ContextInterner,
  lastCacheable,
  type Segment,
  type SegmentedRequest,
  segmentRequest,
} from "../request/segments.js";
import { validateRequest } from "../request/validate.js";
import { API_MAX_BYTES, API_MAX_REQUESTS } from "../targets/anthropic/limits.js";
import { BATCH_MULTIPLIER } from "../targets/anthropic/prices.js";
import { checkTargetId, loadTarget } from "../targets/index.js";
import type { TargetLimits } from "../targets/target.js";
import { createTiktokenCounter } from "../tokens/tiktoken.js";
import {
  type BatchRequest,
  type Plan,
  type PlannedBatch,
  type PlannedBreakpoint,
  type PlannedGroup,
  type PlanOptions,
  type RejectedRequest,
  type ResolvedPlanOptions,
  STRATEGIES,
} from "../types.js";
import { wholeNumber } from "../util/options.js";
import { StringInterner } from "../util/string-interner.js";
import { allowedModes, type Candidate, type Mark, selectBreakpoints } from "./_breakpoints.js";
import { buildCandidates, type RequestFacts } from "./_candidates.js";
import { minPayingCount, savingsPerToken, writeMultiplier } from "./_cost-model.js";
import { detectDrift } from "./_drift.js";
import { BODY_OVERHEAD_BYTES, type SplitItem, splitBatches } from "./_split.js";
import { blockOverhead, type CutMemo, TextPaths } from "./_text-paths.js";
import { applySplits, type SplitPlacement, splitLabel } from "./_text-split.js";
import { splitTextWarnings } from "./_text-warnings.js";
import { isTail, PrefixTrie, type TrieNode } from "./_trie.js";
import { assignWaves, type MarkStats, type WaveResult } from "./_waves.js";
import { MAX_EXAMPLES, type PlanWarning } from "./warnings.js";

/** What `plan()` accepts: request objects, or `JsonlLine`s from `readJsonl()` to keep line numbers. */
export type PlanInput = Iterable<unknown> | AsyncIterable<unknown>;

/**
 * Bytes a request may grow by when markers are added: 4 markers, each at most
 * `,"cache_control":{"type":"ephemeral","ttl":"1h"}` plus the brackets and `"type":"text","text":`
 * of a string turned into a block. Used to reject too-large requests before planning.
 */
const MARKER_ALLOWANCE_BYTES = 4 * 100;

/**
 * With `maxWaves: "auto"`, a third wave (nested prefixes primed level by level) is used when it
 * lowers the expected cost of the cached prefixes by at least this share. In a 2-wave plan every
 * primer runs in wave 0, so a prefix above several primed sub-prefixes is written once per primer
 * (up to the concurrency) at the 1h price; the strategy benchmark measured +3% to +14% over ideal
 * from this on nested workloads, and 0% with 3 waves.
 */
const AUTO_THIRD_WAVE_MIN_SAVING = 0.01;

/** Most warnings of one kind listed individually. */
const MAX_WARNINGS_PER_KIND = 20;

/** The default target's batch limits (Anthropic Message Batches, reference §5.2). */
const DEFAULT_LIMITS: Pick<TargetLimits, "maxRequests" | "maxBytes"> = {
  maxRequests: API_MAX_REQUESTS,
  maxBytes: API_MAX_BYTES,
};

/**
 * Applies defaults and checks ranges against the target's limits; throws `OptionsError` naming
 * the option.
 */
export function resolvePlanOptions(
  options: PlanOptions = {},
  limits: Pick<TargetLimits, "maxRequests" | "maxBytes"> = DEFAULT_LIMITS,
): ResolvedPlanOptions {
  checkTargetId(options.target);
  const strategy = options.strategy ?? "auto";
  if (!(STRATEGIES as readonly string[]).includes(strategy)) {
    const known = STRATEGIES.map((s) => JSON.stringify(s)).join(", ");
    throw new OptionsError(
      `\`strategy\` must be one of ${known}; got ${JSON.stringify(strategy)}.`,
    );
  }
  const ttl = options.ttl ?? "auto";
  if (!["auto", "5m", "1h"].includes(ttl)) {
    throw new OptionsError(
      `\`ttl\` must be one of "auto", "5m", "1h"; got ${JSON.stringify(ttl)}.`,
    );
  }
  const userMarkers = options.userMarkers ?? "keep";
  if (userMarkers !== "keep" && userMarkers !== "replace") {
    throw new OptionsError(
      `\`userMarkers\` must be "keep" or "replace"; got ${JSON.stringify(userMarkers)}.`,
    );
  }
  const maxRequests = wholeNumber(
    "maxRequests",
    options.maxRequests,
    limits.maxRequests,
    1,
    limits.maxRequests,
  );
  const maxBytes = wholeNumber(
    "maxBytes",
    options.maxBytes,
    limits.maxBytes,
    1024,
    limits.maxBytes,
  );
  const maxWaves =
    options.maxWaves === undefined || options.maxWaves === "auto"
      ? "auto"
      : wholeNumber("maxWaves", options.maxWaves, 2, 1, 5);
  const concurrency = wholeNumber("concurrency", options.concurrency, 64, 1, 100_000);
  if (options.splitText !== undefined && typeof options.splitText !== "boolean") {
    throw new OptionsError(
      `\`splitText\` must be true or false; got ${JSON.stringify(options.splitText)}.`,
    );
  }
  if (strategy === "primed" && maxWaves !== "auto" && maxWaves < 2) {
    throw new OptionsError(
      '`strategy: "primed"` needs `maxWaves` of at least 2 (one wave for primers); use `strategy: "cold"` for one wave.',
    );
  }
  return {
    strategy,
    ttl,
    userMarkers,
    maxRequests,
    maxBytes,
    maxWaves,
    concurrency,
    counter: options.counter?.name ?? "tiktoken-estimate",
    ...(options.splitText === true ? { splitText: true as const } : {}),
  };
}

interface Accepted {
  request: BatchRequest;
  model: string;
  segmented: SegmentedRequest;
  maxTokens: number;
  bytes: number;
  fixedMarkers: number;
}

/**
 * Plans a job: validates every request, groups them by shared prefix per model, places identical
 * `cache_control` breakpoints where they pay, chooses TTLs and primer waves, orders requests and
 * splits them into batches. Pure: same input and options, same plan.
 */
export async function plan(requests: PlanInput, options: PlanOptions = {}): Promise<Plan> {
  const target = await loadTarget(checkTargetId(options.target));
  const resolved = resolvePlanOptions(options, target.limits);
  const models = options.models ?? modelTableOf(target);
  const counter = options.counter ?? createTiktokenCounter({ models });
  const replace = resolved.userMarkers === "replace";
  const rejected: RejectedRequest[] = [];
  const accepted: Accepted[] = [];
  const seen = new Map<string, number>();
  const interner = new ContextInterner();
  const sizer = new JsonSizer();
  // The planner keeps every request: one copy of each long text, however many lines repeat it.
  const strings = new StringInterner();
  let position = 0;

  for await (const item of requests as AsyncIterable<unknown>) {
    position += 1;
    let line = position;
    let source: string | undefined;
    let value = item;
    if (item instanceof JsonlLine) {
      line = item.line;
      source = item.source;
      value = item.value;
      if (item.parseError !== undefined) {
        const kind = item.problem ?? "invalid-json";
        rejected.push({
          line,
          ...(source ? { source } : {}),
          kind,
          reason:
            kind === "invalid-json"
              ? `Not valid JSON: ${item.parseError}. Each line must hold one request object.`
              : item.parseError,
        });
        continue;
      }
    }
    const where = source ? { source } : {};
    const check = validateRequest(value, { userMarkers: resolved.userMarkers });
    if (!check.ok) {
      rejected.push({
        line,
        ...where,
        ...(check.custom_id ? { custom_id: check.custom_id } : {}),
        kind: check.kind,
        reason: check.reason,
      });
      continue;
    }
    const id = check.request.custom_id;
    const first = seen.get(id);
    if (first !== undefined) {
      rejected.push({
        line,
        ...where,
        custom_id: id,
        kind: "duplicate-custom-id",
        reason: `\`custom_id\` ${JSON.stringify(id)} was already used on line ${first}; results are matched by \`custom_id\`, so each must be unique. Rename one.`,
      });
      continue;
    }
    // Only objects the planner parsed itself (`JsonlLine`s) are interned: a caller's objects are
    // never written to, not even with equal strings.
    if (item instanceof JsonlLine) strings.walk(check.request);
    const bytes = sizer.bytes(check.request);
    if (bytes + MARKER_ALLOWANCE_BYTES + BODY_OVERHEAD_BYTES > resolved.maxBytes) {
      rejected.push({
        line,
        ...where,
        custom_id: id,
        kind: "too-large",
        reason: `The request is ${bytes.toLocaleString("en-US")} bytes; with room for markers it cannot fit in a batch of \`maxBytes\` ${resolved.maxBytes.toLocaleString("en-US")}. Shrink it or raise \`maxBytes\` (the API allows 256 MB).`,
      });
      continue;
    }
    seen.set(id, line);
    accepted.push({
      request: check.request,
      model: check.request.params.model,
      segmented: segmentRequest(check.request, interner),
      maxTokens: check.request.params.max_tokens,
      bytes,
      fixedMarkers: replace ? 0 : check.markers,
    });
  }

  const warnings: PlanWarning[] = [];
  const warnCapped = (warning: PlanWarning) => {
    if (warnings.filter((w) => w.kind === warning.kind).length < MAX_WARNINGS_PER_KIND)
      warnings.push(warning);
  };

  // Partition by model, in order of first appearance: caches are per model (reference §1.6).
  const byModel = new Map<string, number[]>();
  accepted.forEach((a, i) => {
    const list = byModel.get(a.model) ?? [];
    list.push(i);
    byModel.set(a.model, list);
  });

  const marksAt = new Map<number, Mark[]>(); // request index → marks on its path, outermost first
  const markModel = new Map<Mark, { model: string; readMultiplier: number }>();
  const labelOf = new Map<Mark, string>();
  // Where each mark goes: its segment, and the split offset inside it (-1: the block's end).
  const markPlace = new Map<Mark, { segment: number; cut: number }>();
  const cutMemo: CutMemo = new Map();
  const tokensOf = new Map<TrieNode, number>();
  const groupTops: Mark[] = [];
  const primerWaves = new Map<number, number>();
  const statsOf = new Map<Mark, { primers: number[]; writes: number; reads: number }>();
  const orderAll: number[] = [];
  const parentMark = new Map<Mark, Mark | undefined>();
  let lastWave = 0;
  const waveLayouts: Array<{ indices: number[]; layouts: WaveResult[]; costs: number[] }> = [];
  let nextNodeId = 0;

  for (const [model, indices] of byModel) {
    const { info, known } = rowOf(models, model);
    const minimum = info.minCacheableTokens;
    const readMultiplier = info.readMultiplier;
    if (!known)
      warnings.push({
        kind: "unknown-model",
        model,
        requests: indices.length,
        minimumUsed: minimum,
      });
    else if (!info.minCacheableKnown)
      warnings.push({ kind: "unknown-minimum", model, minimumUsed: minimum });

    const effectiveStrategy =
      resolved.maxWaves !== "auto" && resolved.maxWaves < 2 && resolved.strategy === "auto"
        ? "cold"
        : resolved.strategy;
    const minPaying = minPayingCount(
      allowedModes(effectiveStrategy, resolved.ttl),
      resolved.concurrency,
      readMultiplier,
    );
    // Local request numbering within the model: trie indices are positions in `indices`.
    const baseRequests = indices.map((i) => {
      const { segmented } = accepted[i]!;
      const markers = segmented.segments.map((s) => (replace ? null : s.marker));
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
      cutMemo,
      (local, segment) => roleOf(accepted[indices[local]!]!.request, segment),
    );
    const trieRequests = paths.requests;
    const trie = new PrefixTrie(trieRequests, nextNodeId);
    for (let i = 0; i < indices.length; i++) trie.insert(i);
    nextNodeId = trie.nextId;
    const order = trie.depthFirst();

    // Count each distinct shared segment once, in one call (the counter memoises across calls).
    // Only prefixes shared by enough requests to ever pay need a length, plus those users marked
    // (and their ancestors): a job of pairs and unique requests tokenizes almost nothing.
    const needed = new Set<TrieNode>();
    for (const node of trie.nodes()) {
      if (node.count >= minPaying) needed.add(node);
      if (node.userMarked["5m"] + node.userMarked["1h"] > 0) {
        for (let n: TrieNode | undefined = node; n && n.depth > 0; n = n.parent) needed.add(n);
      }
    }
    const shared = [...trie.nodes()].filter((n) => needed.has(n));
    const segmentOf = (node: TrieNode) => paths.segment(node.representative, node.depth);
    const nodeLabel = (node: TrieNode) => {
      const cut = paths.cutAt(node.representative, node.depth);
      const label = segmentOf(node).label;
      return cut < 0 ? label : `${label} (first ${cut.toLocaleString("en-US")} characters)`;
    };
    const counts = await counter.countSegments(
      shared.map((n) => ({ ...paths.countItem(n.representative, n.depth), model })),
    );
    const overhead = paths.anyCut ? await blockOverhead(counter, model) : 0;
    shared.forEach((node, k) => {
      tokensOf.set(
        node,
        paths.tokensAt(node, counts[k]!, (n) => tokensOf.get(n) ?? 0, overhead),
      );
    });

    const factsFor = (splitText: boolean): RequestFacts[] =>
      indices.map((i, local) => {
        const markers = trieRequests[local]!.markers;
        let first5m = Number.POSITIVE_INFINITY;
        let last1h = 0;
        markers.forEach((m, d) => {
          if (m === "5m") first5m = Math.min(first5m, d + 1);
          if (m === "1h") last1h = d + 1;
        });
        return {
          fixedMarkers: accepted[i]!.fixedMarkers,
          first5m,
          last1h,
          eligible: (depth: number) =>
            depth <= trieRequests[local]!.keys.length && paths.eligible(local, depth, splitText),
        };
      });
    const splitText = resolved.splitText === true;
    const forest = buildCandidates(trie.root, factsFor(splitText), (n) => tokensOf.get(n), minimum);
    const selectOptions = {
      strategy: effectiveStrategy,
      ttl: resolved.ttl,
      concurrency: resolved.concurrency,
      readMultiplier,
    };
    const marks = selectBreakpoints(forest.roots, selectOptions);
    if (!splitText && paths.anyCut && resolved.strategy !== "none") {
      // What splitting would add: the same choice with split points allowed, compared per group.
      const withSplits = selectBreakpoints(
        buildCandidates(trie.root, factsFor(true), (n) => tokensOf.get(n), minimum).roots,
        selectOptions,
      );
      for (const warning of splitTextWarnings({
        model,
        marks,
        withSplits,
        isSplit: (node) => paths.cutAt(node.representative, node.depth) >= 0,
        label: (node) => segmentOf(node).label,
        concurrency: resolved.concurrency,
        readMultiplier,
        usdPerUnit: known ? (info.inputPerMTok * BATCH_MULTIPLIER) / 1e6 : 0,
      }))
        warnCapped(warning);
    }

    // Marks on each request's path, via the depth-first ranges (marks come in pre-order).
    const localMarks = new Map<number, Mark[]>();
    const stack: Mark[] = [];
    for (const mark of marks) {
      const node = mark.candidate.node;
      while (stack.length > 0 && stack[stack.length - 1]!.candidate.node.range[1] <= node.range[0])
        stack.pop();
      parentMark.set(mark, stack[stack.length - 1]);
      if (stack.length === 0) groupTops.push(mark);
      stack.push(mark);
      markModel.set(mark, { model, readMultiplier });
      markPlace.set(mark, {
        segment: paths.segmentIndex(node.representative, node.depth),
        cut: paths.cutAt(node.representative, node.depth),
      });
      for (let p = node.range[0]; p < node.range[1]; p++) {
        const local = order[p]!;
        const list = localMarks.get(local) ?? [];
        list.push(mark);
        localMarks.set(local, list);
      }
    }
    // With `maxWaves: "auto"`, both 2 waves (every primer in wave 0) and 3 (nested prefixes primed
    // level by level) are laid out; the choice is made for the whole job after the loop.
    const waveCounts = resolved.maxWaves === "auto" ? [2, 3] : [resolved.maxWaves];
    const layouts = waveCounts.map((maxWaves) =>
      assignWaves({
        marks,
        order,
        marksOf: (local) => localMarks.get(local) ?? [],
        primerCost: (local) => {
          const a = accepted[indices[local]!]!;
          // Prefer short answers and small bodies (wave 0 should end fast), then input order.
          return a.maxTokens * 1e12 + a.bytes * 1e3 + local / indices.length;
        },
        maxWaves,
        concurrency: resolved.concurrency,
      }),
    );
    const price = info?.inputPerMTok ?? 1;
    waveLayouts.push({
      indices,
      layouts,
      costs: layouts.map(
        (l) => price * cachedInputUnits(marks, l.stats, parentMark, readMultiplier),
      ),
    });
    for (const [local, list] of localMarks) marksAt.set(indices[local]!, list);
    for (const local of order) orderAll.push(indices[local]!);

    collectModelWarnings({
      model,
      minimum,
      readMultiplier,
      trie,
      order,
      forestRoots: forest.roots,
      belowMinimum: forest.belowMinimum,
      tooFew: forest.tooFew,
      marks,
      tokensOf,
      segmentLabel: nodeLabel,
      customId: (local) => accepted[indices[local]!]!.request.custom_id,
      concurrency: resolved.concurrency,
      placesMarkers: resolved.strategy !== "none",
      hasMarkerBelow: (local, depth) =>
        trieRequests[local]!.markers.some((m, d) => m !== null && d >= depth),
      warn: warnCapped,
    });
    for (const drift of detectDrift(trie, (local, depth) =>
      depth <= trieRequests[local]!.keys.length ? paths.segment(local, depth) : undefined,
    )) {
      warnCapped({ kind: "prefix-drift", model, ...drift });
    }
  }

  // Waves: a third wave only when priming nested prefixes level by level pays enough.
  const totalCost = (k: number) =>
    waveLayouts.reduce((sum, w) => sum + (w.costs[k] ?? w.costs[0]!), 0);
  const useThird =
    resolved.maxWaves === "auto" &&
    totalCost(0) - totalCost(1) >= AUTO_THIRD_WAVE_MIN_SAVING * totalCost(0);
  for (const { indices, layouts } of waveLayouts) {
    const waves = layouts[useThird ? 1 : 0] ?? layouts[0]!;
    for (const [local, wave] of waves.primerWave) primerWaves.set(indices[local]!, wave);
    lastWave = Math.max(lastWave, waves.lastWave);
    for (const [mark, stats] of waves.stats) {
      statsOf.set(mark, { ...stats, primers: stats.primers.map((l) => indices[l]!) });
    }
  }

  // Groups, in planned order.
  const groupIndexOf = new Map<Mark, number>();
  for (const [g, top] of groupTops.entries()) groupIndexOf.set(top, g);
  const groupOfRequest = (request: number) => {
    const top = marksAt.get(request)?.[0];
    return top === undefined ? -1 : groupIndexOf.get(top)!;
  };
  const waveOf = (request: number) => primerWaves.get(request) ?? lastWave;
  const final: BatchRequest[] = new Array(accepted.length);
  const finalBytes: number[] = new Array(accepted.length);
  let markersAdded = 0;
  let markersRemoved = 0;
  accepted.forEach((a, i) => {
    const placements: MarkerPlacement[] = [];
    const splits: SplitPlacement[] = [];
    for (const mark of marksAt.get(i) ?? []) {
      const place = markPlace.get(mark)!;
      const location = a.segmented.segments[place.segment]!.location;
      if (place.cut >= 0) splits.push({ location, offset: place.cut, ttl: mark.ttl });
      // The first request through a mark names it, as it lands once every split above it is made.
      if (!labelOf.has(mark)) labelOf.set(mark, splitLabel(location, place.cut, splits));
      if (mark.origin !== "planner" || place.cut >= 0) continue;
      placements.push({ location, ttl: mark.ttl });
    }
    markersAdded += placements.length + splits.length;
    if (replace) markersRemoved += countExisting(a);
    final[i] = applySplits(applyMarkers(a.request, placements, replace), splits);
    finalBytes[i] =
      placements.length + splits.length === 0 && !replace ? a.bytes : sizer.bytes(final[i]);
  });

  const batches: PlannedBatch[] = [];
  const groupBatches = new Map<number, Set<number>>();
  const byWave = Array.from({ length: lastWave + 1 }, (): number[] => []);
  for (const r of orderAll) byWave[waveOf(r)]!.push(r);
  for (let wave = 0; wave <= lastWave; wave++) {
    const inWave = byWave[wave]!;
    const items: SplitItem[] = inWave.map((r) => ({
      bytes: finalBytes[r]!,
      unit: groupOfRequest(r),
    }));
    const { batches: ranges } = splitBatches(items, resolved.maxRequests, resolved.maxBytes);
    for (const [start, end] of ranges) {
      const members = inWave.slice(start, end);
      const index = batches.length;
      for (const r of members) {
        const g = groupOfRequest(r);
        // A group split across waves is by design (its primer goes first); count batches per wave.
        const key = g * 8 + wave;
        if (g >= 0)
          (groupBatches.get(key) ?? groupBatches.set(key, new Set()).get(key)!).add(index);
      }
      batches.push({
        index,
        wave,
        requests: members.map((r) => final[r]!),
        requestCount: members.length,
        bytes:
          BODY_OVERHEAD_BYTES +
          members.reduce((s, r) => s + finalBytes[r]!, 0) +
          members.length -
          1,
      });
    }
  }

  const plannedOrder = batches.flatMap((b) => b.requests.map((r) => r.custom_id));
  const positionOf = new Map(plannedOrder.map((id, k) => [id, k]));
  // One pass each: marks and members per group (a job may have 100,000 tiny groups).
  const marksByGroup = groupTops.map((): Mark[] => []);
  for (const mark of statsOf.keys())
    marksByGroup[groupIndexOf.get(topOf(mark, parentMark))!]!.push(mark);
  const membersByGroup = groupTops.map((): number[] => []);
  for (const r of orderAll) {
    const g = groupOfRequest(r);
    if (g >= 0) membersByGroup[g]!.push(r);
  }
  const groups: PlannedGroup[] = groupTops.map((top, g) =>
    describeGroup(`g${g + 1}`, top, {
      marks: marksByGroup[g]!,
      parentMark,
      statsOf,
      tokensOf,
      model: markModel.get(top)!,
      accepted,
      label: (mark) => labelOf.get(mark) ?? `#${mark.candidate.node.depth}`,
      depth: (mark) => markPlace.get(mark)!.segment + 1,
      positionOf,
      members: membersByGroup[g]!,
    }),
  );
  for (const [key, set] of groupBatches) {
    if (set.size > 1)
      warnCapped({ kind: "group-split", group: `g${Math.floor(key / 8) + 1}`, batches: set.size });
  }
  for (const group of groups) {
    for (const bp of group.breakpoints) {
      const minimum = rowOf(models, group.model).info.minCacheableTokens;
      if (bp.origin === "planner" && bp.prefixTokens < minimum * 1.1) {
        warnCapped({
          kind: "near-minimum",
          group: group.id,
          segment: bp.segment,
          prefixTokens: bp.prefixTokens,
          minimum,
        });
      }
    }
  }
  if (resolved.ttl === "5m" && lastWave > 0)
    warnings.push({ kind: "ttl-short-for-waves", waves: lastWave + 1 });

  const modelCounts: Record<string, number> = {};
  for (const [model, list] of byModel) modelCounts[model] = list.length;
  rejected.sort((a, b) => a.line - b.line);
  return {
    version: 1,
    options: resolved,
    groups,
    batches,
    warnings,
    rejected,
    summary: {
      inputRequests: position,
      planned: accepted.length,
      rejected: rejected.length,
      grouped: groups.reduce((s, g) => s + g.requests, 0),
      waves: lastWave + 1,
      batches: batches.length,
      markersAdded,
      markersRemoved,
      byModel: modelCounts,
    },
  };
}

function countExisting(a: Accepted): number {
  return (
    a.segmented.segments.filter((s) => s.marker !== null).length +
    (a.segmented.topLevelMarker ? 1 : 0)
  );
}

function topOf(mark: Mark, parentMark: Map<Mark, Mark | undefined>): Mark {
  let m = mark;
  for (let p = parentMark.get(m); p !== undefined; p = parentMark.get(p)) m = p;
  return m;
}

interface GroupContext {
  marks: Mark[];
  parentMark: Map<Mark, Mark | undefined>;
  statsOf: Map<Mark, { primers: number[]; writes: number; reads: number }>;
  tokensOf: Map<TrieNode, number>;
  model: { model: string; readMultiplier: number };
  accepted: Accepted[];
  label: (mark: Mark) => string;
  /** 1-based index of the segment a mark is on (in the request as written). */
  depth: (mark: Mark) => number;
  positionOf: Map<string, number>;
  members: number[];
}

function describeGroup(id: string, top: Mark, ctx: GroupContext): PlannedGroup {
  const breakpoints: PlannedBreakpoint[] = [];
  const primers = new Set<number>();
  let uncached = 0;
  let planned = 0;
  ctx.marks.forEach((mark, k) => {
    const stats = ctx.statsOf.get(mark)!;
    const node = mark.candidate.node;
    const parent = ctx.parentMark.get(mark);
    const delta = mark.candidate.tokens - (parent?.candidate.tokens ?? 0);
    uncached += delta * node.count;
    planned +=
      delta * (stats.writes * writeMultiplier(mark.ttl) + stats.reads * ctx.model.readMultiplier);
    for (const p of stats.primers) primers.add(p);
    breakpoints.push({
      id: `${id}.b${k + 1}`,
      segment: ctx.label(mark),
      depth: ctx.depth(mark),
      prefixTokens: mark.candidate.tokens,
      requests: node.count,
      ttl: mark.ttl,
      mode: mark.mode,
      origin: mark.origin,
      expectedWrites: stats.writes,
      expectedReads: stats.reads,
    });
  });
  const customIds = ctx.members
    .map((r) => ctx.accepted[r]!.request.custom_id)
    .sort((a, b) => ctx.positionOf.get(a)! - ctx.positionOf.get(b)!);
  const topBp = breakpoints[0]!;
  const primerIds = [...primers].map((r) => ctx.accepted[r]!.request.custom_id);
  const saved = uncached > 0 ? Math.round((1 - planned / uncached) * 100) : 0;
  const how =
    top.mode === "primed"
      ? `primed: ${primerIds.length} primer${primerIds.length === 1 ? "" : "s"} in an earlier wave write${primerIds.length === 1 ? "s" : ""} the ${topBp.ttl} entr${breakpoints.length === 1 ? "y" : "ies"}, the other requests read`
      : `cold (${topBp.ttl}): about ${topBp.expectedWrites} of the ${topBp.requests} requests run before any write is visible and write; the rest read`;
  const levels =
    breakpoints.length > 1
      ? `; ${breakpoints.length - 1} deeper shared prefix${breakpoints.length > 2 ? "es" : ""} get their own breakpoint`
      : "";
  return {
    id,
    model: ctx.model.model,
    requests: top.candidate.node.count,
    sharedTokens: top.candidate.tokens,
    breakpoints,
    primers: primerIds,
    inputUnits: { uncached: Math.round(uncached), planned: Math.round(planned) },
    why: `${topBp.requests} requests share ~${topBp.prefixTokens.toLocaleString("en-US")} tokens up to ${topBp.segment}${top.origin === "user" ? " (marked by the user)" : ""}; ${how}${levels}. Expected cached-prefix input ${saved}% below uncached.`,
    customIds,
  };
}

interface ModelWarningContext {
  model: string;
  minimum: number;
  readMultiplier: number;
  trie: PrefixTrie;
  /** The model's requests in depth-first order (from `trie.depthFirst()`). */
  order: readonly number[];
  forestRoots: Candidate[];
  belowMinimum: TrieNode[];
  /** Maximal shared prefixes too few requests share to ever pay (their length was not counted). */
  tooFew: TrieNode[];
  marks: Mark[];
  tokensOf: Map<TrieNode, number>;
  segmentLabel: (node: TrieNode) => string;
  customId: (local: number) => string;
  concurrency: number;
  /** False under `strategy: "none"`: unmarked prefixes are then the caller's choice, not a finding. */
  placesMarkers: boolean;
  /** Whether the request has a user marker on a segment deeper than `depth`. */
  hasMarkerBelow: (local: number, depth: number) => boolean;
  warn: (warning: PlanWarning) => void;
}

function collectModelWarnings(ctx: ModelWarningContext): void {
  const { model, minimum, trie } = ctx;
  const examplesIn = (node: TrieNode, pick: (local: number) => boolean) => {
    const out: string[] = [];
    const order = ctx.order;
    for (let p = node.range[0]; p < node.range[1] && out.length < MAX_EXAMPLES; p++) {
      if (pick(order[p]!)) out.push(ctx.customId(order[p]!));
    }
    return out;
  };

  // Shared prefixes too short to cache: the widest ones first.
  const below = [...ctx.belowMinimum].sort((a, b) => b.count - a.count || a.id - b.id);
  for (const node of below.slice(0, 3)) {
    ctx.warn({
      kind: "below-minimum",
      model,
      segment: ctx.segmentLabel(node),
      requests: node.count,
      prefixTokens: ctx.tokensOf.get(node) ?? 0,
      minimum,
    });
  }

  // Candidates that got no marker: too few requests to pay, or no slot left.
  const marked = new Set(ctx.marks.map((m) => m.candidate));
  let prefixes = 0;
  let requests = 0;
  const visit = (c: Candidate, plannerAbove: number, anyMarkAbove: boolean) => {
    const isMarked = marked.has(c);
    if (!isMarked) {
      const positive =
        savingsPerToken(c.node.count, "primed", "1h", ctx.concurrency, ctx.readMultiplier) > 0;
      if (positive && plannerAbove >= c.budget) {
        ctx.warn({
          kind: "marker-budget",
          model,
          segment: ctx.segmentLabel(c.node),
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
  if (ctx.placesMarkers) {
    for (const root of ctx.forestRoots) visit(root, 0, false);
    for (const node of ctx.tooFew) {
      prefixes += 1;
      requests += node.count;
    }
  }
  if (prefixes > 0) ctx.warn({ kind: "too-small-to-pay", model, prefixes, requests });

  // User markers: inconsistent, below the minimum, or on a unique tail.
  let uniqueTail = 0;
  const uniqueExamples: string[] = [];
  for (const node of trie.nodes()) {
    const m = node.userMarked["5m"] + node.userMarked["1h"];
    if (m === 0) continue;
    const consistent =
      (node.userMarked["5m"] === node.count) !== (node.userMarked["1h"] === node.count);
    if (!consistent) {
      ctx.warn({
        kind: "inconsistent-user-markers",
        segment: ctx.segmentLabel(node),
        withMarker: m,
        withoutMarker: node.count - m,
        examples: examplesIn(node, () => true),
      });
    } else if ((ctx.tokensOf.get(node) ?? 0) < minimum) {
      ctx.warn({
        kind: "user-marker-below-minimum",
        segment: ctx.segmentLabel(node),
        requests: node.count,
        prefixTokens: ctx.tokensOf.get(node) ?? 0,
        minimum,
        examples: examplesIn(node, () => true),
      });
    }
  }
  // A user marker deeper than the request's last shared node sits on its unique tail.
  const visitTails = (node: TrieNode) => {
    for (const child of node.children.values()) {
      if (isTail(child)) {
        if (ctx.hasMarkerBelow(child.request, node.depth)) {
          uniqueTail += 1;
          if (uniqueExamples.length < MAX_EXAMPLES)
            uniqueExamples.push(ctx.customId(child.request));
        }
      } else visitTails(child);
    }
  };
  visitTails(trie.root);
  if (uniqueTail > 0)
    ctx.warn({ kind: "user-marker-unique-tail", requests: uniqueTail, examples: uniqueExamples });
}

/** Expected cost of the cached prefixes in base-input units: each mark's own tokens × (writes × write price + reads × read price). */
function cachedInputUnits(
  marks: readonly Mark[],
  stats: ReadonlyMap<Mark, MarkStats>,
  parentMark: ReadonlyMap<Mark, Mark | undefined>,
  readMultiplier: number,
): number {
  let units = 0;
  for (const mark of marks) {
    const s = stats.get(mark)!;
    const delta = mark.candidate.tokens - (parentMark.get(mark)?.candidate.tokens ?? 0);
    units += delta * (s.writes * writeMultiplier(mark.ttl) + s.reads * readMultiplier);
  }
  return units;
}

/** The role folded into a segment's hash: its message's, on the first block of a message. */
function roleOf(request: BatchRequest, segment: Segment): string {
  const { location } = segment;
  if (location.kind !== "message" || location.index !== 0) return "";
  const message = (request.params.messages as unknown[])[location.message];
  const role = (message as { role?: unknown } | undefined)?.role;
  return typeof role === "string" ? role : "";
}
