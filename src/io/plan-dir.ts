import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, readFile, realpath, rename, rm, rmdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { type Readable, Transform } from "node:stream";
import { finished } from "node:stream/promises";
import { InputError } from "../errors.js";
import type { BatchRequest, Plan } from "../types.js";
import { jsonLinesHash } from "../util/hash.js";
import { checkOutFolder, removeStale, stagingNames } from "./_out-folder.js";
import { checkPlanShape, parsePlanJson } from "./_plan-shape.js";
import { readJsonl } from "./jsonl.js";
import { RUN_STATE_FILE } from "./plan-files.js";

/** One batch in `plan.json`: where its file is and what it must hold. */
export interface PlanFileBatch {
  index: number;
  /** The batch file, relative to the plan folder (see `batchFileName()`). */
  file: string;
  wave: number;
  requestCount: number;
  bytes: number;
  /**
   * `sha256:` and the hex SHA-256 of the batch file's exact bytes (one `JSON.stringify(request)`
   * and a newline per request). Absent in plans written before it was recorded.
   */
  contentHash?: string;
  /** `sha256:` and the hex SHA-256 of the file's `custom_id`s, in order (see `customIdsHash()`). */
  customIdsHash?: string;
}

/** `plan.json` as written to disk: the plan without request bodies, which live in batch files. */
export interface PlanFile extends Omit<Plan, "batches"> {
  batches: PlanFileBatch[];
}

/** Name of a batch file inside a plan folder. */
export function batchFileName(index: number, wave: number): string {
  return `batches/wave-${wave}-batch-${String(index).padStart(4, "0")}.jsonl`;
}

/** `sha256:<hex>` of a batch file's bytes: each request as `JSON.stringify` and a newline. */
export function contentHash(requests: readonly BatchRequest[]): string {
  return jsonLinesHash(requests);
}

/** `sha256:<hex>` of `custom_id`s in order, each as a JSON string and a newline. */
export function customIdsHash(ids: Iterable<string>): string {
  return jsonLinesHash(ids);
}

/** The `plan.json` content for a plan (batch bodies referenced by file, with their hashes). */
export function toPlanFile(plan: Plan): PlanFile {
  return {
    ...plan,
    batches: plan.batches.map((b) => ({
      index: b.index,
      file: batchFileName(b.index, b.wave),
      wave: b.wave,
      requestCount: b.requestCount,
      bytes: b.bytes,
      ...(b.model === undefined ? {} : { model: b.model, jobModel: b.jobModel }),
      contentHash: contentHash(b.requests),
      customIdsHash: customIdsHash(b.requests.map((r) => r.custom_id)),
    })),
  };
}

/** True when `inner` is `outer` or inside it (paths compared as written). */
function within(outer: string, inner: string): boolean {
  const rel = path.relative(outer, inner);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

/**
 * The absolute path of `relative` inside `dir`, or an `InputError` when it would leave `dir`: an
 * absolute path, a `..` that climbs out, or a symbolic link (of the file or of a folder on the
 * way) that points outside. `where` names what gave the path, e.g. ``"`plan/plan.json` batch 3"``.
 * The file itself is never read here, so nothing of a file outside is ever shown. Use it for every
 * path read from `plan.json` or `run.json`.
 */
export async function resolveInside(
  dir: string,
  relative: unknown,
  where: string,
): Promise<string> {
  const refuse = (why: string) =>
    new InputError(
      `${where} names the file ${JSON.stringify(relative)}, which ${why}; cacheplan reads only files inside the plan folder \`${dir}\`. The file was edited by hand: restore it, or write the plan again with \`cacheplan plan --out\`.`,
      dir,
    );
  if (typeof relative !== "string" || relative === "" || relative.includes("\0"))
    throw refuse("is not a file name");
  if (path.isAbsolute(relative) || /^[a-zA-Z]:|^[\\/]/.test(relative))
    throw refuse("is an absolute path");
  const root = path.resolve(dir);
  const full = path.resolve(root, relative);
  if (full === root || !within(root, full)) throw refuse("is outside the plan folder");
  let real: string;
  try {
    real = await realpath(full);
  } catch {
    return full; // Not there (yet): reading it fails with its own message.
  }
  if (!within(await realpath(root), real))
    throw refuse("is a link to a file outside the plan folder");
  return full;
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

async function writeBatches(plan: Plan, staging: string): Promise<void> {
  await mkdir(path.join(staging, "batches"), { recursive: true });
  for (const batch of plan.batches) {
    const out = createWriteStream(path.join(staging, batchFileName(batch.index, batch.wave)));
    for (const request of batch.requests) {
      if (!out.write(`${JSON.stringify(request)}\n`))
        await new Promise<void>((r) => out.once("drain", () => r()));
    }
    out.end();
    await finished(out);
  }
  await writeFile(
    path.join(staging, "plan.json"),
    `${JSON.stringify(toPlanFile(plan), null, 2)}\n`,
  );
}

/**
 * Writes a plan folder: `plan.json` and one JSONL file per batch (each line `{"custom_id",
 * "params"}`, ready for `batches.create()`). Everything is written to a staging folder beside `dir`
 * and renamed into place at the end, so an interrupted write never leaves a folder that looks
 * complete; what an earlier, killed write left beside `dir` is cleaned first.
 *
 * It never deletes a file it did not write: `dir` must be new, empty, or a plan folder written by
 * `writePlan()` holding nothing else (replaced only with `overwrite`, and never once submitted).
 * `dir` may not be the working folder (`cwd`, default `process.cwd()`) or hold it.
 *
 * @throws {InputError} when `dir` may not be written, saying why and what to do.
 */
export async function writePlan(
  plan: Plan,
  dir: string,
  options: { overwrite?: boolean; cwd?: string } = {},
): Promise<void> {
  await writePlanFolder(dir, options, (staging) => writeBatches(plan, staging));
}

/**
 * Writes a plan folder the way `writePlan()` does (same checks, staging folder renamed into place
 * at the end), with `fill` writing its content into the staging folder. For a plan whose batch
 * files are written as they are made (the streaming planner).
 */
export async function writePlanFolder(
  dir: string,
  options: { overwrite?: boolean; cwd?: string },
  fill: (staging: string) => Promise<void>,
): Promise<void> {
  const target = path.resolve(dir);
  await removeStale(target);
  const found = await checkOutFolder(dir, target, options);
  const { partial: staging, old } = stagingNames(target, process.pid);
  await rm(staging, { recursive: true, force: true });
  try {
    await fill(staging);
    if (found === "absent") {
      await mkdir(path.dirname(target), { recursive: true });
      await rename(staging, target);
      return;
    }
    await rename(target, old);
    await rename(staging, target);
    // An empty folder is removed with `rmdir`, which fails rather than delete anything put there since.
    await (found === "empty" ? rmdir(old) : rm(old, { recursive: true, force: true }));
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Reads `plan.json` from a plan folder and checks its shape.
 *
 * @throws {InputError} when it is missing, not JSON (with its line and column), or not a plan.
 */
export async function readPlanFile(dir: string): Promise<PlanFile> {
  const file = path.join(dir, "plan.json");
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new InputError(
      `No plan in \`${dir}\`: cannot read \`plan.json\`. Create one with \`cacheplan plan requests.jsonl --out ${dir}\`.`,
      dir,
      { cause: error },
    );
  }
  return checkPlanShape(parsePlanJson(text, file), file);
}

/** Where each `custom_id` of a plan was seen, to name both places of a duplicate. */
type Seen = Map<string, string>;

function damaged(file: string, batch: PlanFileBatch, what: string): InputError {
  return new InputError(
    `\`${file}\` (batch ${batch.index} of \`plan.json\`) ${what}. The plan folder changed after \`cacheplan plan\` wrote it, so nothing of this file is used or sent: restore the file, or plan again into a new folder.`,
    file,
  );
}

/** `sha256:<hex>` of a file's bytes, streamed (a batch file's `contentHash`). */
export async function fileHash(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return `sha256:${hash.digest("hex")}`;
}

/** Reads and verifies one batch file against its `plan.json` record. */
async function readBatch(
  dir: string,
  batch: PlanFileBatch,
  seen: Seen | undefined,
): Promise<BatchRequest[]> {
  const requests: BatchRequest[] = [];
  for await (const line of batchLines(dir, batch, seen, true)) requests.push(line.request);
  return requests;
}

/**
 * Checks that every batch file `plan.json` names is a file inside the plan folder, without reading
 * any (their content is checked when read): what opening a folder for a run needs before a key.
 *
 * @throws {InputError} naming the batch whose file is outside the folder, missing or not a file.
 */
export async function checkBatchFiles(dir: string, file: PlanFile): Promise<void> {
  for (const batch of file.batches) {
    const full = await resolveInside(
      dir,
      batch.file,
      `\`${path.join(dir, "plan.json")}\` batch ${batch.index}`,
    );
    const info = await stat(full).catch(() => undefined);
    if (!info?.isFile())
      throw damaged(path.join(dir, batch.file), batch, info ? "is not a file" : "is missing");
  }
}

/** One request of a plan folder's batch file, as `planRequests()` yields it. */
export interface PlanLine {
  batch: PlanFileBatch;
  /** 0-based position in its batch. */
  position: number;
  request: BatchRequest;
}

/**
 * Every request of a plan folder, batch by batch in `plan.json` order, without holding more than
 * one line: for plans too large to read whole (`readPlan()`), such as a job of millions. Each
 * batch file is checked as `readPlan()` checks it: inside the folder and its bytes' SHA-256 as
 * recorded before any of its requests is yielded; its count and `custom_id`s at its end, and no
 * `custom_id` twice in the plan (with `unique`, the default; the ids seen are kept, ~80 bytes each).
 * A damaged file throws, so a consumer that gathers figures throws them away. With
 * `hashWhileReading`, each file is read once and its bytes' hash checked at its end (with count
 * and `custom_id`s): half the reading, for a consumer that uses nothing until the last batch ended
 * (an estimate, a report), since lines of an edited file are yielded before it throws.
 *
 * @throws {InputError} naming the file and what differs.
 */
export async function* planRequests(
  dir: string,
  file: PlanFile,
  options: { batches?: Iterable<number>; unique?: boolean; hashWhileReading?: boolean } = {},
): AsyncGenerator<PlanLine> {
  const seen: Seen | undefined = options.unique === false ? undefined : new Map();
  const which = options.batches ? [...options.batches] : file.batches.map((_, i) => i);
  const once = options.hashWhileReading === true;
  for (const i of which) yield* batchLines(dir, file.batches[i]!, seen, false, once);
}

/**
 * Reads one batch of a plan folder (checked as `readPlan()` checks it): what `submit()` holds of
 * a plan of millions, one batch at a time.
 */
export async function readPlanBatch(dir: string, batch: PlanFileBatch): Promise<BatchRequest[]> {
  return readBatch(dir, batch, undefined);
}

/**
 * The lines of one batch file, checked against its record: its bytes' hash first, then each line a
 * request, then count and `custom_id`s at the end. `intern` shares equal long strings (when kept).
 */
async function* batchLines(
  dir: string,
  batch: PlanFileBatch,
  seen: Seen | undefined,
  intern: boolean,
  hashWhileReading = false,
): AsyncGenerator<PlanLine> {
  const full = await resolveInside(
    dir,
    batch.file,
    `\`${path.join(dir, "plan.json")}\` batch ${batch.index}`,
  );
  const shown = path.join(dir, batch.file);
  const info = await stat(full).catch(() => undefined);
  if (!info?.isFile()) throw damaged(shown, batch, info ? "is not a file" : "is missing");
  if (hashWhileReading && batch.contentHash !== undefined) {
    const hash = createHash("sha256");
    const tap = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        done(null, chunk);
      },
    });
    const input = createReadStream(full);
    input.once("error", (error) => tap.destroy(error));
    yield* checkedLines(input.pipe(tap), shown, batch, seen, intern);
    if (`sha256:${hash.digest("hex")}` !== batch.contentHash)
      throw damaged(shown, batch, CONTENT_EDITED);
    return;
  }
  // Hashed before anything is read from it: no request of an edited file is ever used. When the
  // bytes differ, the lines are read (not yielded) to say how: a line, a duplicate, the count.
  if (batch.contentHash !== undefined && (await fileHash(full)) !== batch.contentHash) {
    for await (const _ of checkedLines(full, shown, batch, seen && new Map(seen), false));
    throw damaged(shown, batch, CONTENT_EDITED);
  }
  yield* checkedLines(full, shown, batch, seen, intern);
}

/** The lines of a batch file, each a request, with count and `custom_id`s checked at the end. */
async function* checkedLines(
  full: string | Readable,
  shown: string,
  batch: PlanFileBatch,
  seen: Seen | undefined,
  intern: boolean,
): AsyncGenerator<PlanLine> {
  const ids = createHash("sha256");
  let count = 0;
  for await (const line of readJsonl(full, { source: batch.file, intern })) {
    if (line.parseError !== undefined)
      throw damaged(shown, batch, `line ${line.line} is not valid JSON (${line.parseError})`);
    const value = line.value as Partial<BatchRequest> | null;
    const id = value?.custom_id;
    if (typeof id !== "string" || typeof value?.params !== "object" || value.params === null)
      throw damaged(
        shown,
        batch,
        `line ${line.line} is not a batch request (\`custom_id\` and \`params\`)`,
      );
    if (seen !== undefined) {
      const here = `\`${shown}\` line ${line.line}`;
      const before = seen.get(id);
      if (before !== undefined)
        throw damaged(
          shown,
          batch,
          `repeats custom_id \`${id}\` (${before} and ${here}); every custom_id of a plan must be unique`,
        );
      seen.set(id, here);
    }
    ids.update(`${JSON.stringify(id)}\n`);
    yield { batch, position: count, request: value as BatchRequest };
    count += 1;
  }
  const problem = countOrIdsMismatch(batch, count, `sha256:${ids.digest("hex")}`);
  if (problem) throw damaged(shown, batch, problem);
}

const CONTENT_EDITED =
  "was edited: its custom_ids and count are as planned, but the content of a request differs";

function countOrIdsMismatch(
  batch: PlanFileBatch,
  count: number,
  idsHash: string,
): string | undefined {
  if (count !== batch.requestCount)
    return `holds ${count} request${count === 1 ? "" : "s"} but \`plan.json\` says ${batch.requestCount} (a line was added or removed)`;
  if (batch.customIdsHash !== undefined && idsHash !== batch.customIdsHash)
    return "holds other custom_ids than planned (renamed, reordered, or swapped with other lines)";
  return undefined;
}

/**
 * What differs between a batch's `plan.json` record and its requests, or `undefined`. `bytes` is
 * the hash of the file's bytes when read from disk (else the requests are hashed).
 */
function batchMismatch(
  batch: PlanFileBatch,
  requests: readonly BatchRequest[],
  bytes?: string,
): string | undefined {
  if (requests.length !== batch.requestCount)
    return `holds ${requests.length} request${requests.length === 1 ? "" : "s"} but \`plan.json\` says ${batch.requestCount} (a line was added or removed)`;
  if (
    batch.customIdsHash !== undefined &&
    customIdsHash(requests.map((r) => r.custom_id)) !== batch.customIdsHash
  )
    return "holds other custom_ids than planned (renamed, reordered, or swapped with other lines)";
  if (batch.contentHash !== undefined && (bytes ?? contentHash(requests)) !== batch.contentHash)
    return "was edited: its custom_ids and count are as planned, but the content of a request differs";
  return undefined;
}

/**
 * Reads a whole plan folder back into a `Plan`: `plan.json` and every batch file, each line a
 * request. Each batch file is verified against `plan.json` first: inside the folder, as many
 * requests as recorded, the same custom_ids in the same order, the same bytes (its SHA-256), and
 * no custom_id twice in the plan. So a damaged or edited folder is never taken for the plan.
 * Plans written before the hashes were recorded are checked for counts and duplicates only.
 *
 * @throws {InputError} naming the file and what differs.
 */
export async function readPlan(dir: string): Promise<Plan> {
  const file = await readPlanFile(dir);
  const seen: Seen = new Map();
  const batches: Plan["batches"] = [];
  for (const batch of file.batches) {
    batches.push({
      index: batch.index,
      wave: batch.wave,
      requests: await readBatch(dir, batch, seen),
      requestCount: batch.requestCount,
      bytes: batch.bytes,
    });
  }
  return { ...file, batches: batches };
}

/**
 * Verifies a plan before anything is sent: no `custom_id` twice, every batch's `requestCount`
 * true, and, when `planDir` holds a `plan.json` and was not submitted yet (no `run.json`), every
 * batch as recorded there (count, custom_ids, content hash). `submit()` calls it before creating
 * anything.
 *
 * @throws {InputError} naming the batch and what differs.
 */
export async function verifyPlan(plan: Plan, planDir?: string): Promise<void> {
  const seen = new Map<string, number>();
  for (const batch of plan.batches) {
    if (batch.requests.length !== batch.requestCount)
      throw new InputError(
        `Batch ${batch.index} of the plan holds ${batch.requests.length} requests but says ${batch.requestCount}; the plan was changed after \`plan()\` made it.`,
      );
    for (const request of batch.requests) {
      const before = seen.get(request.custom_id);
      if (before !== undefined)
        throw new InputError(
          `custom_id \`${request.custom_id}\` is in batch ${before} and batch ${batch.index}; every custom_id of a plan must be unique (the API answers a duplicate with a 400).`,
        );
      seen.set(request.custom_id, batch.index);
    }
  }
  // Once submitted, `run.json` pins each batch's content (`submit()` refuses another plan with
  // `plan-changed`); before that, `plan.json` is what the plan must match.
  if (planDir === undefined || !(await exists(path.join(planDir, "plan.json")))) return;
  if (await exists(path.join(planDir, RUN_STATE_FILE))) return;
  const recorded = await readPlanFile(planDir);
  const where = `\`${path.join(planDir, "plan.json")}\``;
  if (recorded.batches.length !== plan.batches.length)
    throw new InputError(
      `The plan has ${plan.batches.length} batches but ${where} records ${recorded.batches.length}: it is not the plan of that folder. Submit the plan read from it (\`readPlan()\`).`,
      planDir,
    );
  for (const [i, batch] of plan.batches.entries()) {
    const problem = batchMismatch(recorded.batches[i]!, batch.requests);
    if (problem)
      throw new InputError(
        `Batch ${batch.index} of the plan differs from ${where}: it ${problem}. Submit the plan read from that folder (\`readPlan()\`), or plan again into a new folder.`,
        planDir,
      );
  }
}
