/**
 * Public types of the OpenAI planner: the plan (`OpenAIPlan`) and its parts. A plan is written as
 * `plan.json` (without request bodies) and one JSONL input file per batch, lines in the Batch
 * API's own shape.
 */
import type { ModelTable } from "../../pricing/models.js";
import type { RejectedRequest } from "../../types.js";
import type { OpenAICacheMode } from "./caching.js";
import type { OpenAIBatchLine } from "./format.js";
import type { OpenAIEndpoint } from "./limits.js";

/** Options of `planOpenAI()`; every field is optional. */
export interface OpenAIPlanOptions {
  /** `auto` (primer waves where they pay), `primed`, `cold` (one wave) or `none` (no cache work). @default "auto" */
  strategy?: "auto" | "primed" | "cold" | "none";
  /** Breakpoints and `prompt_cache_key`s already in the requests: `keep` or `replace`. @default "keep" */
  userMarkers?: "keep" | "replace";
  /** Most requests in one input file (≤ 50,000). @default 50000 */
  maxRequests?: number;
  /** Most bytes in one input file (≤ 200 MB). @default 200000000 */
  maxBytes?: number;
  /** Most estimated input tokens in one batch: your organisation's enqueued-token limit per model. @default no limit */
  maxEnqueuedTokens?: number;
  /** Most waves (1 = no primers). @default 2 */
  maxWaves?: number | "auto";
  /** Requests of one batch assumed to run at the same time (they cannot read each other's writes). @default 64 */
  concurrency?: number;
  /** Model rows (prices, minimums); the target's built-in rows by default. */
  models?: ModelTable;
}

/** The options with defaults applied, as recorded in `plan.json`. */
export interface ResolvedOpenAIPlanOptions {
  strategy: "auto" | "primed" | "cold" | "none";
  userMarkers: "keep" | "replace";
  maxRequests: number;
  maxBytes: number;
  maxEnqueuedTokens: number | null;
  maxWaves: number;
  concurrency: number;
  counter: "o200k_base";
}

/** One `prompt_cache_breakpoint` the plan puts on every request under a shared prefix. */
export interface OpenAIBreakpoint {
  /** Stable id, e.g. `"g1.b1"`. */
  id: string;
  /** The content part it goes on, named by the first request through it, e.g. `messages[0].content[0]`. */
  segment: string;
  /** Segments in the prefix up to and including the marked one. */
  depth: number;
  /** Estimated tokens of that prefix (o200k_base). */
  prefixTokens: number;
  /** Requests that carry it. */
  requests: number;
  /** `primed`: a primer in wave 0 writes it; `cold`: the group's first requests do. */
  mode: "primed" | "cold";
  /** Expected writes and reads under the expected-miss model. */
  expectedWrites: number;
  expectedReads: number;
}

/** Requests that share a cacheable prefix. */
export interface OpenAIGroup {
  id: string;
  model: string;
  endpoint: OpenAIEndpoint;
  cacheMode: Exclude<OpenAICacheMode, "none">;
  requests: number;
  /** Estimated tokens every request of the group shares (for automatic caching: whole 128-token steps). */
  sharedTokens: number;
  /** The `prompt_cache_key` every request of the group carries (its effect in Batch is undocumented), or null. */
  promptCacheKey: string | null;
  /** `"planner"` when the planner set the key, `"user"` when the requests already had it. */
  keyOrigin: "planner" | "user" | null;
  /** Explicit breakpoints, outermost first (GPT-5.6+ only). */
  breakpoints: OpenAIBreakpoint[];
  /** `custom_id`s of the requests sent in wave 0 to write the entries. */
  primers: string[];
  /** `custom_id`s in planned order. */
  customIds: string[];
  /** Why, in a sentence or two. */
  why: string;
}

/** One input file (one batch) of the plan: one model, one endpoint. */
export interface OpenAIPlannedBatch {
  index: number;
  wave: number;
  model: string;
  endpoint: OpenAIEndpoint;
  /** The lines, ready to upload. */
  requests: OpenAIBatchLine[];
  requestCount: number;
  /** Bytes of the JSONL file (lines and newlines). */
  bytes: number;
  /** Estimated input tokens (what counts against the enqueued-token limit). */
  inputTokens: number;
}

/** A finding about the input or a decision. */
export interface OpenAIPlanWarning {
  kind:
    | "no-batch-caching"
    | "unknown-model"
    | "prefix-drift"
    | "group-split"
    | "long-custom-id"
    | "short-ttl-waves"
    | "implicit-writes";
  model?: string;
  message: string;
}

/** The result of `planOpenAI()`. */
export interface OpenAIPlan {
  version: 1;
  target: "openai";
  options: ResolvedOpenAIPlanOptions;
  groups: OpenAIGroup[];
  batches: OpenAIPlannedBatch[];
  warnings: OpenAIPlanWarning[];
  /** What the plan relies on that is not documented, said once. */
  notes: string[];
  rejected: RejectedRequest[];
  summary: {
    inputRequests: number;
    planned: number;
    rejected: number;
    grouped: number;
    waves: number;
    batches: number;
    breakpointsAdded: number;
    cacheKeysSet: number;
    byModel: Record<string, number>;
    byCacheMode: Record<OpenAICacheMode, number>;
  };
}
