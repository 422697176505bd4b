/** What `simulate()` runs: waves of batches, and an optional synchronous prewarm before them. */
import type Anthropic from "@anthropic-ai/sdk";
import type { BatchRequest } from "../types.js";

/** One batch of a simulated job. A `PlannedBatch` of a cacheplan `Plan` fits. */
export interface SimBatchInput {
  /**
   * The wave the batch belongs to. Batches of one wave are created together; wave n+1 is created
   * when every batch of wave n has ended (plus `submissionGapMs`). Waves run in ascending order
   * of this number; gaps in the numbering are allowed.
   */
  wave: number;
  /** The requests, with their `cache_control` markers, as `client.messages.batches.create()` takes them. */
  requests: readonly BatchRequest[];
  /**
   * Workspace the batch is created in. Caches are isolated per workspace (reference §1.7, Q-WS).
   * @default the `workspace` parameter of `simulate()`
   */
  workspace?: string;
}

/**
 * A job to simulate. A cacheplan `Plan` is one (its `batches` carry `wave` and `requests`).
 */
export interface SimJob {
  /** Batches in submission order. */
  batches: readonly SimBatchInput[];
  /**
   * Requests sent one after the other through the synchronous Messages API before the first wave
   * (a cache pre-warm, `max_tokens: 0` allowed). Their entries are visible to batch requests only
   * with probability `syncToBatchVisibility` (reference fact 15, §1.7, ISS-1475).
   * @default []
   */
  prewarm?: readonly Anthropic.Messages.MessageCreateParamsNonStreaming[];
}
