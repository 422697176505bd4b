/**
 * A model of the provider's prompt cache: entries keyed by (workspace, model, exact prefix up to a
 * breakpoint), the API's breakpoint rules, lookback, minimums, TTLs, visibility, and usage as the
 * API reports it. Pure and in virtual time (milliseconds); `simulate()` and the HTTP emulator
 * drive it.
 *
 * Reference: shared/reference/anthropic-caching-and-batches.md, §1, §3, §8 and facts 1-19.
 */
import type Anthropic from "@anthropic-ai/sdk";
import { defaultModelTable, type ModelTable } from "../pricing/models.js";
import { rowOf } from "../pricing/unknown-model.js";
import { ContextInterner, segmentRequest } from "../request/segments.js";
import { countMarkers } from "../request/validate.js";
import { LOOKBACK_POSITIONS, MAX_BREAKPOINTS, TTL_MS } from "../targets/anthropic/caching.js";
import type { BatchRequest, CacheTtl } from "../types.js";
import { seededRandom } from "../util/random.js";
import { resolveMarks, type TtlOrderViolation, tooManyMarkersMessage } from "./_resolve.js";
import type { TokensOf } from "./tokens.js";

export type { TtlOrderViolation } from "./_resolve.js";

/** The API a request came through: a Message Batch or the synchronous Messages API. */
export type CacheSource = "batch" | "messages";

/** A breakpoint of a prepared request, as the API resolves it. */
export interface ResolvedBreakpoint {
  /** Index of the marked segment in prefix order (`tools → system → messages`). */
  segment: number;
  /** Where the marked block is, e.g. `"system[0]"`. */
  label: string;
  /** TTL of the marker. */
  ttl: CacheTtl;
  /** Lookback position of the marked segment (tool_use / tool_result runs folded, fact 3). */
  position: number;
  /** Tokens of the prefix up to and including the marked segment. */
  tokens: number;
  /** Whether `tokens` reaches the model's minimum; below it the breakpoint reads and writes nothing (fact 4). */
  cacheable: boolean;
  /** `"explicit"` for a `cache_control` on a block, `"top-level"` for the automatic marker (§1.4). */
  origin: "explicit" | "top-level";
}

/** A request ready for the cache: segments keyed, tokens summed, breakpoints resolved. */
export interface PreparedRequest {
  /** The request's `custom_id`. */
  custom_id: string;
  /** Its model; caches are per model (reference §1.6). */
  model: string;
  /** Its workspace; caches are per workspace (reference §1.7). */
  workspace: string;
  /** Its `max_tokens`. */
  maxTokens: number;
  /** Tokens of the whole prompt: the sum over segments. */
  totalTokens: number;
  /** The model's minimum cacheable prefix (the conservative 4,096 for a model the table does not know). */
  minimum: number;
  /** Breakpoints in prefix order, at most 4. */
  breakpoints: readonly ResolvedBreakpoint[];
  /** Per segment, in prefix order: its label. */
  labels: readonly string[];
  /** Per segment: its lookback position. */
  positions: readonly number[];
  /** Per segment: tokens of the prefix up to and including it. */
  cumulativeTokens: readonly number[];
  /** Per segment: an id of the exact prefix up to and including it, equal across requests iff the prefixes are. */
  prefixIds: readonly number[];
}

/** The outcome of {@link CacheState.prepare}: a prepared request, or the 400 the API would give. */
export type Preparation =
  | { ok: true; request: PreparedRequest }
  | {
      ok: false;
      custom_id: string;
      error: Anthropic.InvalidRequestErrorObject;
    };

/** The cache part of `Usage`, as the API reports it (reference fact 17, §8). */
export interface CacheUsage {
  /** Tokens after the last cacheable breakpoint; all of them when nothing could be cached. */
  input_tokens: number;
  /** Tokens written to the cache: 5m and 1h writes together. */
  cache_creation_input_tokens: number;
  /** Tokens read from the cache. */
  cache_read_input_tokens: number;
  /** The write split by TTL; the two fields sum to `cache_creation_input_tokens`. */
  cache_creation: Anthropic.Messages.CacheCreation;
}

/** A breakpoint written by a request. */
export interface CacheWrite {
  /** Index of the marked segment. */
  segment: number;
  /** Its label. */
  label: string;
  /** Tokens of the prefix written. */
  tokens: number;
  /** TTL of the entry. */
  ttl: CacheTtl;
}

/** What one request gets from the cache at a moment: read-only until {@link CacheState.commit}. */
export interface CacheLookup {
  /** The request. */
  request: PreparedRequest;
  /** When it starts, in virtual ms: lookups, TTLs and refreshes count from here (fact 7). */
  start: number;
  /** Whether it came through a batch or the Messages API. */
  source: CacheSource;
  /** The usage the API would report. */
  usage: CacheUsage;
  /** The entry read (the highest hit), or `null` on a miss. */
  read: {
    segment: number;
    label: string;
    tokens: number;
    /** Index in `request.breakpoints` of the breakpoint whose lookback found it. */
    breakpoint: number;
  } | null;
  /** The breakpoints beyond the hit that this request writes. */
  writes: readonly CacheWrite[];
}

/** A cache entry, as {@link CacheState.peek} shows it. */
export interface CacheEntry {
  /** TTL the entry was last written or refreshed with. */
  ttl: CacheTtl;
  /** When it becomes readable: when the first response that wrote it starts (fact 14). */
  readableAt: number;
  /**
   * When it becomes readable to batch requests for sure: when the first batch response that wrote
   * it starts; `null` while only Messages calls wrote it, when batches see it only with the
   * `syncToBatchVisibility` probability (fact 15).
   */
  batchReadableAt: number | null;
  /** When it is gone: its last write or read start plus its TTL (fact 7). A read at `expiresAt` misses. */
  expiresAt: number;
}

/** Options of {@link CacheState}. */
export interface CacheStateOptions {
  /**
   * Model table for minimum cacheable tokens.
   * @default defaultModelTable
   */
  models?: ModelTable;
  /**
   * Probability that a batch request's lookup sees an entry written only by synchronous Messages
   * calls. Drawn per lookup, so 0.16 reproduces the 16% measured after a synchronous pre-warm in
   * reference §10, and 0 the community measurement of ISS-1475 (reference fact 15, §1.7).
   * @default 0
   */
  syncToBatchVisibility?: number;
  /**
   * Probability that a batch request's lookup sees a live entry that a batch request wrote and
   * that is readable by then: the "best-effort" of reference fact 16 (BP-en: hit rates "30% to
   * 98%"). Drawn per lookup. 1 follows the field data of reference §10 (a primer batch, then 100%
   * reads); `cacheplan probe` measures it as the primer hit rate.
   * @default 1
   */
  batchReadRate?: number;
  /**
   * Extra time after the documented moment (the writing response's start, fact 14; a synchronous
   * call's start, see `_request-run.ts`) before an entry is readable, in ms. No source gives one;
   * `cacheplan probe --long` bounds it.
   * @default 0
   */
  visibilityDelayMs?: number;
  /**
   * Lifetime of an entry per TTL, in ms (fact 7). `cacheplan probe --long` bounds it.
   * @default TTL_MS (5 and 60 minutes, reference §3)
   */
  ttlMs?: Readonly<Partial<Record<CacheTtl, number>>>;
  /**
   * Seed of the visibility draws.
   * @default 1
   */
  seed?: number;
}

function shorter(a: CacheTtl, b: CacheTtl): CacheTtl {
  return a === "5m" || b === "5m" ? "5m" : "1h";
}

/**
 * The provider's cache in virtual time. Use {@link CacheState.prepare} once per request, then, at
 * the request's start, {@link CacheState.lookup} and {@link CacheState.commit} (before the next
 * lookup) with the time its response starts.
 */
export class CacheState {
  readonly #models: ModelTable;
  readonly #visibility: number;
  readonly #batchReadRate: number;
  readonly #visibilityDelayMs: number;
  readonly #ttlMs: Readonly<Record<CacheTtl, number>>;
  readonly #random: () => number;
  readonly #interner = new ContextInterner();
  readonly #prefixIds = new Map<number, Map<string, number>>();
  #nextPrefixId = 0;
  readonly #spaces = new Map<string, Map<number, CacheEntry>>();
  #entries = 0;

  constructor(options: CacheStateOptions = {}) {
    this.#models = options.models ?? defaultModelTable;
    this.#visibility = options.syncToBatchVisibility ?? 0;
    this.#batchReadRate = options.batchReadRate ?? 1;
    this.#visibilityDelayMs = options.visibilityDelayMs ?? 0;
    this.#ttlMs = { ...TTL_MS, ...options.ttlMs };
    this.#random = seededRandom((options.seed ?? 1) ^ 0x5eed_0015);
  }

  /** Number of distinct prefixes written so far (expired entries included). */
  get size(): number {
    return this.#entries;
  }

  /**
   * Splits a request into segments, sums their tokens, keys every prefix and resolves the
   * breakpoints, or returns the 400 the API would give: more than 4 markers (fact 2), a top-level
   * marker whose TTL differs from the explicit one on the last block (§1.4), a marker on a block
   * that cannot carry one (§1.5), or a 1h marker after a 5m one unless `ttlOrderViolation` is
   * `"as-written"` (fact 6).
   */
  prepare(
    request: BatchRequest,
    tokensOf: TokensOf,
    options: { workspace?: string; ttlOrderViolation?: TtlOrderViolation } = {},
  ): Preparation {
    const params = request.params as unknown as Record<string, unknown>;
    const fail = (message: string): Preparation => ({
      ok: false,
      custom_id: request.custom_id,
      error: { type: "invalid_request_error", message },
    });
    if (!Array.isArray(params.messages)) return fail("messages: Field required");
    const found = countMarkers(params);
    if (found > MAX_BREAKPOINTS) return fail(tooManyMarkersMessage(found));
    const segmented = segmentRequest(request, this.#interner);
    const resolution = resolveMarks(segmented, options.ttlOrderViolation ?? "error");
    if (!resolution.ok) return fail(resolution.message);

    const model = String(params.model);
    const minimum = rowOf(this.#models, model).info.minCacheableTokens;
    const { segments } = segmented;
    const labels: string[] = [];
    const positions: number[] = [];
    const cumulativeTokens: number[] = [];
    const prefixIds: number[] = [];
    let total = 0;
    let parent = -1;
    for (const segment of segments) {
      total += tokensOf(segment, model);
      // The cache key is the exact cumulative prefix (fact 1); intern it as a chain of ids.
      let children = this.#prefixIds.get(parent);
      if (children === undefined) {
        children = new Map();
        this.#prefixIds.set(parent, children);
      }
      let id = children.get(segment.key);
      if (id === undefined) {
        id = this.#nextPrefixId++;
        children.set(segment.key, id);
      }
      parent = id;
      labels.push(segment.label);
      positions.push(segment.position);
      cumulativeTokens.push(total);
      prefixIds.push(id);
    }
    const breakpoints = resolution.marks.map(
      (mark): ResolvedBreakpoint => ({
        segment: mark.segment,
        label: labels[mark.segment]!,
        ttl: mark.ttl,
        position: positions[mark.segment]!,
        tokens: cumulativeTokens[mark.segment]!,
        // Fact 4: a shorter prefix is silently not cached; exactly the minimum is cached.
        cacheable: cumulativeTokens[mark.segment]! >= minimum,
        origin: mark.origin,
      }),
    );
    return {
      ok: true,
      request: {
        custom_id: request.custom_id,
        model,
        workspace: options.workspace ?? "default",
        maxTokens: typeof params.max_tokens === "number" ? params.max_tokens : 0,
        totalTokens: total,
        minimum,
        breakpoints,
        labels,
        positions,
        cumulativeTokens,
        prefixIds,
      },
    };
  }

  /**
   * What `request` gets from the cache when it starts at `start`. Changes nothing except the
   * visibility draws; apply it with {@link CacheState.commit}.
   *
   * Lookup (§1.1, fact 3): from the last cacheable breakpoint, check its own position, then walk
   * back one position at a time, `LOOKBACK_POSITIONS` positions in all counting the breakpoint's;
   * on a miss resume from the next earlier breakpoint; stop at the first entry found. Only
   * entries earlier requests wrote, readable (fact 14) and not expired (fact 7), are found.
   *
   * Billing (§3 "Mixing TTLs", fact 17): A = tokens at the hit (0 on a miss), B = the last 1h
   * breakpoint after A (or A), C = the last cacheable breakpoint (or A); read A, 1h write B − A,
   * 5m write C − B, `input_tokens` = total − C.
   */
  lookup(request: PreparedRequest, start: number, source: CacheSource): CacheLookup {
    const space = this.#spaces.get(spaceKey(request));
    const { breakpoints, positions, prefixIds, cumulativeTokens, labels } = request;
    let read: CacheLookup["read"] = null;
    let next = Number.POSITIVE_INFINITY; // lowest segment index not yet checked
    for (let b = breakpoints.length - 1; b >= 0 && read === null && space; b--) {
      const bp = breakpoints[b]!;
      if (!bp.cacheable) continue;
      const floor = bp.position - (LOOKBACK_POSITIONS - 1);
      let j = Math.min(bp.segment, next - 1);
      for (; j >= 0 && positions[j]! >= floor; j--) {
        const entry = space.get(prefixIds[j]!);
        if (entry !== undefined && this.#visible(entry, start, source)) {
          read = { segment: j, label: labels[j]!, tokens: cumulativeTokens[j]!, breakpoint: b };
          break;
        }
      }
      next = Math.min(next, j + 1);
    }

    const a = read?.tokens ?? 0;
    let b1h = a;
    let c = a;
    const writes: CacheWrite[] = [];
    for (const bp of breakpoints) {
      if (!bp.cacheable || (read !== null && bp.segment <= read.segment)) continue;
      writes.push({ segment: bp.segment, label: bp.label, tokens: bp.tokens, ttl: bp.ttl });
      if (bp.ttl === "1h") b1h = bp.tokens;
      c = bp.tokens;
    }
    return {
      request,
      start,
      source,
      read,
      writes,
      usage: {
        input_tokens: request.totalTokens - c,
        cache_creation_input_tokens: c - a,
        cache_read_input_tokens: a,
        cache_creation: { ephemeral_5m_input_tokens: c - b1h, ephemeral_1h_input_tokens: b1h - a },
      },
    };
  }

  /**
   * Applies a lookup: refreshes the entry read and writes an entry at every breakpoint beyond
   * it, readable from `responseStart` (when the response starts, fact 14) plus `visibilityDelayMs` and alive for its TTL from
   * the lookup's start (fact 7).
   *
   * Refresh (fact 7): the entry read lives on until the lookup's start plus the shorter of its
   * TTL and the reading breakpoint's TTL. Whether a read through a 5m breakpoint extends a 1h
   * entry is undocumented (§9); the shorter TTL is the conservative choice. A refresh never
   * shortens a lifetime.
   */
  commit(lookup: CacheLookup, responseStart: number): void {
    const { request, start, source, read } = lookup;
    const readableAt = responseStart + this.#visibilityDelayMs;
    const key = spaceKey(request);
    let space = this.#spaces.get(key);
    if (space === undefined) {
      space = new Map();
      this.#spaces.set(key, space);
    }
    if (read !== null) {
      const entry = space.get(request.prefixIds[read.segment]!);
      const via = request.breakpoints[read.breakpoint]!;
      if (entry !== undefined) {
        entry.expiresAt = Math.max(
          entry.expiresAt,
          start + this.#ttlMs[shorter(entry.ttl, via.ttl)],
        );
      }
    }
    for (const write of lookup.writes) {
      const id = request.prefixIds[write.segment]!;
      const expiresAt = start + this.#ttlMs[write.ttl];
      const batchReadableAt = source === "batch" ? readableAt : null;
      const existing = space.get(id);
      if (existing !== undefined && existing.expiresAt > start) {
        // A write of a live prefix: a concurrent writer (the entry is not readable yet) or a
        // batch request that did not see a Messages-only entry. One entry, readable as soon as
        // either writer's response starts, alive as long as the longer lifetime.
        existing.readableAt = Math.min(existing.readableAt, readableAt);
        if (batchReadableAt !== null) {
          existing.batchReadableAt = Math.min(
            existing.batchReadableAt ?? batchReadableAt,
            batchReadableAt,
          );
        }
        if (expiresAt > existing.expiresAt) {
          existing.expiresAt = expiresAt;
          existing.ttl = write.ttl;
        }
      } else {
        if (existing === undefined) this.#entries += 1;
        space.set(id, { ttl: write.ttl, readableAt, batchReadableAt, expiresAt });
      }
    }
  }

  /** A copy of the entry at a prepared request's segment, if one was written (expired or not). */
  peek(request: PreparedRequest, segment: number): CacheEntry | undefined {
    const id = request.prefixIds[segment];
    const entry = id === undefined ? undefined : this.#spaces.get(spaceKey(request))?.get(id);
    return entry === undefined ? undefined : { ...entry };
  }

  #visible(entry: CacheEntry, time: number, source: CacheSource): boolean {
    if (time < entry.readableAt || time >= entry.expiresAt) return false;
    if (source === "messages") return true;
    if (entry.batchReadableAt !== null && time >= entry.batchReadableAt) {
      // Fact 16: batch hits are best-effort; no draw at the default 1, so runs are unchanged.
      return this.#batchReadRate >= 1 || this.#random() < this.#batchReadRate;
    }
    // Fact 15: an entry written only by synchronous Messages calls is not reliably visible to
    // batches (ISS-1475 measured 0 reads; reference §10 measured 16%).
    return this.#visibility > 0 && this.#random() < this.#visibility;
  }
}

function spaceKey(request: PreparedRequest): string {
  // Caches are isolated per workspace (§1.7) and per model (§1.6).
  return `${request.workspace}\u0000${request.model}`;
}
