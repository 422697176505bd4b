import type Anthropic from "@anthropic-ai/sdk";
import type { PlanWarning } from "./plan/warnings.js";

/** One request of a Message Batch, exactly as `client.messages.batches.create()` takes it. */
export type BatchRequest = Anthropic.Messages.Batches.BatchCreateParams.Request;

/** The time-to-live of a cache entry: `"5m"` (the API default) or `"1h"`. */
export type CacheTtl = "5m" | "1h";

/**
 * How the planner uses caching:
 * - `"auto"`: per shared prefix, the cheapest of priming, cold breakpoints or nothing, under the
 *   expected-miss model.
 * - `"primed"`: breakpoints plus primer waves wherever priming pays.
 * - `"cold"`: breakpoints where they pay without priming; one wave.
 * - `"none"`: no markers added (markers already in the requests are kept or removed per
 *   `userMarkers`).
 */
export type Strategy = (typeof STRATEGIES)[number];

/** Every `Strategy`, in the order help and error messages list them (the one list of them). */
export const STRATEGIES = ["auto", "primed", "cold", "none"] as const;

/** Where a segment sits in the cache prefix order `tools → system → messages`. */
export type SegmentLevel = "tools" | "system" | "messages";

/** Options of `plan()`. Every field is optional. */
export interface PlanOptions {
  /**
   * How caching is used; see `Strategy`.
   * @default "auto"
   */
  strategy?: Strategy;
  /**
   * TTL of the markers the planner adds. `"auto"` uses `1h` for primed prefixes (batches usually
   * take 5 minutes to 1 hour, so a 5m entry written in wave 0 is gone before wave 1 runs) and `5m`
   * for cold ones.
   * @default "auto"
   */
  ttl?: "auto" | CacheTtl;
  /**
   * Markers already in the requests: `"keep"` them (they count toward the limit of 4) or
   * `"replace"` them (remove every existing `cache_control`, the top-level one included, then
   * plan from scratch).
   * @default "keep"
   */
  userMarkers?: "keep" | "replace";
  /**
   * Most requests in one batch. The API allows 100,000.
   * @default 100000
   */
  maxRequests?: number;
  /**
   * Most bytes in one batch, measured on the serialized body `{"requests":[...]}`. The API
   * allows 256 MB.
   * @default 256000000
   */
  maxBytes?: number;
  /**
   * Most waves. With 2, all primers go in wave 0 and everything else in wave 1. With more, nested
   * shared prefixes (a document under shared instructions) are primed level by level, so that no
   * entry is written twice, at the price of one more batch round-trip per level. `"auto"` uses 2,
   * or 3 when priming nested prefixes level by level lowers the expected cost of the cached
   * prefixes by at least 1%.
   * @default "auto"
   */
  maxWaves?: number | "auto";
  /**
   * The processing queue the job will run through (the `maxQueued` of `submit()`): when the job
   * has more requests, it is cut into slices of at most this many readers, group by group, each
   * slice's primers in a wave just before its readers (see the `queue-slices` warning). Recorded
   * in `plan.json` only when given.
   * @default undefined (not sliced)
   */
  maxQueued?: number;
  /**
   * The expected-miss model's assumption of how many requests of one batch the provider runs at
   * the same time. Requests that start together cannot read each other's writes, so a cold group
   * of `n` requests is expected to write `min(n, concurrency)` times. Field data: cold batches of
   * 10 to 48 requests got 0% reads (reference §10).
   * @default 64
   */
  concurrency?: number;
  /**
   * Split a text block at a prefix it shares with other requests (a templated string: shared
   * instructions, a shared document, then the question) into consecutive text blocks, and mark the
   * shared part like any other breakpoint. The text is unchanged; a string content becomes a list
   * of text blocks. Without it, such prefixes are reported in a `split-text` warning with the
   * saving they would bring.
   * @default false
   */
  splitText?: boolean;
  /** Token counter for prefix lengths. Defaults to the offline js-tiktoken estimate. */
  counter?: import("./tokens/counter.js").TokenCounter;
  /** Model table (prices, minimum cacheable tokens). Defaults to the built-in table. */
  models?: import("./pricing/models.js").ModelTable;
  /**
   * The batch system the plan is for: its limits (`maxRequests`, `maxBytes`), caching rules and
   * model rows: `"anthropic"` (the Message Batches API), `"vertex"` (Vertex AI batch prediction),
   * `"bedrock"` (Amazon Bedrock batch inference). Recorded in `plan.json` (`options.target`) when
   * not `"anthropic"`.
   * @default "anthropic"
   */
  target?: import("./targets/index.js").TargetId;
}

/** `PlanOptions` with every default applied, as recorded in `plan.json`. */
export interface ResolvedPlanOptions {
  strategy: Strategy;
  ttl: "auto" | CacheTtl;
  userMarkers: "keep" | "replace";
  maxRequests: number;
  maxBytes: number;
  maxWaves: number | "auto";
  /** Present only when given: the queue the job was sliced for. */
  maxQueued?: number;
  concurrency: number;
  counter: string;
  /** Present (and true) only when text blocks are split at shared prefixes. */
  splitText?: true;
  /** The batch system, present only when it is not `"anthropic"` (so older plans read the same). */
  target?: import("./targets/index.js").TargetId;
}

/** Why a request was not planned. */
export type RejectReason =
  | "invalid-json"
  | "invalid-utf8"
  | "too-deep"
  | "not-an-object"
  | "invalid-custom-id"
  | "duplicate-custom-id"
  | "missing-field"
  | "invalid-field"
  | "stream-not-allowed"
  | "speed-not-allowed"
  | "max-tokens-zero"
  | "too-many-markers"
  | "invalid-marker"
  | "conflicting-markers"
  | "too-large";

/** A request the planner could not plan, and why. Nothing is dropped silently. */
export interface RejectedRequest {
  /** 1-based line in the JSONL source, or 1-based position in the input iterable. */
  line: number;
  /** The source file, when the request came from one. */
  source?: string;
  /** The request's `custom_id`, when it has a readable one. */
  custom_id?: string;
  /** A machine-readable reason. */
  kind: RejectReason;
  /** What is wrong and what to do, for a person. */
  reason: string;
}

/** A `cache_control` marker the plan puts on every request of a breakpoint's subtree. */
export interface PlannedBreakpoint {
  /** Stable id within the plan, e.g. `"g1.b2"`. */
  id: string;
  /** Where the marker goes, e.g. `"system[0]"`, `"tools[3]"`, `"messages[0].content[1]"`. */
  segment: string;
  /** Number of segments in the prefix up to and including the marked one. */
  depth: number;
  /** Estimated tokens of the prefix up to and including the marked segment. */
  prefixTokens: number;
  /** Requests that carry this marker. */
  requests: number;
  /** TTL of the marker. */
  ttl: CacheTtl;
  /** `"primed"`: written by a primer in an earlier wave; `"cold"`: written by the group's first requests. */
  mode: "primed" | "cold";
  /** `"planner"` when the planner placed it, `"user"` when it was already in every request. */
  origin: "planner" | "user";
  /** Expected writes of this entry under the expected-miss model. */
  expectedWrites: number;
  /** Expected reads of this entry under the expected-miss model. */
  expectedReads: number;
}

/** Requests that share a cached prefix: one top-level breakpoint and the breakpoints under it. */
export interface PlannedGroup {
  /** Stable id within the plan, e.g. `"g1"`. */
  id: string;
  /** Model of every request in the group (caches are per model). */
  model: string;
  /** Number of requests. */
  requests: number;
  /** Estimated tokens of the prefix every request in the group shares. */
  sharedTokens: number;
  /** Breakpoints, outermost first. */
  breakpoints: PlannedBreakpoint[];
  /** `custom_id`s of the requests sent in an earlier wave to write the entries. */
  primers: string[];
  /**
   * Expected input cost in base-input token units (tokens × price multiplier, before the batch
   * discount and the model's price): without caching, and under the plan.
   */
  inputUnits: { uncached: number; planned: number };
  /** Why the planner decided what it did, in a sentence or two. */
  why: string;
  /** `custom_id`s of the group's requests, in planned order. */
  customIds: string[];
}

/** One batch of the plan. */
export interface PlannedBatch {
  /** Batch index in the plan, 0-based, in submission order. */
  index: number;
  /** The wave the batch belongs to (0 = primers, when there are primers). */
  wave: number;
  /** The requests, with their markers, ready for `batches.create()`. */
  requests: BatchRequest[];
  /** Number of requests. */
  requestCount: number;
  /**
   * Bytes of the serialized body `{"requests":[...]}`; for a target whose batch is a JSONL file
   * (`target` set), the bytes of that file in the target's record format.
   */
  bytes: number;
  /** The model of every request, for a target that takes one model per batch (job). */
  model?: string;
  /** The model id the target's job names (e.g. `global.anthropic.claude-sonnet-4-6`), with `model`. */
  jobModel?: string;
}

/** The result of `plan()`. */
export interface Plan {
  /** Plan format version. */
  version: 1;
  /** The options used, defaults applied. */
  options: ResolvedPlanOptions;
  /** Groups, in planned order. */
  groups: PlannedGroup[];
  /** Batches, in submission order. */
  batches: PlannedBatch[];
  /** Findings about the input and the decisions, as data. */
  warnings: PlanWarning[];
  /** Requests not planned, with the reason. */
  rejected: RejectedRequest[];
  /** Totals. */
  summary: PlanSummary;
}

/** Totals of a plan. */
export interface PlanSummary {
  /** Requests read from the input. */
  inputRequests: number;
  /** Requests placed in a batch. `planned + rejected = inputRequests`. */
  planned: number;
  /** Requests rejected. */
  rejected: number;
  /** Requests in a group (sharing a cached prefix). */
  grouped: number;
  /** Number of waves. */
  waves: number;
  /** Number of batches. */
  batches: number;
  /** Markers the planner added, over all requests. */
  markersAdded: number;
  /** Markers removed (only with `userMarkers: "replace"`). */
  markersRemoved: number;
  /** Requests per model. */
  byModel: Record<string, number>;
}
