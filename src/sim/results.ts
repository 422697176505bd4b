/**
 * What `simulate()` returns: per request the API's own result shape
 * (`MessageBatchIndividualResponse`, reference §5.4) plus virtual timing and the cache trace; per
 * batch, per wave and overall, the end times and token totals.
 */
import type Anthropic from "@anthropic-ai/sdk";
import { totalInputTokens } from "../pricing/cost.js";
import { USAGE_FIELDS } from "../targets/anthropic/usage.js";
import { readUsage, UsageSum } from "../usage.js";
import type { CacheLookup, CacheWrite } from "./cache.js";

/** One result line of a batch, exactly as `client.messages.batches.results()` yields it. */
export type SimResponse = Anthropic.Messages.Batches.MessageBatchIndividualResponse;

/** When a request ran, in virtual ms since the simulation began. */
export interface SimTiming {
  /** The request started: its cache lookup happened, and TTLs count from here (fact 7). */
  start: number;
  /** Its response started: its writes became readable (fact 14). */
  readable: number;
  /** It finished and freed its slot. */
  end: number;
}

/** What a request did to the cache. */
export interface SimCacheTrace {
  /** The entry read (the highest hit), or `null` on a miss. */
  read: { label: string; tokens: number } | null;
  /** The entries written, in prefix order. */
  writes: readonly CacheWrite[];
}

/** One simulated batch request. */
export interface SimRequestResult {
  /** The request's `custom_id`. */
  custom_id: string;
  /** Index of its batch in `job.batches`. */
  batchIndex: number;
  /** Its batch's id, or `null` when the batch was never submitted (canceled before its wave). */
  batchId: string | null;
  /** Its wave. */
  wave: number;
  /** The result line the API would return. */
  response: SimResponse;
  /** When it ran; `null` when it never started (`canceled`, `expired`). */
  timing: SimTiming | null;
  /** What it read and wrote; `null` unless it succeeded. */
  cache: SimCacheTrace | null;
}

/** One simulated synchronous Messages call of the prewarm. */
export interface SimPrewarmResult {
  /** Index in `job.prewarm`. */
  index: number;
  /** The response: a `Message` (`usage.service_tier: "standard"`) or the error the API would give. */
  result:
    | Anthropic.Messages.Batches.MessageBatchSucceededResult
    | Anthropic.Messages.Batches.MessageBatchErroredResult;
  /** When it ran. */
  timing: SimTiming;
  /** What it read and wrote; `null` when it errored. */
  cache: SimCacheTrace | null;
}

/** Token sums over succeeded requests (the only billed ones, reference §5.4). */
export interface SimTokenTotals {
  /** Prompt tokens: `input_tokens + cache_creation_input_tokens + cache_read_input_tokens` (fact 17). */
  promptTokens: number;
  /** `input_tokens`: uncached tokens after the last breakpoint. */
  inputTokens: number;
  /** `cache_read_input_tokens`. */
  cacheReadTokens: number;
  /** `cache_creation_input_tokens`. */
  cacheWriteTokens: number;
  /** `cache_creation.ephemeral_5m_input_tokens`. */
  cacheWrite5mTokens: number;
  /** `cache_creation.ephemeral_1h_input_tokens`. */
  cacheWrite1hTokens: number;
  /** `output_tokens`. */
  outputTokens: number;
  /** `cacheReadTokens / promptTokens`; 0 when nothing succeeded. */
  tokenHitRate: number;
  /** Succeeded requests that read something. */
  requestsWithReads: number;
  /** Succeeded requests that wrote something. */
  requestsWithWrites: number;
}

/** A simulated batch. */
export type SimBatchResult =
  | {
      /** The batch was created and processed to the end. */
      state: "ended";
      /** Index in `job.batches`. */
      index: number;
      /** Its wave. */
      wave: number;
      /** Its id, `msgbatch_sim_<index>`. */
      id: string;
      /** Creation time (its wave's start). */
      createdAt: number;
      /** When its first request could start (creation plus the start delay). */
      startedAt: number;
      /** When its last request finished, or when it expired or was canceled. */
      endedAt: number;
      /** Creation plus `batchExpiryMs` (fact 19). */
      expiresAt: number;
      /** When the job was canceled, if it was while this batch was in progress. */
      cancelInitiatedAt: number | null;
      /** Final counts, as the API reports them once the batch has ended. */
      request_counts: Anthropic.Messages.Batches.MessageBatchRequestCounts;
      /** Token sums of its succeeded requests. */
      tokens: SimTokenTotals;
    }
  | {
      /** The job was canceled before this batch's wave was submitted. */
      state: "not_submitted";
      index: number;
      wave: number;
      /** Every request counted as canceled. */
      request_counts: Anthropic.Messages.Batches.MessageBatchRequestCounts;
    };

/** A simulated wave. */
export interface SimWaveResult {
  /** The wave number, as in the job. */
  wave: number;
  /** Indexes of its batches in `job.batches`. */
  batches: number[];
  /** When its batches were created; `null` when it was never submitted. */
  createdAt: number | null;
  /** When its last batch ended; `null` when it was never submitted. */
  endedAt: number | null;
}

/** The result of `simulate()`. */
export interface SimResult {
  /** Every batch request, in job order (batch by batch, request by request). */
  requests: SimRequestResult[];
  /** The synchronous prewarm calls, in order. */
  prewarm: SimPrewarmResult[];
  /** Every batch of the job, in job order. */
  batches: SimBatchResult[];
  /** Every wave, in ascending order. */
  waves: SimWaveResult[];
  /** Sums over succeeded batch requests (the prewarm excluded), with result counts. */
  totals: SimTokenTotals &
    Anthropic.Messages.Batches.MessageBatchRequestCounts & { requests: number };
  /** When the last batch ended (or the prewarm, when there is no batch). */
  endedAt: number;
}

/** A running sum of token totals, over usages read by the one reader (`src/usage.ts`). */
export class TokenSum {
  readonly #sum = new UsageSum();

  add(usage: Anthropic.Messages.Usage): void {
    const reading = readUsage(usage, USAGE_FIELDS);
    // The simulator writes these usages itself: a bad one is a bug here, not bad input.
    if (!reading.ok) throw new Error(`cacheplan simulated a malformed usage: ${reading.problem}.`);
    this.#sum.add(reading);
  }

  totals(): SimTokenTotals {
    const { tokens, withReads, withWrites } = this.#sum;
    const prompt = totalInputTokens(tokens);
    return {
      promptTokens: prompt,
      inputTokens: tokens.input,
      cacheReadTokens: tokens.cacheRead,
      cacheWriteTokens: tokens.cacheWrite5m + tokens.cacheWrite1h,
      cacheWrite5mTokens: tokens.cacheWrite5m,
      cacheWrite1hTokens: tokens.cacheWrite1h,
      outputTokens: tokens.output,
      tokenHitRate: prompt === 0 ? 0 : tokens.cacheRead / prompt,
      requestsWithReads: withReads,
      requestsWithWrites: withWrites,
    };
  }
}

/**
 * A `Message` with the simulated usage and a short deterministic text. Keys without a value are
 * left out, as in recorded API responses (issue 12 item 3): no `citations`, `stop_details`,
 * `container`, `diagnostics`, `output_tokens_details`, `server_tool_use` or `speed` when null.
 * The SDK types them as `T | null`, so the object is cast where they are missing.
 */
export function simMessage(
  id: string,
  model: string,
  lookup: CacheLookup,
  outputTokens: number,
  maxTokens: number,
  serviceTier: "batch" | "standard",
  inferenceGeo: string,
): Anthropic.Messages.Message {
  const { usage } = lookup;
  const text = `Simulated response to ${lookup.request.custom_id} (${outputTokens} output tokens).`;
  const message = {
    id,
    type: "message",
    role: "assistant",
    model,
    content: outputTokens === 0 ? [] : [{ type: "text", text }],
    stop_reason: outputTokens >= maxTokens ? "max_tokens" : "end_turn",
    stop_sequence: null,
    usage: {
      input_tokens: usage.input_tokens,
      cache_creation_input_tokens: usage.cache_creation_input_tokens,
      cache_read_input_tokens: usage.cache_read_input_tokens,
      cache_creation: { ...usage.cache_creation },
      output_tokens: outputTokens,
      service_tier: serviceTier,
      inference_geo: inferenceGeo,
    },
  };
  return message as unknown as Anthropic.Messages.Message;
}

/** The `errored` result the API gives, with a deterministic `request_id`. */
export function simError(
  type: "invalid_request_error" | "not_found_error" | "api_error" | "overloaded_error",
  message: string,
  requestId: string,
): Anthropic.Messages.Batches.MessageBatchErroredResult {
  return {
    type: "errored",
    error: { type: "error", error: { type, message }, request_id: requestId },
  };
}

/** Messages of the injected faults (the API's wording for these is generic). */
export const FAULT_MESSAGES = Object.freeze({
  api_error: "Internal server error (simulated fault).",
  overloaded_error: "Overloaded (simulated fault).",
});
