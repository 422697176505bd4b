/**
 * Creating a wave's batches (internal): the intent is recorded before each create, the create is
 * sent without the SDK's retries (a retried create whose first answer was lost would create the
 * batch twice), and failures are sorted into "not created, try again", "refused, stop" and
 * "unknown, look for it" (see `_adopt.ts`).
 */

import path from "node:path";
import pLimit from "p-limit";
import { batchFileName } from "../io/plan-dir.js";
import type { BatchRequest } from "../types.js";
import { resolveIntents } from "./_adopt.js";
import { apiFailure, createOutcome, explainFailure } from "./_api-errors.js";
import { pickUpCancel } from "./_cancel-marker.js";
import { aborted, emit, pause, type RunContext } from "./_context.js";
import { checkBatchId } from "./_ids.js";
import { createNow, nextPending, queuedRequests } from "./_queue.js";
import { creating, hasId, pendingAgain, setFromBatch } from "./_records.js";
import { windowWarningOf } from "./_window.js";
import { adoptionTag, type BatchInfo, type CreateInput } from "./backend.js";
import { scaledInterval } from "./clock.js";

/** Resolves the run's open intents, waiting while one is too recent to decide. */
export async function resolveAll(ctx: RunContext): Promise<void> {
  for (;;) {
    if (aborted(ctx)) return;
    const waitMs = await resolveIntents({
      backend: ctx.backend,
      api: ctx.api,
      store: ctx.store,
      ids: (index) => ctx.source.ids(index),
      planDir: ctx.planDir,
      adopt: ctx.adopt,
      recreate: ctx.recreate,
      settleMs: ctx.settleMs,
      ambiguous: ctx.ambiguous,
      waitMs: scaledInterval(ctx.poll.intervalMs, ctx.timeScale),
      announced: ctx.announced,
      emit: (event) => emit(ctx, event),
    }).catch((error: unknown) => {
      if (aborted(ctx)) return 0; // stopping: the intents stay open for the next run
      throw error;
    });
    if (waitMs === 0 || aborted(ctx)) return;
    await pause(waitMs, ctx.signal);
  }
}

/** The newest batch id in the workspace (`null` when there is none): the wave's watermark. */
async function newestBatchId(ctx: RunContext): Promise<string | null> {
  const doing = "listing batches";
  let id: string | undefined;
  try {
    id = (await ctx.api.idempotent(doing, (o) => ctx.backend.newest(o))) ?? undefined;
  } catch (error) {
    throw explainFailure(error, {
      system: ctx.backend,
      doing,
      planDir: ctx.planDir,
      retries: ctx.api.policy.maxRetries,
    });
  }
  return id === undefined ? null : checkBatchId(id, doing, ctx.backend);
}

/** Warns when `wave` starts after the 1h window of the previous wave (once per severity). */
export async function checkWindow(
  ctx: RunContext,
  wave: number,
  startAt: number | null,
): Promise<void> {
  const { waves } = ctx.store.state;
  const previous = waves.filter((w) => w.wave < wave).sort((a, b) => b.wave - a.wave)[0];
  if (!previous?.firstCreatedAt) return;
  const ended = previous.endedAt === null ? null : Date.parse(previous.endedAt);
  const at = startAt ?? ended;
  if (at === null) return;
  const warning = await windowWarningOf(
    ctx.source,
    wave,
    { previousCreatedAt: Date.parse(previous.firstCreatedAt), previousEndedAt: ended, startAt: at },
    ctx.windowCosts,
    ctx.models,
  );
  if (!warning) return;
  const before = ctx.warned.get(wave);
  if (before === warning.severity || before === "will") return;
  ctx.warned.set(wave, warning.severity);
  emit(ctx, { type: "warning", warning });
}

async function noteCreatedAt(ctx: RunContext, wave: number, createdAt: string): Promise<void> {
  const record = ctx.store.state.waves.find((w) => w.wave === wave);
  if (!record) return;
  if (record.firstCreatedAt === null || Date.parse(createdAt) < Date.parse(record.firstCreatedAt)) {
    record.firstCreatedAt = createdAt;
    await checkWindow(ctx, wave, Date.parse(createdAt));
  }
}

/** What the backend gets to create batch `index` (`backend.ts`), its requests as read. */
function createInput(
  ctx: RunContext,
  index: number,
  requests: readonly BatchRequest[],
): CreateInput {
  const planned = ctx.plan.batches[index]!;
  const model = (planned as { model?: unknown }).model;
  return {
    index,
    wave: planned.wave,
    requests,
    file: path.resolve(ctx.planDir, batchFileName(index, planned.wave)),
    bytes: planned.bytes,
    model: typeof model === "string" ? model : undefined,
    tag: adoptionTag(ctx.store.state.plan, index),
  };
}

/**
 * A 429 on a create: the API's rate or processing-queue limit (reference §5.6). Never a failure:
 * the run waits the `retry-after` the API asked for (else the backoff), polling its batches
 * meanwhile (`_watch.ts`), then creates again (`_queue.ts`).
 */
function queueRefused(ctx: RunContext, index: number, error: unknown): void {
  const delayMs = ctx.api.delayMs(ctx.queue.refusals, error);
  ctx.queue.blockedUntil = Math.max(ctx.queue.blockedUntil, Date.now() + delayMs);
  const record = ctx.store.state.batches[index]!;
  emit(ctx, {
    type: "queue-wait",
    index,
    wave: record.wave,
    requests: record.requestCount,
    queued: queuedRequests(ctx.store.state),
    maxQueued: ctx.queue.max,
    reason: "429",
    delayMs,
  });
}

/**
 * Creates batch `index`: intent, create, record; 529 is retried here with backoff, a 429 is a
 * wait (`queueRefused`); an unknown outcome leaves the intent open for {@link resolveAll}.
 */
async function createOne(ctx: RunContext, index: number, attempts: Map<number, number>) {
  const { store } = ctx;
  const planned = ctx.plan.batches[index]!;
  const doing = `creating batch ${index} (wave ${planned.wave}, ${planned.requestCount} request${planned.requestCount === 1 ? "" : "s"})`;
  for (;;) {
    if (aborted(ctx)) return;
    let attempt = 0;
    let sent = false;
    let batch: BatchInfo | null;
    try {
      // The batch's requests are held for this create only (from a plan folder they are read for
      // it, `_source.ts`), so the intent is recorded once they are read, just before the create.
      batch = await ctx.source.withRequests(index, async (requests) => {
        if (aborted(ctx)) return null;
        // A cancel from another process is looked for before each intent (`_cancel-marker.ts`).
        if (await pickUpCancel(store)) return null;
        attempt = (attempts.get(index) ?? 0) + 1;
        attempts.set(index, attempt);
        store.state.batches[index] = creating(store.state.batches[index]!, attempt);
        await store.save(); // the intent is on disk before the batch can exist
        sent = true;
        // Sent once, and not aborted by the run's signal: a create in flight finishes and is
        // recorded even when the run is stopping; a failure is resolved below, never resent blindly.
        return ctx.api.sendOnce(doing, (o) =>
          ctx.backend.create(createInput(ctx, index, requests), o),
        );
      });
    } catch (error) {
      if (!sent) throw error; // nothing sent: the batch file could not be read, or the intent saved
      const failure = apiFailure(error);
      const outcome = ctx.backend.createOutcome?.(error) ?? createOutcome(failure);
      const limited = failure.status === 429;
      if (limited) {
        attempts.set(index, attempt - 1); // a wait, not a failed attempt
        ctx.queue.refusals += 1;
      }
      if (outcome === "unknown") {
        // A 429 whose create may have landed (the backend says so): looked for first, then waited.
        if (limited) {
          const delayMs = ctx.api.delayMs(ctx.queue.refusals, error);
          ctx.queue.blockedUntil = Date.now() + delayMs;
        }
        if (attempt > ctx.createRetries && !limited) {
          throw explainFailure(error, {
            system: ctx.backend,
            doing,
            planDir: ctx.planDir,
            retries: ctx.createRetries,
          });
        }
        emit(ctx, {
          type: "retrying",
          index,
          attempt,
          delayMs: 0,
          reason: `${failure.status ?? "no answer"}: ${failure.message}; looking for the batch before creating it again`,
        });
        return; // the intent stays open; resolveAll decides
      }
      store.state.batches[index] = pendingAgain(store.state.batches[index]!);
      await store.save();
      if (limited && outcome === "not-created") return queueRefused(ctx, index, error);
      if (outcome === "refused" || attempt > ctx.createRetries) {
        throw explainFailure(error, {
          system: ctx.backend,
          doing,
          planDir: ctx.planDir,
          retries: ctx.createRetries,
        });
      }
      const delayMs = ctx.api.delayMs(attempt, error);
      emit(ctx, {
        type: "retrying",
        index,
        attempt,
        delayMs,
        reason: `${failure.status} ${failure.type ?? ""}`.trim(),
      });
      await pause(delayMs, ctx.signal);
      continue;
    }
    if (batch === null) return; // stopping, or canceled
    setFromBatch(store.state, index, batch, "created", doing, ctx.backend);
    ctx.queue.announced = null;
    ctx.queue.refusals = 0;
    await noteCreatedAt(ctx, planned.wave, batch.createdAt);
    await store.save();
    emit(ctx, {
      type: "created",
      index,
      wave: planned.wave,
      id: batch.id,
      requests: planned.requestCount,
    });
    return;
  }
}

/**
 * Creates every pending batch of `wave`, `concurrency` at a time, then resolves the intents
 * whose outcome is unknown, and again until every batch of the wave is created (or the run stops).
 */
export async function createWave(ctx: RunContext, wave: number): Promise<void> {
  const { state } = ctx.store;
  if (!state.waves.some((w) => w.wave === wave)) {
    const listedBefore = await newestBatchId(ctx);
    state.waves.push({
      wave,
      listedBefore,
      startedAt: new Date().toISOString(),
      firstCreatedAt: null,
      endedAt: null,
    });
    state.waves.sort((a, b) => a.wave - b.wave);
    await ctx.store.save();
  }
  await checkWindow(ctx, wave, null);
  const limit = pLimit(ctx.concurrency);
  const attempts = new Map<number, number>();
  const ofWave = () => state.batches.filter((b) => b.wave === wave);
  for (;;) {
    if (aborted(ctx)) return;
    if (state.canceledAt !== null) {
      // Canceled meanwhile: no more creates; a create whose answer was lost is still looked for.
      if (ofWave().some((b) => b.state === "creating")) await resolveAll(ctx);
      return;
    }
    // Only what fits in the processing queue, in plan order (`_queue.ts`).
    const pending = createNow(ctx, wave);
    if (pending.length > 0) {
      const results = await Promise.allSettled(
        pending.map((b) => limit(() => createOne(ctx, b.index, attempts))),
      );
      const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
      if (failed) throw failed.reason;
    }
    if (ofWave().some((b) => b.state === "creating")) await resolveAll(ctx);
    if (ofWave().every(hasId)) return;
    if (aborted(ctx) || createNow(ctx, wave).length > 0) continue;
    // No room, or a 429 asked to wait: the watch polls the wave's batches and creates the next
    // as room frees (`_watch.ts`); with none in flight, the wait is here.
    announceWait(ctx, wave);
    if (ofWave().some((b) => b.state === "submitted")) return;
    const waitMs = ctx.queue.blockedUntil - Date.now();
    if (waitMs <= 0) throw stuck(ctx, wave);
    await pause(waitMs, ctx.signal);
  }
}

/** Says once per batch that the run waits for room in the processing queue. */
function announceWait(ctx: RunContext, wave: number): void {
  const next = nextPending(ctx, wave);
  if (!next || Date.now() < ctx.queue.blockedUntil || ctx.queue.announced === next.index) return;
  ctx.queue.announced = next.index;
  emit(ctx, {
    type: "queue-wait",
    index: next.index,
    wave,
    requests: next.requestCount,
    queued: queuedRequests(ctx.store.state),
    maxQueued: ctx.queue.max,
    reason: "room",
    delayMs: null,
  });
}

/** No room and nothing in flight to make room: a state the runner never makes (a bug). */
function stuck(ctx: RunContext, wave: number): Error {
  const next = nextPending(ctx, wave);
  return new Error(
    `Internal error: batch ${next?.index} (${next?.requestCount} requests) of wave ${wave} waits for room in the processing queue (maxQueued ${ctx.queue.max}, ${queuedRequests(ctx.store.state)} queued), but no batch of the wave is in flight to make room. The state is saved; please report this.`,
  );
}
