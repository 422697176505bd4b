/**
 * The exact counter: the API's own counts from `messages.countTokens` (reference §6: free, its own
 * rate limits, returns only `input_tokens`, ignores `cache_control`). Used only when asked
 * (`--count exact`). Each distinct prefix is counted once, concurrency is limited with `p-limit`,
 * and counts are cached on disk by content hash, so a second run makes no calls.
 *
 * The SDK is imported on first use, so importing cacheplan does not load it.
 */
import type Anthropic from "@anthropic-ai/sdk";
import stableStringify from "fast-json-stable-stringify";
import pLimit from "p-limit";
import { CacheplanError, EnvironmentError } from "../errors.js";
import type { ModelTable } from "../pricing/models.js";
import { createClient } from "../targets/anthropic/client.js";
import { sha256Base64url } from "../util/hash.js";
import type { Json } from "../util/json.js";
import { CountCache } from "./_count-cache.js";
import type { SegmentCountRequest, TokenCounter } from "./counter.js";
import { createTiktokenCounter } from "./tiktoken.js";

/** One prompt (or prompt prefix) to count with `messages.countTokens`. */
export interface PrefixCountRequest {
  /**
   * `messages.countTokens` params: `model` and `messages`, and optionally `system`, `tools`,
   * `tool_choice`, `thinking`, `output_config`. `cache_control` is removed before counting.
   */
  params: Record<string, unknown>;
  /**
   * `true`: a whole request, counted as it is. `false`: a prefix, counted with a minimal final
   * user turn appended, minus that turn's own count (the API counts only prompts that end in a
   * user turn).
   */
  complete: boolean;
}

/** A counter that can also count whole prompts and prompt prefixes, each distinct one once. */
export interface PrefixTokenCounter extends TokenCounter {
  /** Token counts, in the order of `prefixes`. */
  countPrefixes(prefixes: readonly PrefixCountRequest[]): Promise<number[]>;
}

/** Whether `counter` can count prefixes (see {@link PrefixTokenCounter}). */
export function isPrefixCounter(counter: TokenCounter): counter is PrefixTokenCounter {
  return typeof (counter as Partial<PrefixTokenCounter>).countPrefixes === "function";
}

/** Options of {@link createExactCounter}. */
export interface ExactCounterOptions {
  /**
   * Anthropic API key. It is sent to the API only: never written to the cache, a log or an error.
   * @default process.env.ANTHROPIC_API_KEY
   */
  apiKey?: string | undefined;
  /** API base URL. @default the SDK's (`ANTHROPIC_BASE_URL`, else https://api.anthropic.com) */
  baseURL?: string | undefined;
  /** Most `countTokens` calls in flight at once. @default 8 */
  concurrency?: number;
  /**
   * Folder of the disk cache (`count-tokens.json`: content hash → count), or `false` for none.
   * @default ".cacheplan-cache"
   */
  cacheDir?: string | false;
  /** Retries of a failed call, by the SDK (429 and 5xx, with backoff). @default 2 */
  maxRetries?: number;
  /** Model table, for the offline fallback of blocks that cannot be counted alone. @default defaultModelTable */
  models?: ModelTable;
}

/** The exact counter, with what it did. */
export interface ExactTokenCounter extends PrefixTokenCounter {
  /** API calls made and counts served from the disk cache, since creation. */
  readonly stats: { calls: number; cached: number };
}

/** Message of the error thrown when there is no API key. */
export const MISSING_API_KEY_MESSAGE =
  "Exact token counting calls `messages.countTokens` and needs an Anthropic API key: set `ANTHROPIC_API_KEY` (or pass `apiKey`). The endpoint is free and has its own rate limits; without a key, use the offline estimate (`--count estimate` or `--count full`).";

/** The final user turn appended to a prefix; its own count is subtracted. */
const MINIMAL_TURN = { role: "user", content: "x" } as const;

/** Block types that appear only in assistant turns: they cannot be counted alone before a user turn. */
const ASSISTANT_ONLY = new Set(["tool_use", "server_tool_use", "thinking", "redacted_thinking"]);
/** Content block types (anything else with a `name` is a tool definition). */
const CONTENT_TYPES = new Set(["text", "image", "document", "search_result", "tool_result"]);

function strip(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(strip);
  if (typeof value !== "object" || value === null) return value;
  const out: Json = {};
  for (const [key, v] of Object.entries(value)) if (key !== "cache_control") out[key] = strip(v);
  return out;
}

/**
 * Creates the exact counter. Throws an `EnvironmentError` when there is no API key.
 *
 * `countPrefixes` is exact (the API's count of each prompt or prefix). `countSegments` (the
 * `TokenCounter` method, used by `plan()`) counts each block alone: a tool definition as a tool
 * list, any other block as user content, each as a prefix; blocks that only an assistant turn can
 * hold (`tool_use`, `thinking`, …) cannot be counted alone and fall back to the offline estimate.
 */
export function createExactCounter(options: ExactCounterOptions = {}): ExactTokenCounter {
  const apiKey = options.apiKey ?? process.env.ANTHROPIC_API_KEY;
  if (!apiKey) throw new EnvironmentError(MISSING_API_KEY_MESSAGE, "ANTHROPIC_API_KEY");
  const limit = pLimit(options.concurrency ?? 8);
  const stats = { calls: 0, cached: 0 };
  const cache = new CountCache(options.cacheDir ?? ".cacheplan-cache", stats);
  const offline = createTiktokenCounter(options.models ? { models: options.models } : {});
  const call = countTokensCall(apiKey, options, stats);
  const hashOf = (value: unknown) => sha256Base64url(stableStringify(value));

  const base = (model: unknown) =>
    cache.get(hashOf({ base: model, turn: MINIMAL_TURN }), () =>
      limit(() => call({ model, messages: [MINIMAL_TURN] })),
    );
  /** Counts `params` once per content hash, from the disk cache when it has it. */
  const countOne = (request: PrefixCountRequest): Promise<number> => {
    const params = strip(request.params) as Json;
    return cache.get(hashOf({ complete: request.complete, params }), async () => {
      if (request.complete) return limit(() => call(params));
      const messages = Array.isArray(params.messages) ? params.messages : [];
      const [withTurn, turn] = await Promise.all([
        limit(() => call({ ...params, messages: [...messages, MINIMAL_TURN] })),
        base(params.model),
      ]);
      return Math.max(0, withTurn - turn);
    });
  };

  return {
    name: "anthropic-count-tokens",
    estimated: false,
    stats,
    async countPrefixes(prefixes) {
      try {
        return await Promise.all(prefixes.map(countOne));
      } finally {
        await cache.save();
      }
    },
    async countSegments(segments: readonly SegmentCountRequest[]) {
      const out: number[] = new Array(segments.length);
      const fallback: number[] = [];
      const online: Promise<void>[] = [];
      segments.forEach((segment, k) => {
        const params = segmentParams(segment);
        if (params === undefined) {
          fallback.push(k);
          return;
        }
        online.push(
          countOne({ params, complete: false }).then((n) => {
            out[k] = n;
          }),
        );
      });
      try {
        await Promise.all(online);
      } finally {
        await cache.save();
      }
      const estimated = await offline.countSegments(fallback.map((k) => segments[k]!));
      fallback.forEach((k, j) => {
        out[k] = estimated[j]!;
      });
      return out;
    },
  };
}

/**
 * `countTokens` params for one block alone: a tool definition as a tool list, any other block as
 * user content; undefined for a block only an assistant turn can hold.
 */
function segmentParams(segment: SegmentCountRequest): Json | undefined {
  const { block } = segment;
  const type = typeof block.type === "string" ? block.type : undefined;
  if (type !== undefined && ASSISTANT_ONLY.has(type)) return undefined;
  const isTool =
    typeof block.name === "string" &&
    ("input_schema" in block || type === undefined || !CONTENT_TYPES.has(type));
  return isTool
    ? { model: segment.model, tools: [block], messages: [] }
    : { model: segment.model, messages: [{ role: "user", content: [block] }] };
}

/**
 * One `messages.countTokens` call; the SDK client is made on the first call. An error names the
 * model with the key redacted, and keeps the SDK's error as `cause` only when it holds no key.
 */
function countTokensCall(
  apiKey: string,
  options: ExactCounterOptions,
  stats: { calls: number },
): (params: Json) => Promise<number> {
  const redact = (text: string) => text.split(apiKey).join("[redacted]");
  let client: Promise<Anthropic> | undefined;
  const getClient = () => {
    // The target's factory loads the SDK on first use only.
    client ??= createClient({
      apiKey,
      ...(options.baseURL !== undefined ? { baseURL: options.baseURL } : {}),
      ...(options.maxRetries !== undefined ? { maxRetries: options.maxRetries } : {}),
    });
    return client;
  };
  return async (params: Json): Promise<number> => {
    const sdk = await getClient();
    stats.calls += 1;
    try {
      const result = await sdk.messages.countTokens(
        params as unknown as Anthropic.MessageCountTokensParams,
      );
      return result.input_tokens;
    } catch (error) {
      const text = redact(error instanceof Error ? error.message : String(error));
      const leaks = [String(error), (error as Error)?.stack ?? ""].some((t) => t.includes(apiKey));
      throw new CacheplanError(
        "count-tokens-failed",
        `Token counting failed for model \`${String(params.model)}\`: ${text}. Check the API key and \`baseURL\`, or use the offline estimate (\`--count estimate\`).`,
        leaks ? {} : { cause: error },
      );
    }
  };
}
