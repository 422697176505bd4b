/**
 * The Message Batches API as a runner backend (`src/run/backend.ts`): the SDK's
 * `client.messages.batches.*` calls (reference §5.1), each sent with the runner's call options.
 * The API keeps no metadata on a batch, so a batch whose create answer was lost is found by the
 * watermark rule (`src/run/_adopt.ts`).
 */
import type Anthropic from "@anthropic-ai/sdk";
import {
  BackendCallError,
  type BatchBackend,
  type BatchInfo,
  type CallOptions,
  type CreateInput,
} from "../../run/backend.js";
import { withTimeScale } from "../../run/clock.js";
import { secretsOf } from "../../run/redact.js";
import { readResult } from "./results.js";
import { USAGE_FIELDS } from "./usage.js";

type MessageBatch = Anthropic.Messages.Batches.MessageBatch;

/** The shape of a Message Batch id, as the API and the emulator give them. */
export const MESSAGE_BATCH_ID = /^msgbatch_[A-Za-z0-9]{1,128}$/;

/** A Message Batch as the runner knows batches. */
export function infoOf(batch: MessageBatch, timeScale?: number): BatchInfo {
  return {
    id: batch?.id,
    state: batch?.processing_status,
    // As reported: all `processing` until the batch ends (reference fact 19).
    counts: batch?.request_counts,
    createdAt: batch?.created_at,
    expiresAt: batch?.expires_at,
    endedAt: batch?.ended_at ?? null,
    cancelInitiatedAt: batch?.cancel_initiated_at ?? null,
    archived: batch?.archived_at != null,
    tag: null,
    ...(timeScale === undefined ? {} : { timeScale }),
    raw: batch,
  };
}

/** A runner backend calling the Message Batches API through `client`. */
export function anthropicBackend(client: Anthropic): BatchBackend {
  const batches = () => client.messages.batches;
  return {
    target: "anthropic",
    name: "the Anthropic API",
    batchNoun: "Message Batch",
    idPattern: MESSAGE_BATCH_ID,
    idShape: "`msgbatch_` then letters and digits",
    endpointEnv: "ANTHROPIC_BASE_URL",
    adoption: "watermark",
    secrets: secretsOf(client),
    usage: USAGE_FIELDS,
    readResult,
    async create(input: CreateInput, o: CallOptions) {
      // `requests` as planned: the batch line is `{custom_id, params}` (reference §5.1).
      const requests = input.requests as Anthropic.Messages.Batches.BatchCreateParams["requests"];
      return infoOf(await batches().create({ requests }, o));
    },
    async retrieve(id: string, o: CallOptions) {
      let scale: number | undefined;
      const batch = await withTimeScale(batches().retrieve(id, undefined, o), (s) => {
        scale = s;
      });
      return infoOf(batch, scale);
    },
    async cancel(id: string, o: CallOptions) {
      return infoOf(await batches().cancel(id, undefined, o));
    },
    async results(id: string, o: CallOptions) {
      try {
        return (await batches().results(id, undefined, o)) as AsyncIterable<unknown>;
      } catch (error) {
        // The SDK refuses a batch whose `results_url` is null without calling the API (an error
        // with no status, which would read as "no answer" and be retried). An ended batch has
        // one until its results are archived, 29 days after creation (reference §5.2): answer as
        // the results endpoint does then, 404, and the runner finds the batch archived.
        if ((error as Error).message?.startsWith("No batch `results_url`"))
          throw new BackendCallError((error as Error).message, { status: 404 });
        throw error;
      }
    },
    async list(since: string | null, o: CallOptions) {
      // Newest first; `before_id` pages towards newer batches than the watermark.
      const query = since === null ? { limit: 100 } : { before_id: since, limit: 100 };
      const all: BatchInfo[] = [];
      for await (const batch of batches().list(query, o)) all.push(infoOf(batch));
      return all;
    },
    async newest(o: CallOptions) {
      const page = await batches().list({ limit: 1 }, o);
      const id = page.data[0]?.id;
      return id === undefined ? null : id;
    },
  };
}
