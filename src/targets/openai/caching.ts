/**
 * How OpenAI's prompt cache works inside a batch, per model family. Reference:
 * ../shared/reference/other-batch-systems.md §4.6 (OA-CB cookbook, OA-PC guide, OA-SDK types).
 */

/**
 * How a model caches in a batch:
 * - `"explicit"`: GPT-5.6 and later: `prompt_cache_breakpoint`s on content parts (≤ 4 writes a
 *   request), a 30-minute minimum TTL, writes billed 1.25× (OA-PC, OA-SDK).
 * - `"automatic"`: GPT-5 to GPT-5.5: prefix caching with no markers, from 1,024 tokens in
 *   128-token steps, routed by the first ~256 tokens and `prompt_cache_key` (OA-CB, OA-2024).
 * - `"none"`: models before GPT-5: "pre-GPT-5 models are not supported" for caching on the
 *   Batch API (OA-CB).
 */
export type OpenAICacheMode = "explicit" | "automatic" | "none";

/** Smallest prompt that is cached: 1,024 tokens (OA-CB, OA-2024, OA-PC for 5.6+). */
export const MIN_CACHEABLE_TOKENS = 1024;

/** Automatic caching hits "in increments of 128 tokens" past the minimum (OA-CB, OA-2024). */
export const CACHE_STEP_TOKENS = 128;

/** Requests are routed by a hash of about the first 256 tokens (and `prompt_cache_key`) (OA-CB). */
export const ROUTING_PREFIX_TOKENS = 256;

/** "Each request can write up to four breakpoints" (OA-SDK `prompt_cache_options`). */
export const MAX_BREAKPOINTS = 4;

/** `prompt_cache_options.ttl`: `30m`, "currently the only supported value", a minimum lifetime (OA-SDK). */
export const EXPLICIT_TTL = "30m";

/** 30 minutes in ms. */
export const EXPLICIT_TTL_MS = 30 * 60_000;

/**
 * In-memory retention of automatic caching: cleared after 5-10 minutes of inactivity, at most an
 * hour (reference §4.6, OA-SDK `prompt_cache_retention`, MS-PC). The emulator uses 10 minutes.
 */
export const AUTOMATIC_TTL_MS = 10 * 60_000;

/** A model id as `{major, minor}` when it is a `gpt-<major>[.<minor>]` id, else `undefined`. */
export function gptVersion(model: string): { major: number; minor: number } | undefined {
  const m = /^(?:ft:)?gpt-(\d+)(?:\.(\d+))?(?![\d.])/.exec(model);
  if (!m) return undefined;
  return { major: Number(m[1]), minor: m[2] === undefined ? 0 : Number(m[2]) };
}

/**
 * The cache mode of a model by its family (reference §4.6): GPT-6 and GPT-5.6+ explicit, GPT-5 to
 * 5.5 automatic, everything else (gpt-4o, gpt-4.1, o3, o4-mini, unknown ids) none. An unknown id
 * gets `"none"`: the planner never counts on a hit it cannot show.
 */
export function cacheModeOf(model: string): OpenAICacheMode {
  const v = gptVersion(model);
  if (v === undefined || v.major < 5) return "none";
  if (v.major > 5 || v.minor >= 6) return "explicit";
  return "automatic";
}

/** Tokens of a prompt that an automatic hit can cover: 0 below 1,024, else whole 128-token steps. */
export function cacheableTokens(tokens: number): number {
  if (tokens < MIN_CACHEABLE_TOKENS) return 0;
  return Math.floor(tokens / CACHE_STEP_TOKENS) * CACHE_STEP_TOKENS;
}
