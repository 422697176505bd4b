/**
 * Plans an OpenAI Batch API job: validates every line, groups requests by shared prefix per model
 * in OpenAI's prefix order, sets one `prompt_cache_key` per group, places explicit
 * `prompt_cache_breakpoint`s on GPT-5.6+ where they pay (with a primer wave where that pays under
 * the 30-minute TTL), orders each group contiguously and cuts input files of one model and one
 * endpoint under 50,000 requests, 200 MB and the enqueued-token budget. Pure: same input and
 * options, same plan. Reference: other-batch-systems.md §4, §7.
 */
import { OptionsError } from "../../errors.js";
import { type ModelTable, modelTableOf } from "../../pricing/models.js";
import { rowOf } from "../../pricing/unknown-model.js";
import type { RejectedRequest } from "../../types.js";
import { isObject, type Json } from "../../util/json.js";
import { wholeNumber } from "../../util/options.js";
import { type BatchItem, splitFiles } from "./_batching.js";
import { findDrift } from "./_drift.js";
import {
  automaticGroups,
  explicitGroups,
  type GroupInput,
  type LocalGroup,
  type LocalMark,
} from "./_groups.js";
import { type Admitted, readOpenAIRequests } from "./_intake.js";
import { OATrie } from "./_trie.js";
import { cacheModeOf, type OpenAICacheMode, ROUTING_PREFIX_TOKENS } from "./caching.js";
import { type OpenAIBatchLine, toBatchLine } from "./format.js";
import { CUSTOM_ID_SAFE_LENGTH, MAX_BYTES, MAX_REQUESTS, type OpenAIEndpoint } from "./limits.js";
import { MODEL_TABLE } from "./models.js";
import {
  applyBreakpoints,
  cacheContext,
  type OpenAILocation,
  type OpenAISegment,
  segmentOpenAI,
  stripBreakpoints,
} from "./segments.js";
import { O200kCounter } from "./tokens.js";
import type {
  OpenAIGroup,
  OpenAIPlan,
  OpenAIPlannedBatch,
  OpenAIPlanOptions,
  OpenAIPlanWarning,
  ResolvedOpenAIPlanOptions,
} from "./types.js";

/** Applies defaults and checks ranges; throws `OptionsError` naming the option. */
export function resolveOpenAIOptions(options: OpenAIPlanOptions = {}): ResolvedOpenAIPlanOptions {
  const strategy = options.strategy ?? "auto";
  if (!["auto", "primed", "cold", "none"].includes(strategy))
    throw new OptionsError(
      `\`strategy\` must be one of "auto", "primed", "cold", "none"; got ${JSON.stringify(strategy)}.`,
    );
  const userMarkers = options.userMarkers ?? "keep";
  if (userMarkers !== "keep" && userMarkers !== "replace")
    throw new OptionsError(
      `\`userMarkers\` must be "keep" or "replace"; got ${JSON.stringify(userMarkers)}.`,
    );
  const maxWaves =
    options.maxWaves === undefined || options.maxWaves === "auto"
      ? 2
      : wholeNumber("maxWaves", options.maxWaves, 2, 1, 2);
  if (strategy === "primed" && maxWaves < 2)
    throw new OptionsError(
      '`strategy: "primed"` needs `maxWaves` of 2 (one wave for primers); use `strategy: "cold"` for one wave.',
    );
  return {
    strategy,
    userMarkers,
    maxRequests: wholeNumber("maxRequests", options.maxRequests, MAX_REQUESTS, 1, MAX_REQUESTS),
    maxBytes: wholeNumber("maxBytes", options.maxBytes, MAX_BYTES, 1024, MAX_BYTES),
    maxEnqueuedTokens:
      options.maxEnqueuedTokens === undefined
        ? null
        : wholeNumber(
            "maxEnqueuedTokens",
            options.maxEnqueuedTokens,
            0,
            1024,
            Number.MAX_SAFE_INTEGER,
          ),
    maxWaves,
    concurrency: wholeNumber("concurrency", options.concurrency, 64, 1, 100_000),
    counter: "o200k_base",
  };
}

/** What the plan always says about OpenAI facts it relies on but cannot verify (reference §4.6, §8). */
export const OPENAI_NOTES: readonly string[] = Object.freeze([
  "Whether the Batch API honours `prompt_cache_key` is not documented (OpenAI's cookbook lists it as a Flex advantage); the plan sets one key per group so that, if it does, a group's requests are routed together, and it costs nothing if it does not.",
  'Batch hits are best effort: requests of one batch run in parallel, routing spreads a prefix over machines past ~15 requests a minute, and OpenAI measured Batch 8.5 points below Flex on identical requests. For cache-heavy jobs consider Flex (`service_tier: "flex"` on the Responses API, same 50% discount).',
  'GPT-5.6+ explicit entries live at least 30 minutes (`prompt_cache_options.ttl: "30m"`): a primer wave pays only if the next wave\'s requests run within that time; `cacheplan submit` starts it as soon as the primers end.',
]);

interface ModelPart {
  model: string;
  mode: OpenAICacheMode;
  locals: Admitted[];
  segments: OpenAISegment[][];
  tokens: number[];
  order: number[];
  groups: LocalGroup[];
}

/** Plans an OpenAI job. `items` are batch line objects, or `JsonlLine`s from `readJsonl()`. */
export async function planOpenAI(
  items: Iterable<unknown> | AsyncIterable<unknown>,
  options: OpenAIPlanOptions = {},
): Promise<OpenAIPlan> {
  const opts = resolveOpenAIOptions(options);
  const models = options.models ?? modelTableOf({ models: MODEL_TABLE });
  const intake = await readOpenAIRequests(items, opts.maxBytes);
  const warnings: OpenAIPlanWarning[] = [];
  const counter = new O200kCounter();
  const rejected: RejectedRequest[] = [...intake.rejected];
  const byModel = new Map<string, Admitted[]>();
  for (const a of intake.admitted) {
    const model = a.request.body.model as string;
    (byModel.get(model) ?? byModel.set(model, []).get(model)!).push(a);
  }
  const parts: ModelPart[] = [];
  for (const [model, list] of byModel) {
    const part = planModel(model, list, opts, models, counter, warnings);
    if (opts.maxEnqueuedTokens !== null) dropOversized(part, opts.maxEnqueuedTokens, rejected);
    parts.push(part);
  }
  for (const a of intake.admitted) {
    if (a.request.custom_id.length > CUSTOM_ID_SAFE_LENGTH) {
      warnings.push({
        kind: "long-custom-id",
        message: `\`custom_id\` ${JSON.stringify(a.request.custom_id.slice(0, 40))}… is ${a.request.custom_id.length} characters; OpenAI documents no limit, but gateways cap it at 64.`,
      });
      break;
    }
  }
  return assemble(intake.inputRequests, parts, opts, warnings, rejected);
}

function planModel(
  model: string,
  locals: Admitted[],
  opts: ResolvedOpenAIPlanOptions,
  models: ModelTable,
  counter: O200kCounter,
  warnings: OpenAIPlanWarning[],
): ModelPart {
  const { info, known } = rowOf(models, model);
  const mode = cacheModeOf(model);
  if (!known)
    warnings.push({
      kind: "unknown-model",
      model,
      message: `${model}: not in the model table (${locals.length} request${locals.length === 1 ? "" : "s"}); no price, so its cost is not estimated. Add a row with \`--models\`.`,
    });
  const replace = opts.userMarkers === "replace";
  const segments = locals.map(({ request }) => {
    const body = replace ? { ...request.body, prompt_cache_key: undefined } : request.body;
    return segmentOpenAI(request.url, body, cacheContext(request.url, body));
  });
  const tokens = segments.map((segs) => segs.reduce((s, seg) => s + counter.segment(seg), 0));
  const part: ModelPart = {
    model,
    mode,
    locals,
    segments,
    tokens,
    order: locals.map((_, i) => i),
    groups: [],
  };
  if (mode === "none") {
    warnings.push({
      kind: "no-batch-caching",
      model,
      message: `${model}: caching on the Batch API covers GPT-5 and later only, so ${locals.length === 1 ? "this request gets" : `these ${locals.length} requests get`} no cache discount in a batch and the plan does no cache work for them. Alternatives: Flex processing (\`service_tier: "flex"\` on the Responses API, the same 50% discount, with prompt caching and \`prompt_cache_key\`), or a GPT-5+ model.`,
    });
    return part;
  }
  const trie = new OATrie();
  segments.forEach((segs, i) => {
    trie.insert(
      i,
      segs.map((s) => s.key),
    );
  });
  for (const node of trie.nodes()) {
    const seg = segments[node.requests[0]!]![node.depth - 1]!;
    node.tokens = (node.parent?.tokens ?? 0) + counter.segment(seg);
  }
  part.order = trie.depthFirst();
  const input: GroupInput = {
    model,
    trie,
    segments,
    order: part.order,
    userBreakpoints: locals.map((a) => (replace ? 0 : a.userBreakpoints)),
    strategy: opts.strategy,
    maxWaves: opts.maxWaves,
    concurrency: opts.concurrency,
    readMultiplier: info.readMultiplier,
  };
  if (opts.strategy !== "none")
    part.groups = mode === "explicit" ? explicitGroups(input) : automaticGroups(input);
  else if (mode === "explicit")
    warnings.push({
      kind: "implicit-writes",
      model,
      message: `${model}: with \`strategy: "none"\` the requests keep OpenAI's default implicit breakpoint, which writes every prompt of 1,024 tokens or more at 1.25× input.`,
    });
  for (const drift of findDrift(trie, segments)) {
    warnings.push({
      kind: "prefix-drift",
      model,
      message: `${model} ${drift.segment}: ${drift.requests} requests hold nearly the same text, differing only in a short span (${JSON.stringify(drift.sample[0])} vs ${JSON.stringify(drift.sample[1])}); nothing after that span is shared, so it is not cached.${drift.early ? ` The span is within the first ~${ROUTING_PREFIX_TOKENS} tokens, which also decide routing.` : ""} Move the varying part (a date, an id) to the end of the prompt.`,
    });
  }
  return part;
}

/** Rejects requests whose estimated input alone is over the enqueued-token budget. */
function dropOversized(part: ModelPart, max: number, rejected: RejectedRequest[]): void {
  const drop = new Set<number>();
  part.tokens.forEach((t, i) => {
    if (t <= max) return;
    drop.add(i);
    const a = part.locals[i]!;
    rejected.push({
      line: a.line,
      custom_id: a.request.custom_id,
      kind: "too-large",
      reason: `The request has about ${t.toLocaleString("en-US")} input tokens, more than \`maxEnqueuedTokens\` ${max.toLocaleString("en-US")}; no batch can hold it. Raise the budget to your organisation's enqueued-token limit for ${part.model}, or shorten the request.`,
    });
  });
  if (drop.size === 0) return;
  part.order = part.order.filter((i) => !drop.has(i));
  for (const g of part.groups) {
    g.members = g.members.filter((i) => !drop.has(i));
    g.primers = g.primers.filter((i) => !drop.has(i));
  }
  part.groups = part.groups.filter((g) => g.members.length > 0);
}

/** The final body of a planned request: breakpoints, cache options and key. */
function finalBody(
  part: ModelPart,
  local: number,
  group: LocalGroup | undefined,
  opts: ResolvedOpenAIPlanOptions,
  marks: readonly LocalMark[],
): Json {
  const { request } = part.locals[local]!;
  let body: Json = request.body;
  const replace = opts.userMarkers === "replace";
  if (replace) {
    body = stripBreakpoints(request.url, body);
    if ("prompt_cache_key" in body) {
      const { prompt_cache_key: _k, ...rest } = body;
      body = rest;
    }
  }
  if (opts.strategy === "none" || part.mode === "none") return body;
  if (part.mode === "explicit") {
    const locations: OpenAILocation[] = [];
    for (const mark of marks) locations.push(part.segments[local]![mark.node.depth - 1]!.location);
    body = applyBreakpoints(request.url, body, locations);
    // Explicit mode: no implicit breakpoint, so a request's unshared tail is never written at 1.25× (OA-SDK PromptCacheOptions).
    if (!isObject(body.prompt_cache_options))
      body = { ...body, prompt_cache_options: { mode: "explicit" } };
  }
  if (
    group !== undefined &&
    (body.prompt_cache_key === undefined || body.prompt_cache_key === null)
  )
    body = { ...body, prompt_cache_key: group.key };
  return body;
}

function assemble(
  inputRequests: number,
  parts: ModelPart[],
  opts: ResolvedOpenAIPlanOptions,
  warnings: OpenAIPlanWarning[],
  rejected: RejectedRequest[],
): OpenAIPlan {
  const groups: OpenAIGroup[] = [];
  const waves: {
    leadersFirst: boolean;
    line: OpenAIBatchLine;
    model: string;
    url: OpenAIEndpoint;
    bytes: number;
    tokens: number;
    unit: number;
    wave: number;
  }[] = [];
  let breakpointsAdded = 0;
  let cacheKeysSet = 0;
  const byModel: Record<string, number> = {};
  const byCacheMode: Record<OpenAICacheMode, number> = { explicit: 0, automatic: 0, none: 0 };
  const anyPrimers =
    opts.maxWaves >= 2 && parts.some((p) => p.groups.some((x) => x.primers.length > 0));
  for (const part of parts) {
    byModel[part.model] = part.order.length;
    byCacheMode[part.mode] += part.order.length;
    const groupOf = new Map<number, number>();
    const primers = new Set<number>();
    // The marks on each request's path, outermost first (one pass, not a search per request).
    const marksOf = new Map<number, LocalMark[]>();
    for (const g of part.groups)
      for (const mark of g.marks)
        for (const r of mark.node.requests)
          (marksOf.get(r) ?? marksOf.set(r, []).get(r)!).push(mark);
    for (const g of part.groups) {
      const index = groups.length;
      for (const m of g.members) groupOf.set(m, index);
      for (const p of g.primers) primers.add(p);
      groups.push(describe(part, g, index, opts));
    }
    for (const local of part.order) {
      const unit = groupOf.get(local) ?? -1;
      const g = unit >= 0 ? part.groups[unit - (groups.length - part.groups.length)] : undefined;
      const marks = marksOf.get(local) ?? [];
      const body = finalBody(part, local, g, opts, marks);
      const original = part.locals[local]!.request;
      const line = toBatchLine({ custom_id: original.custom_id, url: original.url, body });
      if (body !== original.body) {
        breakpointsAdded += marks.length;
        if (
          body.prompt_cache_key !== original.body.prompt_cache_key &&
          body.prompt_cache_key !== undefined
        )
          cacheKeysSet += 1;
      }
      waves.push({
        line,
        model: part.model,
        url: original.url,
        bytes: Buffer.byteLength(JSON.stringify(line)),
        tokens: part.tokens[local]!,
        unit,
        wave: anyPrimers && !primers.has(local) ? 1 : 0,
        leadersFirst: part.mode === "automatic",
      });
    }
  }
  const batches = cutFiles(waves, opts, warnings);
  const lastWave = batches.reduce((m, b) => Math.max(m, b.wave), 0);
  const planned = waves.length;
  return {
    version: 1,
    target: "openai",
    options: opts,
    groups,
    batches,
    warnings,
    notes: [...OPENAI_NOTES],
    rejected: rejected.sort((a, b) => a.line - b.line),
    summary: {
      inputRequests,
      planned,
      rejected: rejected.length,
      grouped: groups.reduce((s, g) => s + g.requests, 0),
      waves: planned === 0 ? 0 : lastWave + 1,
      batches: batches.length,
      breakpointsAdded,
      cacheKeysSet,
      byModel,
      byCacheMode,
    },
  };
}

function describe(
  part: ModelPart,
  g: LocalGroup,
  index: number,
  opts: ResolvedOpenAIPlanOptions,
): OpenAIGroup {
  const id = `g${index + 1}`;
  const rep = g.members[0]!;
  const idOf = (local: number) => part.locals[local]!.request.custom_id;
  const userKey = part.locals[rep]!.request.body.prompt_cache_key;
  const keepUser = opts.userMarkers === "keep" && typeof userKey === "string";
  const breakpoints = g.marks.map((m, k) => ({
    id: `${id}.b${k + 1}`,
    segment: part.segments[m.node.requests[0]!]![m.node.depth - 1]!.label,
    depth: m.node.depth,
    prefixTokens: m.node.tokens,
    requests: m.node.requests.length,
    mode: m.mode,
    expectedWrites: m.writes,
    expectedReads: m.reads,
  }));
  const n = g.members.length;
  const tok = g.sharedTokens.toLocaleString("en-US");
  const why =
    part.mode === "automatic"
      ? `${n} requests share ~${tok} cacheable tokens (whole 128-token steps from 1,024); one \`prompt_cache_key\`; the first request goes at the front of its file and the others together after the file's other leaders, so that they start after it and can read what it wrote (requests that start together cannot).`
      : `${n} requests share ~${tok} tokens up to ${breakpoints[0]!.segment}; ${g.mode === "primed" ? `primed: ${g.primers.length} primer${g.primers.length === 1 ? "" : "s"} in wave 0 write${g.primers.length === 1 ? "s" : ""} the entr${breakpoints.length === 1 ? "y" : "ies"} (1.25×), the others read at the cached rate` : `cold: the first requests of the batch write (1.25×), later ones read`}${breakpoints.length > 1 ? `; ${breakpoints.length - 1} deeper shared prefix${breakpoints.length > 2 ? "es get their own breakpoints" : " gets its own breakpoint"}` : ""}.`;
  return {
    id,
    model: part.model,
    endpoint: part.locals[rep]!.request.url,
    cacheMode: part.mode === "explicit" ? "explicit" : "automatic",
    requests: n,
    sharedTokens: g.sharedTokens,
    promptCacheKey: keepUser ? (userKey as string) : g.key,
    keyOrigin: keepUser ? "user" : "planner",
    breakpoints,
    primers: g.primers.map(idOf),
    customIds: g.members.map(idOf),
    why,
  };
}

function cutFiles(
  lines: {
    line: OpenAIBatchLine;
    model: string;
    url: OpenAIEndpoint;
    bytes: number;
    tokens: number;
    unit: number;
    wave: number;
    leadersFirst: boolean;
  }[],
  opts: ResolvedOpenAIPlanOptions,
  warnings: OpenAIPlanWarning[],
): OpenAIPlannedBatch[] {
  const batches: OpenAIPlannedBatch[] = [];
  const lastWave = lines.reduce((m, l) => Math.max(m, l.wave), 0);
  for (let wave = 0; wave <= lastWave; wave++) {
    const streams = new Map<string, typeof lines>();
    for (const l of lines) {
      if (l.wave !== wave) continue;
      const key = `${l.model}\u0000${l.url}`;
      (streams.get(key) ?? streams.set(key, []).get(key)!).push(l);
    }
    for (const list of streams.values()) {
      const items: BatchItem[] = list.map((l) => ({
        bytes: l.bytes,
        tokens: l.tokens,
        unit: l.unit,
      }));
      const { ranges, splitUnits } = splitFiles(items, {
        maxRequests: opts.maxRequests,
        maxBytes: opts.maxBytes,
        maxTokens: opts.maxEnqueuedTokens ?? Number.POSITIVE_INFINITY,
      });
      for (const unit of splitUnits)
        warnings.push({
          kind: "group-split",
          model: list[0]!.model,
          message: `Group g${unit + 1} does not fit in one input file under the limits and is split across files; requests in different batches may not read each other's entries.`,
        });
      for (const [start, end] of ranges) {
        const slice = list.slice(start, end);
        const members = slice[0]!.leadersFirst ? leadersFirst(slice) : slice;
        batches.push({
          index: batches.length,
          wave,
          model: members[0]!.model,
          endpoint: members[0]!.url,
          requests: members.map((m) => m.line),
          requestCount: members.length,
          bytes: members.reduce((s, m) => s + m.bytes + 1, 0),
          inputTokens: members.reduce((s, m) => s + m.tokens, 0),
        });
      }
    }
  }
  return batches;
}

/**
 * A file of an automatically cached model in "leaders first" order: the first request of each
 * group, then the requests in no group, then each group's other requests, contiguous. Requests of
 * a batch start together in rounds and cannot read each other's writes (the expected-miss model),
 * so a group sent contiguously is often read by none of its own members; with its leader ahead,
 * by all that start after the leader's round. No write is billed on these models, so a leader
 * costs nothing extra (reference §4.6).
 */
function leadersFirst<T extends { unit: number }>(members: readonly T[]): T[] {
  const seen = new Set<number>();
  const leaders: T[] = [];
  const single: T[] = [];
  const rest: T[] = [];
  for (const m of members) {
    if (m.unit < 0) single.push(m);
    else if (seen.has(m.unit)) rest.push(m);
    else {
      seen.add(m.unit);
      leaders.push(m);
    }
  }
  return [...leaders, ...single, ...rest];
}
