/**
 * Planning a JSONL file in bounded memory: an index pass reads the file once and keeps, per
 * request, only what the planner decides on (`Accepted`: id, sizes, slim segments, the line's
 * byte offset); a copy pass then reads each accepted line again by its offset, in planned order,
 * adds the plan's markers (and opted-in splits), and streams it out. Memory grows with the number
 * of requests and the shared text, never with the volume of unique text; the plan and its batch
 * files are byte-identical to `writePlan(await plan(readJsonl(file)))`.
 *
 * The copy pass writes each wave's lines to a spool file in planned order and records each
 * line's exact size; batches are cut from the exact sizes (as `plan()` does) and each batch file
 * is then a byte range of its wave's spool, copied (or, for a wave of one batch, renamed) into
 * place and hashed on the way.
 */
import { createHash } from "node:crypto";
import type { Stats } from "node:fs";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, mkdtemp, rename, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Readable } from "node:stream";
import { finished } from "node:stream/promises";
import { InputError } from "../errors.js";
import { readJsonl } from "../io/jsonl.js";
import {
  batchFileName,
  customIdsHash,
  type PlanFile,
  type PlanFileBatch,
  toPlanFile,
  writePlan,
  writePlanFolder,
} from "../io/plan-dir.js";
import type { PlanOptions } from "../types.js";
import type { BatchSlot } from "./_batching.js";
import { packBatches } from "./_batching.js";
import type { PlanContext } from "./_context.js";
import { Collector, collect } from "./_gc.js";
import { editsOf, placeRequest } from "./_placement.js";
import { GC_EVERY_BYTES, indexFile, PlanPool } from "./_pool.js";
import { FileSource } from "./_source.js";
import { BODY_OVERHEAD_BYTES } from "./_split.js";

/** Most requests, and most input bytes, per run of the copy pass (one worker task). */
const COPY_RUN = 1000;
const COPY_RUN_BYTES = 4 * 2 ** 20;

import { assemblePlan, createContext, type Decisions, decide, plan } from "./plan.js";

/** Where the requests come from: a JSONL file, or a stream (spooled to a temp file first). */
export type JsonlInput = { file: string; source?: string } | { stream: Readable; source: string };

/** Where (and whether) to write the plan folder. */
export interface PlanFolderOptions {
  dir: string;
  overwrite?: boolean;
  cwd?: string;
  /** Asked once the plan is made: `false` writes nothing (e.g. rejected requests). */
  accept?: (plan: PlanFile) => boolean;
}

/** The plan of a JSONL job as `plan.json` holds it, and whether the folder was written. */
export interface StreamedPlan {
  plan: PlanFile;
  wrote: boolean;
}

class NotAccepted extends Error {}

/**
 * Plans a JSONL file (or stream) in bounded memory and, with `out`, writes the plan folder (as
 * `writePlan()` does: checked first, staged, renamed into place). Returns `plan.json`'s content.
 */
export async function planJsonl(
  input: JsonlInput,
  options: PlanOptions = {},
  out?: PlanFolderOptions,
): Promise<StreamedPlan> {
  // Targets that cut batches one model each (`finishForTarget`) are planned in memory.
  if (options.target !== undefined && options.target !== "anthropic")
    return planInMemory(input, options, out);
  const temp = await mkdtemp(path.join(os.tmpdir(), "cacheplan-plan-"));
  try {
    const file = "file" in input ? input.file : await spool(input.stream, temp);
    const source = input.source ?? ("file" in input ? input.file : "-");
    let made: PlanFile | undefined;
    const make = async (staging: string | undefined) => {
      made = await planInto(file, source, options, staging, temp);
      if (staging !== undefined && out?.accept && !out.accept(made)) throw new NotAccepted();
    };
    if (out === undefined) {
      await make(undefined);
      return { plan: made!, wrote: false };
    }
    try {
      await writePlanFolder(out.dir, out, make);
    } catch (error) {
      if (error instanceof NotAccepted) return { plan: made!, wrote: false };
      throw error;
    }
    return { plan: made!, wrote: true };
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

/** The in-memory planner behind the same interface (for targets with their own batch rules). */
async function planInMemory(
  input: JsonlInput,
  options: PlanOptions,
  out: PlanFolderOptions | undefined,
): Promise<StreamedPlan> {
  const lines =
    "file" in input
      ? readJsonl(input.file, { source: input.source ?? input.file })
      : readJsonl(input.stream, { source: input.source });
  const planned = await plan(lines, options);
  const file = toPlanFile(planned);
  if (out === undefined || (out.accept && !out.accept(file))) return { plan: file, wrote: false };
  await writePlan(planned, out.dir, out);
  return { plan: file, wrote: true };
}

/** Copies a stream to a file in `dir` (standard input is read twice: index and copy pass). */
async function spool(stream: Readable, dir: string): Promise<string> {
  const file = path.join(dir, "input.jsonl");
  const out = createWriteStream(file);
  for await (const chunk of stream) {
    if (!out.write(chunk)) await new Promise<void>((r) => out.once("drain", () => r()));
  }
  out.end();
  await finished(out);
  return file;
}

/** The plan of `file`; with `staging`, its batch files and `plan.json` are written there. */
async function planInto(
  file: string,
  source: string,
  options: PlanOptions,
  staging: string | undefined,
  temp: string,
): Promise<PlanFile> {
  const requests = new FileSource(file);
  const setup = {
    file,
    source,
    userMarkers: options.userMarkers === "replace" ? ("replace" as const) : ("keep" as const),
  };
  // Workers for each pass, stopped in between: their heaps are not held while the plan is made.
  let pool = PlanPool.create(setup);
  try {
    const ctx = await createContext(options, requests);
    // A missing or unreadable file is reported by the index pass, with its own message.
    const before = await stat(file).catch(() => undefined);
    const decided = await decide(async (sink) => {
      const items = await indexFile(file, source, ctx.options.userMarkers, pool, (record) =>
        sink.take(record),
      );
      return sink.finish(items);
    }, ctx);
    await pool?.close();
    if (before !== undefined) await unchangedSince(file, source, before);
    collect();
    pool = PlanPool.create(setup);
    const spoolDir = staging === undefined ? temp : path.join(staging, ".spool");
    await mkdir(spoolDir, { recursive: true });
    const sizes = await copyPass(ctx, decided, spoolDir, pool);
    const batching = packBatches(ctx, decided.byWave, (r) => sizes[r]!);
    const batches: PlanFileBatch[] = [];
    if (staging !== undefined) await mkdir(path.join(staging, "batches"), { recursive: true });
    let wave = -1;
    let offset = 0;
    for (const slot of batching.batches) {
      if (slot.wave !== wave) [wave, offset] = [slot.wave, 0];
      // The batch file: the body's requests, each with a newline instead of a comma.
      const lineBytes = slot.bytes - BODY_OVERHEAD_BYTES + 1;
      const spoolFile = path.join(spoolDir, `wave-${slot.wave}.jsonl`);
      const whole = offset === 0 && waveBatches(batching.batches, slot.wave) === 1;
      const target =
        staging === undefined
          ? undefined
          : path.join(staging, batchFileName(slot.index, slot.wave));
      const contentHash = await copyRange(spoolFile, offset, lineBytes, target, whole);
      offset += lineBytes;
      batches.push(fileBatch(ctx, slot, contentHash));
    }
    await rm(path.join(spoolDir), { recursive: true, force: true }).catch(() => undefined);
    const plan: PlanFile = assemblePlan(ctx, decided, batching, (slot) => batches[slot.index]!);
    if (staging !== undefined)
      await writeFile(path.join(staging, "plan.json"), `${JSON.stringify(plan, null, 2)}\n`);
    return plan;
  } finally {
    requests.close();
    await pool?.close();
  }
}

/**
 * Refuses to copy from a file that changed since the index pass (size or modification time): the
 * offsets recorded would point into other lines.
 */
export async function unchangedSince(file: string, source: string, before: Stats): Promise<void> {
  const now = await stat(file);
  if (now.size !== before.size || now.mtimeMs !== before.mtimeMs)
    throw new InputError(
      `\`${source}\` changed while it was being planned (it was written to between the two reads of the file); nothing was written. Plan it again once it is complete.`,
      source,
    );
}

function waveBatches(batches: readonly BatchSlot[], wave: number): number {
  let n = 0;
  for (const b of batches) if (b.wave === wave) n += 1;
  return n;
}

/** A batch's record in `plan.json` (as `toPlanFile()` writes it). */
function fileBatch(ctx: PlanContext, slot: BatchSlot, contentHash: string): PlanFileBatch {
  return {
    index: slot.index,
    file: batchFileName(slot.index, slot.wave),
    wave: slot.wave,
    requestCount: slot.requestCount,
    bytes: slot.bytes,
    contentHash,
    customIdsHash: customIdsHash(slot.members.map((r) => ctx.accepted[r]!.customId)),
  };
}

/**
 * The copy pass: each wave's requests, read again by offset in planned order, with the plan's
 * edits, one JSON line each, into `wave-N.jsonl` in `dir`. Returns each request's exact size.
 */
async function copyPass(
  ctx: PlanContext,
  decided: Decisions,
  dir: string,
  pool: PlanPool | undefined,
): Promise<Uint32Array> {
  const source = ctx.source as FileSource;
  const sizes = new Uint32Array(ctx.accepted.length);
  for (const [wave, members] of decided.byWave.entries()) {
    const out = createWriteStream(path.join(dir, `wave-${wave}.jsonl`), { highWaterMark: 1 << 20 });
    const collector = new Collector(GC_EVERY_BYTES);
    const write = async (text: string) => {
      collector.add(text.length);
      if (!out.write(text))
        await new Promise<void>((resolve) => out.once("drain", () => resolve()));
    };
    if (pool === undefined) {
      for (const run of copyRuns(source, members)) {
        const lines = run.map((r) => {
          const line = JSON.stringify(placeRequest(ctx, r, source.fresh(r)));
          sizes[r] = Buffer.byteLength(line);
          return line;
        });
        await write(`${lines.join("\n")}\n`);
      }
    } else {
      const queue: { run: number[]; reply: Promise<Record<string, unknown>> }[] = [];
      const drain = async () => {
        const { run, reply } = queue.shift()!;
        const { text, sizes: got } = (await reply) as { text: string; sizes: Uint32Array };
        run.forEach((r, k) => {
          sizes[r] = got[k]!;
        });
        await write(text);
      };
      for (const run of copyRuns(source, members)) {
        const task = copyTask(ctx, source, run);
        queue.push({
          run,
          reply: pool.run(task, [
            task.offsets.buffer,
            task.lengths.buffer,
            task.editStarts.buffer,
            task.edits.buffer,
          ] as ArrayBuffer[]),
        });
        while (queue.length >= pool.size * 2) await drain();
      }
      while (queue.length > 0) await drain();
    }
    out.end();
    await finished(out);
  }
  return sizes;
}

/**
 * A wave's requests in runs of at most `COPY_RUN` requests and `COPY_RUN_BYTES` of input (a run
 * holds at least one request): a worker holds a run's lines twice (read, written), so long
 * requests make short runs (the review of issue 14: 1,000 requests of 30 KB ran a worker's heap
 * out of memory).
 */
function* copyRuns(source: FileSource, members: readonly number[]): Generator<number[]> {
  let run: number[] = [];
  let bytes = 0;
  for (const r of members) {
    const length = source.where(r)[1];
    if (run.length > 0 && (run.length === COPY_RUN || bytes + length > COPY_RUN_BYTES)) {
      yield run;
      run = [];
      bytes = 0;
    }
    run.push(r);
    bytes += length;
  }
  if (run.length > 0) yield run;
}

/** A worker's copy task for a run of requests: where each line is, and its edits. */
function copyTask(ctx: PlanContext, source: FileSource, run: readonly number[]) {
  const offsets = new Float64Array(run.length);
  const lengths = new Uint32Array(run.length);
  const editStarts = new Uint32Array(run.length + 1);
  const flat: number[] = [];
  run.forEach((r, k) => {
    [offsets[k], lengths[k]] = source.where(r);
    for (const e of editsOf(ctx, r))
      flat.push(e.segment, e.cut, e.ttl === "1h" ? 1 : 0, e.planner ? 1 : 0);
    editStarts[k + 1] = flat.length / 4;
  });
  return { kind: "copy" as const, offsets, lengths, editStarts, edits: Int32Array.from(flat) };
}

/**
 * Copies `length` bytes at `offset` of `spoolFile` to `target` (renames it when `whole`), and
 * returns the `sha256:` hash of those bytes. Without a target, only hashes.
 */
async function copyRange(
  spoolFile: string,
  offset: number,
  length: number,
  target: string | undefined,
  whole: boolean,
): Promise<string> {
  const hash = createHash("sha256");
  const input = createReadStream(spoolFile, {
    start: offset,
    end: offset + length - 1,
    highWaterMark: 1 << 20,
  });
  const out = target !== undefined && !whole ? createWriteStream(target) : undefined;
  if (length > 0) {
    for await (const chunk of input) {
      hash.update(chunk as Buffer);
      if (out && !out.write(chunk)) await new Promise<void>((r) => out.once("drain", () => r()));
    }
  } else input.destroy();
  if (out) {
    out.end();
    await finished(out);
  } else if (target !== undefined) await rename(spoolFile, target);
  return `sha256:${hash.digest("hex")}`;
}
