/**
 * Batch records from the API's answers, and the progress of a run (internal).
 */
import { ANTHROPIC_IDS, checkBatchId, type IdRule, notTheApi, showId } from "./_ids.js";
import type { BatchInfo } from "./backend.js";
import { RunError } from "./errors.js";
import { redactSecrets } from "./redact.js";
import type { BatchRecord, CreatingBatchRecord, RunState } from "./state.js";
import type { RunProgress } from "./types.js";

/** How a batch id was learned (see `CreatedFields.origin`). */
export type Origin = "created" | "results" | "counts" | "user" | "tag";

/** The fields every record keeps. */
function base(record: BatchRecord) {
  return {
    index: record.index,
    wave: record.wave,
    requestCount: record.requestCount,
    fingerprint: record.fingerprint,
  };
}

/** Whether a record has a batch id. */
export function hasId(
  record: BatchRecord,
): record is Exclude<BatchRecord, { state: "pending" | "creating" }> {
  return record.state !== "pending" && record.state !== "creating";
}

/** Longest failure message kept in `run.json`. */
const MAX_FAILURE = 1_000;

/** `{ failure }` of a batch the system ended without running it, redacted and cut short. */
function failureOf(batch: BatchInfo): { failure?: string } {
  if (batch.failure === undefined || batch.failure === "") return {};
  const text = redactSecrets(batch.failure);
  return { failure: text.length > MAX_FAILURE ? `${text.slice(0, MAX_FAILURE)}…` : text };
}

/**
 * The record of a batch the API answered with (a create, an adoption or a poll). A downloaded
 * record stays as it is; an ended one keeps its state until its results are written.
 */
export function recordFromBatch(
  record: BatchRecord,
  batch: BatchInfo,
  origin: Origin,
): BatchRecord {
  if (record.state === "downloaded") return record;
  const keep = hasId(record) ? record.origin : origin;
  const created = {
    ...base(record),
    id: batch.id,
    created_at: batch.createdAt,
    expires_at: batch.expiresAt,
    origin: keep,
  };
  if (batch.state === "ended") {
    return {
      ...created,
      state: "ended",
      ended_at: batch.endedAt ?? new Date().toISOString(),
      request_counts: { ...batch.counts },
      ...failureOf(batch),
    };
  }
  return {
    ...created,
    state: "submitted",
    processing_status: batch.state,
    cancel_initiated_at: batch.cancelInitiatedAt,
    // As reported: all `processing` until the batch ends (reference fact 19).
    ...(batch.counts ? { request_counts: { ...batch.counts } } : {}),
  };
}

/**
 * Records the batch the API answered with for batch `index` of the run, after checking that the
 * answer can be used: a well-shaped id (`_ids.ts`), the same id as the record already has (a poll
 * answered with another batch is refused), and no other batch of the run with that id (two
 * batches never share a results file).
 *
 * @throws {RunError} `bad-answer` when it cannot.
 */
export function setFromBatch(
  state: RunState,
  index: number,
  batch: BatchInfo,
  origin: Origin,
  where: string,
  rule: IdRule = ANTHROPIC_IDS,
): void {
  const record = state.batches[index]!;
  const id = checkBatchId(batch?.id, where, rule);
  if (hasId(record) && record.id !== id) {
    throw new RunError(
      "bad-answer",
      `The API answered ${where} with batch ${showId(id)}, but batch ${index} is ${showId(record.id)}: ${notTheApi(rule)}. Nothing was recorded.`,
    );
  }
  const other = state.batches.find((b) => b.index !== index && hasId(b) && b.id === id);
  if (other) {
    throw new RunError(
      "bad-answer",
      `The API answered ${where} with batch ${showId(id)}, which is already batch ${other.index} of this run: the server gave one id to two batches, which ${rule.name} never does (check \`${rule.endpointEnv}\`). Nothing was recorded and no results file was overwritten.`,
    );
  }
  state.batches[index] = recordFromBatch(record, batch, origin);
}

/** The record back to pending (a create that created nothing). */
export function pendingAgain(record: BatchRecord): BatchRecord {
  return { ...base(record), state: "pending" };
}

/** The record with a create intent, before the call. */
export function creating(record: BatchRecord, attempts: number): CreatingBatchRecord {
  return { ...base(record), state: "creating", intentAt: new Date().toISOString(), attempts };
}

/** Where the runner is: the wave worked on, when it started, when the run started (this machine). */
export interface Current {
  wave: number | null;
  startedMs?: number | undefined;
  runStartedMs?: number | undefined;
}

const zeroCounts = () => ({ processing: 0, succeeded: 0, errored: 0, canceled: 0, expired: 0 });

/** Where a run stands (`current`: the wave being worked on, and when it and the run started). */
export function progressOf(state: RunState, current: Current = { wave: null }): RunProgress {
  const now = Date.now();
  const waves = new Set(state.batches.map((b) => b.wave));
  const p: RunProgress = {
    wave: current.wave,
    waves: waves.size,
    elapsedMs: current.runStartedMs === undefined ? null : now - current.runStartedMs,
    batches: { total: state.batches.length, created: 0, ended: 0, downloaded: 0 },
    requests: { total: 0, ended: 0, succeeded: 0, failed: 0, missing: 0 },
    waveRequests: { total: 0, ended: 0 },
    waveCounts: zeroCounts(),
    hitRate: null,
    etaMs: null,
  };
  let read = 0;
  let all = 0;
  let results = 0;
  let waveBatches = 0;
  let waveEnded = 0;
  for (const b of state.batches) {
    p.requests.total += b.requestCount;
    const inWave = b.wave === current.wave;
    if (inWave) {
      p.waveRequests.total += b.requestCount;
      waveBatches += 1;
    }
    if (!hasId(b)) continue;
    p.batches.created += 1;
    const counts = b.request_counts;
    if (inWave && counts) {
      for (const k of Object.keys(p.waveCounts) as Array<keyof typeof p.waveCounts>)
        p.waveCounts[k] += counts[k] ?? 0;
    }
    if (b.state === "submitted") continue;
    p.batches.ended += 1;
    p.requests.ended += b.requestCount;
    if (inWave) {
      p.waveRequests.ended += b.requestCount;
      waveEnded += 1;
    }
    if (b.state !== "downloaded") continue;
    p.batches.downloaded += 1;
    const r = b.results;
    p.requests.succeeded += r.byType.succeeded;
    p.requests.failed += r.byType.errored + r.byType.canceled + r.byType.expired;
    p.requests.missing += r.missing.length;
    read += r.tokens.cacheRead;
    all += r.tokens.cacheRead + r.tokens.cacheWrite5m + r.tokens.cacheWrite1h + r.tokens.input;
    results += r.byType.succeeded;
  }
  if (results > 0) p.hitRate = all === 0 ? 0 : read / all;
  p.etaMs = eta(p, current, now, waveEnded, waveBatches);
  return p;
}

/** Requests of the wave the API has decided (any result), from its counts. */
export function decided(c: RunProgress["waveCounts"]): number {
  return c.succeeded + c.errored + c.canceled + c.expired;
}

/**
 * Time left in the wave at the pace so far: of its requests when the API's counts have moved,
 * else of its batches; `null` when nothing is done yet or all is.
 */
function eta(
  p: RunProgress,
  current: Current,
  now: number,
  waveEnded: number,
  waveBatches: number,
): number | null {
  if (current.startedMs === undefined) return null;
  const elapsed = now - current.startedMs;
  const done = Math.max(decided(p.waveCounts), p.waveRequests.ended);
  const total = p.waveRequests.total;
  if (done > 0 && done < total) return Math.round((elapsed / done) * (total - done));
  if (waveEnded > 0 && waveEnded < waveBatches)
    return Math.round((elapsed / waveEnded) * (waveBatches - waveEnded));
  return null;
}
