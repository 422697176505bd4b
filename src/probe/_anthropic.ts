/**
 * The Anthropic probe (internal; `probe()` with `target: "anthropic"`): measures the Message
 * Batches API's cache for one model with a small designed experiment (see `_design.ts`), within a
 * spending cap, resumable, and writes what it measured as a calibration file that `plan`,
 * `estimate` and `simulate` accept.
 *
 * Stages, in order: size the prefixes with count_tokens (free); the synchronous write of step
 * (c), then the plan of the batch steps through `submit()` (wave 0: the cold batch, the primer,
 * the write's readers; wave 1: the primer's readers); with `long`, timed synchronous pairs.
 */
import { randomUUID } from "node:crypto";
import path from "node:path";
import { OptionsError } from "../errors.js";
import { readJsonl } from "../io/jsonl.js";
import { readPlan, resolveInside, writePlan } from "../io/plan-dir.js";
import { defaultModelTable, type ModelInfo } from "../pricing/models.js";
import { rowOf } from "../pricing/unknown-model.js";
import { readRunState } from "../run/state.js";
import { submit } from "../run/submit.js";
import type { Plan } from "../types.js";
import { analyze, type Touch, touchOf } from "./_analyze.js";
import { calibrationOf, writeCalibration } from "./_calibration-file.js";
import { localNow, type ScaleRef, sizePrefix, timedCall, waitProvider } from "./_calls.js";
import { probeCost, usageUsd } from "./_cost.js";
import {
  type DesignInput,
  PROBE_DEFAULTS,
  probePlan,
  type ResolvedLong,
  resolveLong,
  syncWrite,
  type TimedPoint,
  timedPoints,
  timedRequests,
} from "./_design.js";
import {
  checkSame,
  PROBE_CALIBRATION_FILE,
  PROBE_PLAN_DIR,
  type ProbeState,
  readProbeState,
  saveProbeState,
} from "./_state.js";
import { ProbeError } from "./errors.js";
import type { ProbeEvent, ProbeOptions, ProbeResult } from "./types.js";

interface Ctx {
  options: ProbeOptions;
  dir: string;
  state: ProbeState;
  info: ModelInfo;
  maxUsd: number;
  scale: ScaleRef;
  emit: (event: ProbeEvent) => void;
  stopped?: string;
}

function checkOptions(options: ProbeOptions): { k: number; maxUsd: number; long: ResolvedLong } {
  if (typeof options?.client !== "object" || options.client === null)
    throw new OptionsError("`client` must be an `Anthropic` client from `@anthropic-ai/sdk`.");
  if (typeof options.model !== "string" || options.model === "")
    throw new OptionsError('`model` must name the model to probe, e.g. `"claude-haiku-4-5"`.');
  if (typeof options.out !== "string" || options.out === "")
    throw new OptionsError('`out` must name the probe\'s folder, e.g. `"probe/"`.');
  const k = options.k ?? PROBE_DEFAULTS.k;
  if (!Number.isInteger(k) || k < 2 || k > 1000)
    throw new OptionsError(`\`k\` must be an integer from 2 to 1000; got ${JSON.stringify(k)}.`);
  const maxUsd = options.maxUsd ?? PROBE_DEFAULTS.maxUsd;
  if (!(Number.isFinite(maxUsd) && maxUsd > 0))
    throw new OptionsError(
      `\`maxUsd\` must be a number of USD > 0; got ${JSON.stringify(maxUsd)}.`,
    );
  return { k, maxUsd, long: resolveLong(options.long) };
}

/** Runs (or resumes) the Anthropic probe; see `probe()`. */
export async function probeAnthropic(options: ProbeOptions): Promise<ProbeResult> {
  const { k, maxUsd, long } = checkOptions(options);
  const { info, known } = rowOf(options.models ?? defaultModelTable, options.model);
  if (!known)
    throw new ProbeError(
      "probe-unpriced",
      `${options.model} is not in the model table, so the probe cannot price what it sends or keep a cap. Supply its prices and minimum with \`--models file.json\`.`,
    );
  const dir = path.resolve(options.out);
  const asked = {
    version: 1 as const,
    target: "anthropic" as const,
    model: options.model,
    k,
    long,
  };
  const saved = await readProbeState(dir);
  if (saved) checkSame(options.out, saved, asked);
  const state: ProbeState = saved ?? {
    ...asked,
    nonce: options.nonce ?? randomUUID(),
    words: null,
    prefixTokens: null,
    calls: {},
  };
  const ctx: Ctx = {
    options,
    dir,
    state,
    info,
    maxUsd,
    scale: { scale: 1 },
    emit: (event) => {
      try {
        options.onProgress?.(event);
      } catch {
        // A progress display must not break the probe.
      }
    },
  };
  await saveProbeState(dir, state);
  let batchesDone = false;
  try {
    batchesDone = await runStages(ctx);
  } catch (error) {
    // A call cut short by the caller's signal: the probe stopped, nothing failed; its folder
    // holds every answer recorded so far, and running it again resumes.
    if (!aborted(ctx)) throw error;
  }
  return finish(ctx, batchesDone);
}

async function runStages(ctx: Ctx): Promise<boolean> {
  const { state, options } = ctx;
  if (state.words === null) {
    ctx.emit({
      type: "stage",
      stage: "size",
      message: "Sizing the prefixes with count_tokens (free)",
    });
    const sized = await sizePrefix(
      options.client,
      state.model,
      ctx.info.minCacheableTokens,
      ctx.scale,
    );
    state.words = sized.words;
    state.prefixTokens = sized.tokens;
    await saveProbeState(ctx.dir, state);
  }
  const done = await batchStage(ctx);
  if (!done || aborted(ctx)) return done;
  await longStage(ctx);
  return done;
}

const aborted = (ctx: Ctx) => ctx.options.signal?.aborted === true;

function design(state: ProbeState): DesignInput {
  return {
    model: state.model,
    k: state.k,
    nonce: state.nonce,
    words: state.words!,
    prefixTokens: state.prefixTokens!,
  };
}

/** USD spent so far, from every response's usage. */
async function spent(ctx: Ctx): Promise<number> {
  let usd = 0;
  for (const call of Object.values(ctx.state.calls)) usd += usageUsd(ctx.info, call.usage, false);
  for (const touch of (await batchUsages(ctx)).usages) usd += usageUsd(ctx.info, touch, true);
  return usd;
}

/** Stops before a stage that could cross the cap; returns false then. */
async function withinCap(ctx: Ctx, stage: "batches" | "long", worstUsd: number): Promise<boolean> {
  const spentUsd = await spent(ctx);
  if (spentUsd + worstUsd <= ctx.maxUsd) return true;
  ctx.emit({ type: "capped", stage, spentUsd, worstUsd, maxUsd: ctx.maxUsd });
  ctx.stopped = `The ${stage === "batches" ? "batch steps (a–c)" : "next timed read (d)"} could cost up to $${worstUsd.toFixed(4)} on top of $${spentUsd.toFixed(4)} spent, over the cap of $${ctx.maxUsd.toFixed(2)}: not started. Raise \`--max-usd\` or lower \`--k\`, and run again to resume.`;
  return false;
}

async function batchStage(ctx: Ctx): Promise<boolean> {
  const { state, options } = ctx;
  const planDir = path.join(ctx.dir, PROBE_PLAN_DIR);
  const d = design(state);
  const started = state.calls["c-write"] !== undefined;
  let plan: Plan | undefined;
  if (!started) {
    const cost = probeCost(state.model, {
      k: state.k,
      models: options.models,
      prefixTokens: state.prefixTokens!,
    });
    const worst = cost.lines.filter((l) => l.step !== "d").reduce((s, l) => s + l.highUsd, 0);
    if (!(await withinCap(ctx, "batches", worst))) return false;
    if ((await readRunState(planDir).catch(() => null)) === null) {
      await writePlan(probePlan(d), planDir, { overwrite: true });
    }
    plan = await readPlan(planDir); // read before the write, so its readers' batch follows at once
    ctx.emit({
      type: "stage",
      stage: "sync-write",
      message: "(c) synchronous write of a 1h entry",
    });
    state.calls["c-write"] = await timedCall(
      options.client,
      syncWrite(d),
      ctx.scale,
      options.signal,
    );
    await saveProbeState(ctx.dir, state);
  }
  if (aborted(ctx)) return false;
  ctx.emit({
    type: "stage",
    stage: "batches",
    message: "(a) cold batch, (b) primer then readers, (c) readers of the write",
  });
  plan ??= await readPlan(planDir);
  const result = await submit(plan, {
    ...options.submit,
    client: options.client,
    planDir,
    ...(options.signal ? { signal: options.signal } : {}),
    onProgress: (event) => ctx.emit({ type: "run", event }),
  });
  if (result.status === "interrupted") ctx.stopped = "Stopped; run the probe again to resume.";
  return result.status === "ended";
}

async function longStage(ctx: Ctx): Promise<void> {
  const { state, options } = ctx;
  const points = timedPoints(state.long);
  if (points.length === 0) return;
  ctx.emit({
    type: "stage",
    stage: "long",
    message: `(d) ${points.length} timed write-and-read pairs`,
  });
  const cost = probeCost(state.model, {
    k: state.k,
    long: state.long,
    models: options.models,
    prefixTokens: state.prefixTokens!,
  });
  const worst = cost.lines.filter((l) => l.step === "d").map((l) => l.highUsd);
  const fits = async (i: number) => withinCap(ctx, "long", worst[i]!);
  // Visibility pairs one after the other: each read follows its own write by its delay.
  const visibility = points.filter((p) => p.kind === "visibility");
  for (const point of visibility) {
    if (aborted(ctx) || ctx.stopped) return;
    if (!state.calls[point.id] && !(await fits(points.indexOf(point)))) return;
    await writeOnce(ctx, point);
    await readWhenDue(ctx, point);
  }
  // TTL pairs: every write first, then each read when it falls due (minutes to an hour later).
  const ttl = points.filter((p) => p.kind !== "visibility");
  const written: TimedPoint[] = [];
  for (const point of ttl) {
    if (aborted(ctx)) return;
    // A read that fell due while writing is made first, so it is not late by the other writes.
    for (const done of written) if (due(state, done) <= localNow()) await readWhenDue(ctx, done);
    if (!state.calls[point.id] && (ctx.stopped || !(await fits(points.indexOf(point))))) break;
    await writeOnce(ctx, point);
    written.push(point);
  }
  for (const point of written.sort((a, b) => due(state, a) - due(state, b))) {
    if (aborted(ctx)) return;
    await readWhenDue(ctx, point);
  }
}

/** When a pair's read is due, on this machine's clock. */
function due(state: ProbeState, point: TimedPoint): number {
  const write = state.calls[point.id]!;
  return write.doneAt + point.delayMs / write.scale;
}

async function writeOnce(ctx: Ctx, point: TimedPoint): Promise<void> {
  const { state, options } = ctx;
  if (state.calls[point.id]) return;
  const request = timedRequests(design(state), point).write;
  state.calls[point.id] = await timedCall(options.client, request, ctx.scale, options.signal);
  await saveProbeState(ctx.dir, state);
}

/** Reads a pair's prefix once, when due; each prefix is read once (a read refreshes it, fact 7). */
async function readWhenDue(ctx: Ctx, point: TimedPoint): Promise<void> {
  const { state, options } = ctx;
  const readId = `${point.id}-read`;
  if (state.calls[readId]) return;
  const scale = state.calls[point.id]!.scale;
  await waitProvider((due(state, point) - localNow()) * scale, scale, options.signal);
  if (aborted(ctx)) return;
  const request = timedRequests(design(state), point).read;
  const read = await timedCall(options.client, request, ctx.scale, options.signal);
  state.calls[readId] = read;
  await saveProbeState(ctx.dir, state);
  const t = touchOf(read.usage);
  ctx.emit({
    type: "call",
    stage: "long",
    customId: readId,
    read: t?.read ?? 0,
    written: t?.written ?? 0,
  });
}

/** Usage of each succeeded batch request, and the provider ms from the write to its readers' batch. */
async function batchUsages(
  ctx: Ctx,
): Promise<{ touches: Map<string, Touch>; usages: unknown[]; gapMs: number | null }> {
  const planDir = path.join(ctx.dir, PROBE_PLAN_DIR);
  const run = await readRunState(planDir).catch(() => null);
  const touches = new Map<string, Touch>();
  const usages: unknown[] = [];
  let gapMs: number | null = null;
  for (const b of run?.batches ?? []) {
    const write = ctx.state.calls["c-write"];
    if (b.index === 2 && "created_at" in b && write)
      gapMs = Math.max(0, (Date.parse(b.created_at) - write.doneAt) * write.scale);
    if (b.state !== "downloaded") continue;
    const file = await resolveInside(planDir, b.results.file, `\`${planDir}/run.json\``);
    for await (const line of readJsonl(file, { source: b.results.file })) {
      const value = line.value as {
        custom_id?: string;
        result?: { type?: string; message?: { usage?: unknown } };
      };
      if (value?.result?.type !== "succeeded") continue;
      const usage = value.result.message?.usage;
      const touch = touchOf(usage);
      if (touch && typeof value.custom_id === "string") touches.set(value.custom_id, touch);
      usages.push(usage);
    }
  }
  return { touches, usages, gapMs };
}

async function finish(ctx: Ctx, batchesDone: boolean): Promise<ProbeResult> {
  const { state } = ctx;
  const { touches, gapMs } = await batchUsages(ctx);
  const { measurements, params } = analyze({
    k: state.k,
    model: state.model,
    minimum: ctx.info.minCacheableTokens,
    prefixTokens: state.prefixTokens,
    long: state.long,
    batch: touches,
    batchesDone,
    calls: state.calls,
    syncGapMs: gapMs,
    concurrency: 64,
  });
  const calibration = calibrationOf(state.model, measurements, params);
  const calibrationFile = path.join(ctx.dir, PROBE_CALIBRATION_FILE);
  await writeCalibration(calibrationFile, calibration);
  const status = aborted(ctx) ? "interrupted" : ctx.stopped ? "capped" : "complete";
  return {
    version: 1,
    target: "anthropic",
    model: state.model,
    k: state.k,
    status,
    ...(ctx.stopped ? { stopped: ctx.stopped } : {}),
    prefixTokens: state.prefixTokens ?? 0,
    spentUsd: await spent(ctx),
    cost: probeCost(state.model, {
      k: state.k,
      long: state.long,
      models: ctx.options.models,
      ...(state.prefixTokens ? { prefixTokens: state.prefixTokens } : {}),
    }),
    measurements,
    calibration,
    calibrationFile,
  };
}
