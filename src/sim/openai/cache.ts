/**
 * A model of OpenAI's prompt cache (reference other-batch-systems.md §4.6), shared by the OpenAI
 * estimate and the OpenAI emulator:
 * - automatic (GPT-5 to 5.5): every prompt's prefixes of ≥ 1,024 tokens are kept; a request reads
 *   the longest kept prefix, counted in whole 128-token steps; no write fee. Prefixes are tracked
 *   at segment ends (tools, instructions, each content part), so a match inside a segment is not
 *   counted (the model errs low).
 * - explicit (GPT-5.6+): entries at `prompt_cache_breakpoint`s, exact prefix matches only; with
 *   `prompt_cache_options.mode: "implicit"` (the default) one implicit breakpoint on the last
 *   part plus the latest 3 explicit ones are written, with `"explicit"` the latest 4; a request
 *   reads its deepest live breakpoint; writes are billed on the tokens past what was read, up to
 *   the deepest breakpoint written ("A longer cache write does not bill the already cached
 *   tokens again"); prefixes under 1,024 tokens are neither read nor written.
 * - none (before GPT-5): nothing is read or written in a batch.
 * Entries live `ttl` after their last use (automatic 10 minutes in memory; explicit 30 minutes,
 * a minimum). Routing (`prompt_cache_key`, the first ~256 tokens) is not modelled: one machine.
 */
import {
  AUTOMATIC_TTL_MS,
  cacheableTokens,
  cacheModeOf,
  EXPLICIT_TTL_MS,
  MAX_BREAKPOINTS,
  MIN_CACHEABLE_TOKENS,
  type OpenAICacheMode,
} from "../../targets/openai/caching.js";
import { endpointOf } from "../../targets/openai/format.js";
import { cacheContext, segmentOpenAI } from "../../targets/openai/segments.js";
import { O200kCounter } from "../../targets/openai/tokens.js";
import { hashText } from "../../util/hash.js";
import { isObject } from "../../util/json.js";

/** A prompt as the cache sees it. */
export interface PromptView {
  model: string;
  mode: OpenAICacheMode;
  /** Identity of the prefix ending at each segment. */
  prefixIds: string[];
  /** Tokens up to the end of each segment. */
  cumTokens: number[];
  /** Segment indices whose end is written (explicit mode; the implicit one included). */
  writes: number[];
  /** Segment indices whose end may be read (every breakpoint of the request). */
  reads: number[];
  /** Prompt tokens in all. */
  total: number;
}

/** What one request got from the cache. */
export interface CacheUse {
  cached: number;
  written: number;
}

/** The cache's view of a request body. */
export function promptView(
  body: Record<string, unknown>,
  counter: O200kCounter = new O200kCounter(),
): PromptView {
  const url = endpointOf(body);
  const model = String(body.model);
  const mode = cacheModeOf(model);
  const segments = segmentOpenAI(
    url,
    body,
    cacheContext(url, { ...body, prompt_cache_key: undefined }),
  );
  const prefixIds: string[] = [];
  const cumTokens: number[] = [];
  let id = model;
  let tokens = 0;
  for (const s of segments) {
    id = hashText(`${id}\u0002${s.key}`);
    tokens += counter.segment(s);
    prefixIds.push(id);
    cumTokens.push(tokens);
  }
  const marked = segments.flatMap((s, i) => (s.marked ? [i] : []));
  const options = isObject(body.prompt_cache_options) ? body.prompt_cache_options : undefined;
  const implicit = options?.mode !== "explicit";
  let writes: number[] = [];
  let reads: number[] = [];
  if (mode === "explicit") {
    const last = segments.length - 1;
    writes = implicit
      ? [
          ...marked.slice(-(MAX_BREAKPOINTS - 1)),
          ...(last >= 0 && !marked.includes(last) ? [last] : []),
        ]
      : marked.slice(-MAX_BREAKPOINTS);
    reads = [...new Set([...marked, ...writes])].sort((a, b) => a - b);
  } else if (mode === "automatic") {
    writes = segments.map((_, i) => i);
    reads = writes;
  }
  return { model, mode, prefixIds, cumTokens, writes, reads, total: tokens };
}

/** The cache: entries by prefix id with their expiry. */
export class OpenAICacheModel {
  readonly #entries = new Map<string, number>();
  readonly #ttl: Record<"automatic" | "explicit", number>;

  constructor(ttl: Partial<Record<"automatic" | "explicit", number>> = {}) {
    this.#ttl = {
      automatic: ttl.automatic ?? AUTOMATIC_TTL_MS,
      explicit: ttl.explicit ?? EXPLICIT_TTL_MS,
    };
  }

  /** Tokens the request reads at `now` (refreshing the entry it reads). */
  read(v: PromptView, now: number): number {
    if (v.mode === "none") return 0;
    for (let k = v.reads.length - 1; k >= 0; k--) {
      const i = v.reads[k]!;
      if (v.cumTokens[i]! < MIN_CACHEABLE_TOKENS) break;
      const key = `${v.mode}:${v.prefixIds[i]}`;
      const expiry = this.#entries.get(key);
      if (expiry !== undefined && expiry > now) {
        this.#entries.set(key, now + this.#ttl[v.mode]);
        return v.mode === "automatic" ? cacheableTokens(v.cumTokens[i]!) : v.cumTokens[i]!;
      }
    }
    return 0;
  }

  /** Records what the request writes at `now`; returns the billable written tokens (0 for automatic). */
  write(v: PromptView, cached: number, now: number): number {
    if (v.mode === "none") return 0;
    let deepest = -1;
    for (const i of v.writes) {
      if (v.cumTokens[i]! < MIN_CACHEABLE_TOKENS) continue;
      this.#entries.set(`${v.mode}:${v.prefixIds[i]}`, now + this.#ttl[v.mode]);
      deepest = Math.max(deepest, i);
    }
    if (v.mode === "automatic" || deepest < 0) return 0;
    return Math.max(0, v.cumTokens[deepest]! - cached);
  }

  /** Read then write, one request on its own. */
  serve(v: PromptView, now: number): CacheUse {
    const cached = this.read(v, now);
    return { cached, written: this.write(v, cached, now) };
  }

  /** Entries alive at `now` (for tests). */
  size(now: number): number {
    let n = 0;
    for (const expiry of this.#entries.values()) if (expiry > now) n++;
    return n;
  }
}
