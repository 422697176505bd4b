/**
 * One batch as the emulator keeps it (internal): its processing state (the loop's
 * {@link Processing}), its requests and results, and how the API shows it.
 */
import type Anthropic from "@anthropic-ai/sdk";
import { RESULTS_RETENTION_MS } from "../targets/anthropic/limits.js";
import type { BatchRequest } from "../types.js";
import type { Fault } from "./_draws.js";
import type { Processing } from "./_processor.js";
import type { TokensOf } from "./tokens.js";

type MessageBatch = Anthropic.Messages.Batches.MessageBatch;
export type IndividualResponse = Anthropic.Messages.Batches.MessageBatchIndividualResponse;

/**
 * How long a canceled batch stays `canceling` when nothing is in flight, in simulated ms. The API
 * answers a cancel with the batch `canceling` (SDK-B 100-124: "the batch enters the `canceling`
 * state") and ends it later; the delay itself is not documented. Decision: one simulated second.
 */
export const CANCEL_SETTLE_MS = 1000;

/** One batch as the engine runs it. */
export interface BatchRun extends Processing {
  id: string;
  /** Creation order, for listing and cursors. */
  seq: number;
  workspace: string;
  /** Number of requests (kept when a deleted batch lets go of its requests). */
  size: number;
  requests: readonly BatchRequest[];
  tokensOf: TokensOf;
  /** Per request (submission order): the injected `errored` fault (`errorRate`), if any. */
  faults: Fault[];
  /** Per request (submission order): why it is refused without being run, e.g. its size. */
  refused: ReadonlyMap<number, string>;
  /** Per request (submission order): its result once it ran or was skipped. */
  results: (IndividualResponse | undefined)[];
  /** Submission indexes in the order their results were decided (the results file order). */
  done: number[];
  /** Wall-clock ms of `createdAt`: the anchor of every timestamp of the batch. */
  wallCreatedAt: number;
  cancelInitiatedAt: number | null;
  deleted: boolean;
}

/** Where a batch stands at the emulator's "now". */
export interface BatchStanding {
  /** When it ended, or `null` while it has not. */
  endedAt: number | null;
  /** Whether its results are past the retention. */
  archived: boolean;
}

/** RFC 3339 time of a virtual instant of `run`: its wall-clock creation plus the simulated span. */
function iso(run: BatchRun, time: number): string {
  return new Date(run.wallCreatedAt + (time - run.createdAt)).toISOString();
}

/** The batch as the API shows it (SDK-B 164-225; counts per §5.4). */
export function viewBatch(run: BatchRun, standing: BatchStanding, baseUrl: string): MessageBatch {
  const { endedAt, archived } = standing;
  const ended = endedAt !== null;
  const counts = { processing: 0, succeeded: 0, errored: 0, canceled: 0, expired: 0 };
  if (ended) {
    for (const r of run.results) if (r !== undefined) counts[r.result.type] += 1;
  } else {
    // Every count except `processing` stays 0 until the whole batch ends (fact 19, SDK-B 203).
    counts.processing = run.size;
  }
  return {
    id: run.id,
    type: "message_batch",
    processing_status: ended
      ? "ended"
      : run.cancelInitiatedAt !== null
        ? "canceling"
        : "in_progress",
    request_counts: counts,
    created_at: iso(run, run.createdAt),
    expires_at: iso(run, run.expiresAt),
    ended_at: endedAt === null ? null : iso(run, endedAt),
    cancel_initiated_at: run.cancelInitiatedAt === null ? null : iso(run, run.cancelInitiatedAt),
    archived_at: archived ? iso(run, run.createdAt + RESULTS_RETENTION_MS) : null,
    // SDK-B 211-218: null until processing ends; archived results cannot be downloaded (§5.2).
    results_url: ended && !archived ? `${baseUrl}/v1/messages/batches/${run.id}/results` : null,
  };
}

/** The results file, one JSON line per request, in the order results were decided. */
export function* resultLines(run: BatchRun): Generator<string> {
  for (const index of run.done) yield `${JSON.stringify(run.results[index])}\n`;
}
