/**
 * Watching a wave (internal): poll its batches with backoff until every one has ended, and
 * download each one's results as soon as it ends, while the others are still polled.
 */
import { rm } from "node:fs/promises";
import pLimit from "p-limit";
import { resolveInside } from "../io/plan-dir.js";
import { apiFailure, explainFailure } from "./_api-errors.js";
import { pickUpCancel } from "./_cancel-marker.js";
import { aborted, emit, pause, type RunContext } from "./_context.js";
import { createWave } from "./_create.js";
import { createNow } from "./_queue.js";
import { hasId, pendingAgain, setFromBatch } from "./_records.js";
import { downloadResults, emptyResults, resultsFileName } from "./_results.js";
import { scaledInterval } from "./clock.js";
import { RunError } from "./errors.js";
import type { EndedBatchRecord, ResultsRecord } from "./state.js";

/** Retrieves and polls at most this many batches at once. */
const POLL_CONCURRENCY = 8;
/** Downloads at most this many results files at once. */
const DOWNLOAD_CONCURRENCY = 2;

/** Downloads one ended batch's results and records them; archived results are all missing. */
async function download(ctx: RunContext, record: EndedBatchRecord): Promise<void> {
  const plannedIds = await ctx.source.ids(record.index);
  let results: ResultsRecord;
  try {
    results = await downloadResults({
      backend: ctx.backend,
      api: ctx.api,
      planDir: ctx.planDir,
      index: record.index,
      id: record.id,
      plannedIds,
    });
  } catch (error) {
    if (aborted(ctx)) return;
    if (error instanceof RunError) throw error;
    const failure = apiFailure(error);
    const batch =
      failure.status === 404
        ? await ctx.api
            .idempotent(`retrieving batch ${record.index} (${record.id})`, (o) =>
              ctx.backend.retrieve(record.id, o),
            )
            .catch(() => null)
        : null;
    if (batch?.archived !== true) {
      throw explainFailure(error, {
        system: ctx.backend,
        doing: `downloading the results of batch ${record.index} (${record.id})`,
        planDir: ctx.planDir,
        batchId: record.id,
        retries: ctx.api.policy.maxRetries,
      });
    }
    results = emptyResults(resultsFileName(record.index, record.id, ctx.backend), plannedIds);
    emit(ctx, {
      type: "warning",
      warning: { kind: "archived", index: record.index, id: record.id },
    });
  }
  if (record.origin === "counts" && results.lines === 0 && results.unexpected > 0) {
    // Adopted by its request count alone, and none of its results is ours: another batch of the
    // same size was created in the workspace while ours was not. Drop it; create ours.
    await rm(await resolveInside(ctx.planDir, results.file, `batch ${record.index}`), {
      force: true,
    });
    ctx.store.state.batches[record.index] = pendingAgain(record);
    await ctx.store.save();
    emit(ctx, {
      type: "recreating",
      index: record.index,
      wave: record.wave,
      reason: `${record.id}, adopted by its request count, holds none of the batch's custom_ids: it is another batch`,
    });
    return;
  }
  ctx.store.state.batches[record.index] = { ...record, state: "downloaded", results };
  await ctx.store.save();
  ctx.source.release(record.index); // its custom_ids are no longer needed
  emit(ctx, { type: "results", index: record.index, wave: record.wave, id: record.id, results });
  if (results.unexpected > 0) {
    emit(ctx, {
      type: "warning",
      warning: { kind: "unexpected-results", index: record.index, lines: results.unexpected },
    });
  }
  if (results.missing.length > 0 && results.lines > 0) {
    emit(ctx, {
      type: "warning",
      warning: { kind: "missing-results", index: record.index, count: results.missing.length },
    });
  }
}

/** What a poll found: the batch changed (state to save), and it has just ended. */
interface Polled {
  changed: boolean;
  ended: boolean;
}

/** Polls one batch; cancels it when the run was canceled. */
async function pollOne(ctx: RunContext, index: number): Promise<Polled> {
  const { state } = ctx.store;
  const record = state.batches[index]!;
  const nothing = { changed: false, ended: false };
  if (record.state !== "submitted") return nothing;
  const failed = (doing: string) => (error: unknown) => {
    if (aborted(ctx)) return null;
    throw explainFailure(error, {
      system: ctx.backend,
      doing,
      planDir: ctx.planDir,
      batchId: record.id,
      retries: ctx.api.policy.maxRetries,
    });
  };
  const polling = `polling batch ${index} (${record.id})`;
  let batch = await ctx.api
    .idempotent(polling, async (o) => {
      const polled = await ctx.backend.retrieve(record.id, o);
      if (polled?.timeScale !== undefined) ctx.timeScale = polled.timeScale; // `_clock.ts`
      return polled;
    })
    .catch(failed(polling));
  if (batch === null) return nothing;
  if (state.canceledAt !== null && batch.state === "in_progress") {
    const canceling = `canceling batch ${index} (${record.id})`;
    batch =
      (await ctx.api
        .idempotent(canceling, (o) => ctx.backend.cancel(record.id, o))
        .catch(failed(canceling))) ?? batch;
  }
  setFromBatch(state, index, batch, record.origin, polling, ctx.backend);
  const next = state.batches[index]!;
  const changed = JSON.stringify(next) !== JSON.stringify(record);
  if (next.state !== "ended") return { changed, ended: false };
  emit(ctx, {
    type: "ended",
    index,
    wave: next.wave,
    id: next.id,
    request_counts: next.request_counts,
    ...(next.failure === undefined ? {} : { failure: next.failure }),
  });
  return { changed, ended: true };
}

/**
 * Creates the wave's next batches once the processing queue has room for them (`_queue.ts`),
 * while the others are watched. True when it created some.
 */
async function createWithRoom(ctx: RunContext, wave: number): Promise<boolean> {
  if (ctx.store.state.canceledAt !== null || createNow(ctx, wave).length === 0) return false;
  await createWave(ctx, wave);
  return true;
}

/**
 * Watches the created batches of `wave` until each has ended and is downloaded, or the run stops.
 * The interval grows by `poll.factor` after each round in which nothing ended.
 */
export async function watchWave(ctx: RunContext, wave: number): Promise<void> {
  const { state } = ctx.store;
  const polls = pLimit(POLL_CONCURRENCY);
  const downloads = pLimit(DOWNLOAD_CONCURRENCY);
  const downloading = new Map<number, Promise<void>>();
  let failure: unknown = null;
  let interval = ctx.poll.intervalMs;
  const ofWave = () => state.batches.filter((b) => b.wave === wave && hasId(b));

  const startDownloads = () => {
    for (const record of ofWave()) {
      if (record.state !== "ended" || downloading.has(record.index)) continue;
      const job = downloads(() => download(ctx, record)).catch((error: unknown) => {
        failure ??= error;
      });
      downloading.set(record.index, job);
    }
  };

  for (;;) {
    await pickUpCancel(ctx.store); // a cancel from another process (`_cancel-marker.ts`)
    startDownloads();
    const active = ofWave().filter((b) => b.state === "submitted");
    let endedNow = false;
    if (active.length > 0 && !aborted(ctx)) {
      const polled = await Promise.all(active.map((b) => polls(() => pollOne(ctx, b.index)))).catch(
        (error: unknown): Polled[] => {
          failure ??= error;
          return [{ changed: true, ended: false }];
        },
      );
      endedNow = polled.some((p) => p.ended);
      if (polled.some((p) => p.changed)) await ctx.store.save();
      startDownloads();
      emit(ctx, { type: "poll" });
    }
    if (failure === null && !aborted(ctx)) {
      try {
        if (await createWithRoom(ctx, wave)) interval = ctx.poll.intervalMs;
      } catch (error) {
        failure ??= error;
      }
    }
    if (failure !== null || aborted(ctx)) break;
    if (ofWave().every((b) => b.state === "downloaded")) break;
    if (ofWave().every((b) => b.state !== "submitted")) {
      await Promise.all(downloading.values()); // only downloads left
      downloading.clear();
      if (failure !== null) break;
      continue;
    }
    await pause(scaledInterval(interval, ctx.timeScale), ctx.signal); // `_clock.ts`
    if (!endedNow) interval = Math.min(ctx.poll.maxIntervalMs, interval * ctx.poll.factor);
  }
  await Promise.all(downloading.values());
  if (failure !== null && !aborted(ctx)) throw failure;
}
