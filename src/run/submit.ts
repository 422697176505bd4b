/**
 * `submit()`: sends a plan's waves through the Message Batches API and collects every result,
 * resumable after anything (a crash, Ctrl-C, a lost answer, a sleeping laptop). See `_adopt.ts`
 * for the rule that finds a batch whose create answer was lost.
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { isCacheplanError, OptionsError } from "../errors.js";
import type { Plan } from "../types.js";
import { backendFor } from "./_backend.js";
import { ApiCaller, type CallEvent, linkedSignal } from "./_call.js";
import { pickUpCancel } from "./_cancel-marker.js";
import { aborted, emit, type RunContext } from "./_context.js";
import { checkWindow, createWave, resolveAll } from "./_create.js";
import { isBatchId } from "./_ids.js";
import { cleanLeftovers } from "./_leftovers.js";
import { callPolicy, positive, redactError } from "./_options.js";
import { checkMaxQueued } from "./_queue.js";
import { hasId, progressOf } from "./_records.js";
import { folderSource, memorySource, type PlanSource } from "./_source.js";
import { isRunStopped } from "./_stopped.js";
import { acquireLock, StateStore } from "./_store.js";
import { watchWave } from "./_watch.js";
import type { BatchBackend } from "./backend.js";
import { RunError } from "./errors.js";
import { isPlanFolder, type PlanFolder } from "./plan-folder.js";
import { redactSecrets } from "./redact.js";
import { initialRunStateOf, RUN_STATE_FILE, readRunState, targetOf } from "./state.js";
import type { SubmitOptions, SubmitResult } from "./types.js";

function resolveContext(
  source: PlanSource,
  options: SubmitOptions,
  backend: BatchBackend,
  store: StateStore,
  signal: AbortSignal,
): RunContext {
  const poll = options.poll ?? {};
  const factor = positive(poll.factor, "poll.factor", 1.5);
  if (factor < 1) throw new OptionsError(`\`poll.factor\` must be ≥ 1; got ${factor}.`);
  const recreate = options.recreate ?? false;
  const policy = callPolicy(options);
  const plan = source.plan;
  const ctx: RunContext = {
    plan,
    source,
    planDir: options.planDir,
    backend,
    api: new ApiCaller(policy, signal, (event: CallEvent) => emit(ctx, event)),
    secrets: [...backend.secrets],
    store,
    signal,
    onProgress: options.onProgress,
    concurrency: positive(options.concurrency, "concurrency", 4, true),
    poll: {
      intervalMs: positive(poll.intervalMs, "poll.intervalMs", 10_000),
      maxIntervalMs: positive(poll.maxIntervalMs, "poll.maxIntervalMs", 60_000),
      factor,
    },
    timeScale: 1,
    createRetries: positive(options.createRetries, "createRetries", policy.maxRetries),
    settleMs: positive(options.createSettleMs, "createSettleMs", 30_000),
    ambiguous: ambiguousOption(options.ambiguous),
    announced: new Set(),
    models: options.models,
    adopt: new Map(Object.entries(options.adopt ?? {}).map(([k, v]) => [Number(k), v])),
    recreate: typeof recreate === "boolean" ? recreate : new Set(recreate),
    current: { wave: null, runStartedMs: Date.now() },
    warned: new Map(),
    windowCosts: new Map(),
    queue: {
      max: checkMaxQueued(
        options.maxQueued,
        Math.max(0, ...plan.batches.map((b) => b.requestCount)),
      ),
      blockedUntil: 0,
      announced: null,
      refusals: 0,
    },
  };
  return ctx;
}

function ambiguousOption(value: SubmitOptions["ambiguous"]): "wait" | "stop" {
  if (value === undefined || value === "wait" || value === "stop") return value ?? "wait";
  throw new OptionsError(`\`ambiguous\` must be "wait" or "stop"; got ${JSON.stringify(value)}.`);
}

/** Checks `adopt` and `recreate` against the plan: indexes that exist, ids that look like ids. */
function checkDirections(ctx: RunContext): void {
  const batches = ctx.plan.batches.length;
  for (const [index, id] of ctx.adopt) {
    if (!Number.isInteger(index) || index < 0 || index >= batches) {
      throw new OptionsError(
        `\`adopt\` names batch ${index}; the plan has batches 0 to ${batches - 1}.`,
      );
    }
    if (!isBatchId(id, ctx.backend)) {
      throw new OptionsError(
        `\`adopt\` gives batch ${index} the id ${JSON.stringify(id)}, which is not a ${ctx.backend.batchNoun} id (${ctx.backend.idShape}, as \`cacheplan status\` and the Console show them).`,
      );
    }
    if (ctx.store.state.batches[index]?.state !== "creating") {
      throw new OptionsError(
        `\`adopt\` names batch ${index}, whose create is not in doubt (it is ${ctx.store.state.batches[index]?.state}); adopt only applies to a create whose answer was lost.`,
      );
    }
  }
}

/**
 * Submits a plan: creates wave 0's batches (`concurrency` at a time), polls them with backoff
 * until each has ended, downloads each one's results as soon as it ends, then does the same for
 * the next wave, warning when a wave starts after the 1h window of the previous one.
 *
 * Everything is recorded in `run.json` in `planDir` (see {@link RunState}) before and after each
 * step, so `submit()` run again on the same plan resumes: it never creates a batch twice
 * silently, re-downloads only what is not on disk, and after a crash between a create and its
 * record it finds the batch by the adoption rule (`_adopt.ts`) or stops and asks.
 *
 * `plan` is a plan in memory, or a plan folder opened with `openPlanFolder()` (a job too large to
 * hold: each batch's requests are read from its file for its create, at most two batches at once,
 * and every file is checked against `plan.json` before it is used; `planDir` must be that folder).
 *
 * Results go to `results/<batch>-<id>.jsonl` in `planDir`, one line per planned `custom_id` that
 * came back; the ones that did not are listed in the state (`results.missing`).
 *
 * @throws {RunError} on an API failure that `maxRetries` retries did not cure (`code: "api"`,
 * with what to do), an ambiguous adoption, a plan that is not the state's, an answer the API never
 * gives (`bad-answer`: a batch id that is not one), or a folder another process is submitting.
 * The state is saved first; run `submit()` again to resume. Messages never hold the client's key.
 * @throws {OptionsError} on bad options.
 *
 * @example
 * ```ts
 * import Anthropic from "@anthropic-ai/sdk";
 * const result = await submit(await readPlan("plan/"), {
 *   client: new Anthropic(),
 *   planDir: "plan/",
 *   onProgress: (event) => console.log(renderRunEvent(event) ?? ""),
 * });
 * result.status; // "ended"
 * ```
 */
export async function submit(
  plan: Plan | PlanFolder,
  options: SubmitOptions,
): Promise<SubmitResult> {
  const source = sourceOf(plan, options);
  if (isPlanFolder(plan)) options = { ...options, planDir: plan.folder };
  if (typeof options?.planDir !== "string" || options.planDir === "") {
    throw new OptionsError("`planDir` must name the plan folder, where `run.json` is written.");
  }
  const backend = await backendFor(targetOf(source.plan), options);
  const secrets = [...backend.secrets];
  try {
    return await locked(source, options, backend);
  } catch (error) {
    throw redactError(error, secrets);
  }
}

/**
 * Where the run reads the plan's requests: the plan itself, or the folder's batch files (a
 * `PlanFolder` is run in its own folder: `planDir`, when given, must be it).
 */
function sourceOf(plan: Plan | PlanFolder, options: SubmitOptions): PlanSource {
  if (!isPlanFolder(plan)) return memorySource(plan);
  if (options?.planDir !== undefined && path.resolve(String(options.planDir)) !== plan.folder) {
    throw new OptionsError(
      `\`planDir\` (${JSON.stringify(options.planDir)}) is not the opened plan folder \`${plan.folder}\`: a plan folder's run is recorded in that folder. Leave \`planDir\` out, or give that folder.`,
    );
  }
  return folderSource(plan);
}

async function locked(
  source: PlanSource,
  options: SubmitOptions,
  backend: BatchBackend,
): Promise<SubmitResult> {
  const planDir = options.planDir;
  await mkdir(planDir, { recursive: true });
  const release = await acquireLock(planDir);
  // One listener on the caller's signal for the whole run; the run's own listeners (polls,
  // downloads, pauses, each bounded by its concurrency) are on `linked.signal` (see `_call.ts`).
  const linked = linkedSignal(options.signal, 64 + (options.concurrency ?? 4));
  try {
    await cleanLeftovers(planDir);
    const fresh = initialRunStateOf(
      source.plan,
      await source.fingerprints(),
      new Date().toISOString(),
    );
    const saved = await readRunState(planDir);
    if (saved !== null && saved.plan !== fresh.plan) {
      throw new RunError(
        "plan-changed",
        `\`${planDir}/${RUN_STATE_FILE}\` records a run of another plan (its batches differ from this plan's). Submit the plan it belongs to, or move \`${RUN_STATE_FILE}\` and \`results/\` away to start a new run (batches it created would then be created again).`,
      );
    }
    await source.verify(planDir);
    const store = new StateStore(planDir, saved ?? fresh);
    store.secrets = [...backend.secrets];
    const ctx = resolveContext(source, options, backend, store, linked.signal);
    checkDirections(ctx);
    if (store.state.lastFailure) store.state.lastFailure = null; // running again
    if (saved === null || store.state.lastFailure === null) await store.save();
    await pickUpCancel(store); // a cancel asked for while no submit ran (`_cancel-marker.ts`)
    try {
      return await run(ctx, saved !== null);
    } catch (error) {
      // A call cut short by the run's own signal: the run stopped, nothing failed (`_stopped.ts`).
      if (isRunStopped(error) && aborted(ctx)) return await finish(ctx);
      await recordFailure(store, error);
      throw error;
    }
  } finally {
    linked.dispose();
    await release();
  }
}

/**
 * Records in `run.json` why the run stopped (`status` says it), redacted on write (`_store.ts`);
 * a failure to write it must not hide the failure itself.
 */
async function recordFailure(store: StateStore, error: unknown): Promise<void> {
  const code = isCacheplanError(error) ? error.code : "unexpected";
  const message = redactSecrets(
    error instanceof Error ? error.message : String(error),
    store.secrets,
  );
  store.state.lastFailure = { at: new Date().toISOString(), code, message };
  await store.save().catch(() => {});
}

async function run(ctx: RunContext, resumed: boolean): Promise<SubmitResult> {
  const { state } = ctx.store;
  emit(ctx, { type: "start", resumed });
  await resolveAll(ctx);
  const waves = [...new Set(state.batches.map((b) => b.wave))].sort((a, b) => a - b);
  for (const wave of waves) {
    if (aborted(ctx)) break;
    await pickUpCancel(ctx.store);
    const ofWave = state.batches.filter((b) => b.wave === wave);
    if (ofWave.every((b) => b.state === "downloaded")) continue;
    const creates = state.canceledAt === null && ofWave.some((b) => b.state === "pending");
    if (!creates && !ofWave.some(hasId)) continue; // canceled before this wave
    ctx.current = { ...ctx.current, wave, startedMs: Date.now() };
    emit(ctx, {
      type: "wave",
      wave,
      batches: ofWave.length,
      requests: ofWave.reduce((sum, b) => sum + b.requestCount, 0),
    });
    if (!creates) await checkWindow(ctx, wave, null);
    // Again while a batch of the wave went back to pending (one adopted by mistake, see _watch.ts).
    do {
      if (state.canceledAt === null) await createWave(ctx, wave);
      await watchWave(ctx, wave);
    } while (
      !aborted(ctx) &&
      state.canceledAt === null &&
      state.batches.some((b) => b.wave === wave && b.state === "pending")
    );
    if (aborted(ctx)) break;
    const record = state.waves.find((w) => w.wave === wave);
    const ended = state.batches
      .filter((b) => b.wave === wave && hasId(b) && b.state !== "submitted")
      .map((b) => ("ended_at" in b ? Date.parse(b.ended_at) : 0));
    if (record && ended.length > 0) {
      record.endedAt = new Date(Math.max(...ended)).toISOString();
      record.finishedAt = new Date().toISOString();
      await ctx.store.save();
    }
  }
  return finish(ctx);
}

/** Saves the state and says how the run ended: interrupted (the signal aborted), canceled, done. */
async function finish(ctx: RunContext): Promise<SubmitResult> {
  const { state } = ctx.store;
  const interrupted = aborted(ctx);
  ctx.current = { runStartedMs: ctx.current.runStartedMs, wave: null };
  await ctx.store.save();
  const status = interrupted ? "interrupted" : state.canceledAt !== null ? "canceled" : "ended";
  emit(ctx, status === "interrupted" ? { type: "interrupted" } : { type: "done", status });
  return {
    status,
    state: structuredClone(state),
    progress: progressOf(state),
    resultsFiles: state.batches.flatMap((b) => (b.state === "downloaded" ? [b.results.file] : [])),
  };
}
