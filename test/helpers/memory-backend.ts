/**
 * A `BatchBackend` held in memory, for the runner's tests of the backend seam: batches end after
 * a few polls, every request succeeds, the queue limit answers 429 with a short `retry-after`,
 * and a create can be made to land while its answer is lost. It keeps each batch's adoption tag
 * (`adoption: "tag"`), as the OpenAI, Vertex and Bedrock backends do.
 */

import {
  BackendCallError,
  type BatchBackend,
  type BatchInfo,
  type CreateInput,
} from "../../src/run/backend.js";
import { readResult } from "../../src/targets/anthropic/results.js";
import { USAGE_FIELDS } from "../../src/targets/anthropic/usage.js";

interface MemoryBatch {
  id: string;
  tag: string;
  ids: string[];
  createdAt: string;
  polls: number;
  ended: boolean;
}

export interface MemoryBackendOptions {
  /** Most requests in unfinished batches; a create beyond is a 429. @default no limit */
  limit?: number;
  /** `retry-after` of that 429, in ms; `null` for none. @default 20 */
  retryAfterMs?: number | null;
  /** Polls of a batch before it ends. @default 2 */
  pollsToEnd?: number;
  /** Create number `n` (from 1) lands, but its answer is lost as this error. */
  loseAnswer?: (n: number) => Error | null;
  /** What a 429 of a create means (the backend's `createOutcome`). @default the runner's rule */
  createOutcome?: BatchBackend["createOutcome"];
}

export interface MemoryBackend extends BatchBackend {
  /** Batches created, in order. */
  batches: MemoryBatch[];
  /** Creates refused with 429. */
  refused: number;
  /** Most requests ever in unfinished batches, just after a create. */
  peak: number;
  /** Most unfinished batches ever, just after a create. */
  peakBatches: number;
}

/** A backend for plans of the default target (`"anthropic"`): ids `msgbatch_mem…`. */
export function memoryBackend(options: MemoryBackendOptions = {}): MemoryBackend {
  const pollsToEnd = options.pollsToEnd ?? 2;
  let creates = 0;
  const unfinished = () =>
    backend.batches.filter((b) => !b.ended).reduce((sum, b) => sum + b.ids.length, 0);
  const info = (b: MemoryBatch): BatchInfo => ({
    id: b.id,
    state: b.ended ? "ended" : "in_progress",
    counts: b.ended
      ? { processing: 0, succeeded: b.ids.length, errored: 0, canceled: 0, expired: 0 }
      : { processing: b.ids.length, succeeded: 0, errored: 0, canceled: 0, expired: 0 },
    createdAt: b.createdAt,
    expiresAt: new Date(Date.parse(b.createdAt) + 86_400_000).toISOString(),
    endedAt: b.ended ? new Date().toISOString() : null,
    cancelInitiatedAt: null,
    archived: false,
    tag: b.tag,
    raw: b,
  });
  const find = (id: string) => {
    const b = backend.batches.find((x) => x.id === id);
    if (!b) throw new BackendCallError(`no batch ${id}`, { status: 404 });
    return b;
  };
  const backend: MemoryBackend = {
    target: "anthropic",
    name: "the memory backend",
    batchNoun: "Message Batch",
    idPattern: /^msgbatch_mem[0-9]+$/,
    idShape: "`msgbatch_mem` then digits",
    endpointEnv: "MEMORY_URL",
    adoption: "tag",
    secrets: [],
    usage: USAGE_FIELDS,
    readResult,
    batches: [],
    refused: 0,
    peak: 0,
    peakBatches: 0,
    ...(options.createOutcome ? { createOutcome: options.createOutcome } : {}),
    async create(input: CreateInput) {
      creates += 1;
      if (options.limit !== undefined && unfinished() + input.requests.length > options.limit) {
        backend.refused += 1;
        throw new BackendCallError("queue full", {
          status: 429,
          type: "rate_limit_error",
          retryAfterMs: options.retryAfterMs === undefined ? 20 : options.retryAfterMs,
        });
      }
      const b: MemoryBatch = {
        id: `msgbatch_mem${backend.batches.length + 1}`,
        tag: input.tag,
        ids: input.requests.map((r) => r.custom_id),
        createdAt: new Date().toISOString(),
        polls: 0,
        ended: false,
      };
      backend.batches.push(b);
      backend.peak = Math.max(backend.peak, unfinished());
      backend.peakBatches = Math.max(
        backend.peakBatches,
        backend.batches.filter((x) => !x.ended).length,
      );
      const lost = options.loseAnswer?.(creates);
      if (lost) throw lost;
      return info(b);
    },
    async retrieve(id: string) {
      const b = find(id);
      b.polls += 1;
      if (b.polls >= pollsToEnd) b.ended = true;
      return info(b);
    },
    async cancel(id: string) {
      return info(find(id));
    },
    async results(id: string) {
      const b = find(id);
      return (async function* () {
        for (const custom_id of b.ids) {
          yield {
            custom_id,
            result: {
              type: "succeeded",
              message: { usage: { input_tokens: 1, output_tokens: 1 } },
            },
          };
        }
      })();
    },
    async list() {
      return [...backend.batches].reverse().map(info);
    },
    async newest() {
      return backend.batches.at(-1)?.id ?? null;
    },
  };
  return backend;
}
