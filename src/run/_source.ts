/**
 * Where the runner gets a plan's requests (internal): an in-memory `Plan`, or a plan folder read
 * one batch at a time (`PlanFolder`, for a job of millions). The runner holds the plan without its
 * requests (`PlanMeta`); a batch's requests are asked for when it is created, its `custom_id`s when
 * its results are downloaded or its create is in doubt.
 *
 * A folder's memory: at most {@link MAX_LOADED} batches' requests at once, and at most
 * {@link MAX_LOADED_BYTES} of their files unless one batch alone is larger (each create holds its
 * batch until its answer; a batch costs about 3-4 times its file while it is created), plus the `custom_id`s of the batches created and not yet downloaded
 * (bounded by `maxQueued`), plus `plan.json`.
 */
import { createHash } from "node:crypto";
import path from "node:path";
import { InputError } from "../errors.js";
import {
  fileHash,
  type PlanFile,
  type PlanFileBatch,
  planRequests,
  readPlanBatch,
  resolveInside,
  verifyPlan,
} from "../io/plan-dir.js";
import type { BatchRequest, Plan, PlannedBatch } from "../types.js";
import type { PlanFolder } from "./plan-folder.js";
import { batchFingerprint } from "./state.js";

/** A planned batch without its requests. */
export type BatchMeta = Omit<PlannedBatch, "requests">;

/** A plan without its requests: what the runner holds of it. */
export interface PlanMeta extends Omit<Plan, "batches"> {
  batches: readonly BatchMeta[];
}

/** Batches of a plan folder whose requests are held at once (creates wait for a slot). */
export const MAX_LOADED = 2;
/**
 * Bytes of batch files whose requests are held at once; a batch larger than this is held alone.
 * Two batches of the API's 256 MB would peak near 2 GB while created; one at a time, half that.
 */
export const MAX_LOADED_BYTES = 256 * 2 ** 20;

/**
 * Runs tasks with at most `count` at once and at most `bytes` of weight at once (a task heavier
 * than `bytes` runs alone). Waiting tasks start in the order they asked.
 */
export class LoadBudget {
  #count = 0;
  #bytes = 0;
  readonly #waiting: { weight: number; start: () => void }[] = [];

  constructor(
    readonly maxCount: number,
    readonly maxBytes: number,
  ) {}

  async run<T>(weight: number, task: () => Promise<T>): Promise<T> {
    await new Promise<void>((start) => {
      this.#waiting.push({ weight, start });
      this.#next();
    });
    try {
      return await task();
    } finally {
      this.#count -= 1;
      this.#bytes -= weight;
      this.#next();
    }
  }

  #next(): void {
    const first = this.#waiting[0];
    if (first === undefined) return;
    const fits =
      this.#count === 0 ||
      (this.#count < this.maxCount && this.#bytes + first.weight <= this.maxBytes);
    if (!fits) return;
    this.#waiting.shift();
    this.#count += 1;
    this.#bytes += first.weight;
    first.start();
    this.#next();
  }
}

export interface PlanSource {
  readonly plan: PlanMeta;
  /**
   * Each batch's fingerprint (`batchFingerprint()` of its requests), in plan order. A folder's
   * files are checked against `plan.json` here, before anything is sent.
   *
   * @throws {InputError} naming a batch file that is missing or was edited.
   */
  fingerprints(): Promise<string[]>;
  /** Checks the plan before anything is sent (`verifyPlan()`). */
  verify(planDir: string): Promise<void>;
  /** Runs `use` with batch `index`'s requests, read (and checked) for it when not in memory. */
  withRequests<T>(
    index: number,
    use: (requests: readonly BatchRequest[]) => Promise<T>,
  ): Promise<T>;
  /** Batch `index`'s `custom_id`s, in order (kept until {@link release}, unless `keep` is false). */
  ids(index: number, keep?: boolean): Promise<readonly string[]>;
  /** Forgets what is kept of batch `index` (its results are downloaded). */
  release(index: number): void;
}

/** The source of an in-memory plan: every request is already there. */
export function memorySource(plan: Plan): PlanSource {
  return {
    plan,
    fingerprints: async () => plan.batches.map((b) => batchFingerprint(b.requests)),
    verify: (planDir) => verifyPlan(plan, planDir),
    withRequests: (index, use) => use(plan.batches[index]!.requests),
    ids: async (index) => plan.batches[index]!.requests.map((r) => r.custom_id),
    release: () => {},
  };
}

/**
 * The fingerprint of a batch file with a recorded `contentHash`: the hash of its bytes, which must
 * be the recorded one (a file written by `writePlan()` is one `JSON.stringify(request)` and a
 * newline per request, so its bytes' hash is the batch's fingerprint). A file that differs is
 * read by `readPlanBatch()` for the error that says how (it holds none of it when it throws).
 */
async function checkedFileHash(dir: string, batch: PlanFileBatch): Promise<string> {
  const where = `\`${dir}/plan.json\` batch ${batch.index}`;
  const full = await resolveInside(dir, batch.file, where);
  const hash = await fileHash(full).catch(() => undefined);
  if (hash !== undefined && hash === batch.contentHash) return hash;
  await readPlanBatch(dir, batch); // throws, naming the file and what differs
  throw new Error(`Internal error: ${where} changed while it was read; submit again.`);
}

/** The source of a plan folder: each batch read from its file when needed. */
export function folderSource(opened: PlanFolder): PlanSource {
  const { folder: dir, plan: file } = opened;
  const loads = new LoadBudget(MAX_LOADED, MAX_LOADED_BYTES);
  const kept = new Map<number, readonly string[]>();
  let prints: string[] | undefined;
  const fingerprints = async (): Promise<string[]> => {
    const out: string[] = [];
    for (const batch of file.batches)
      if (batch.contentHash !== undefined) out[batch.index] = await checkedFileHash(dir, batch);
    const older = file.batches.filter((b) => b.contentHash === undefined).map((b) => b.index);
    for (const [index, hash] of await linesHashes(dir, file, older)) out[index] = hash;
    prints = out;
    return out;
  };
  return {
    plan: file,
    fingerprints,
    verify: async () => {
      // The files were checked against `plan.json` by `fingerprints()`; once submitted, run.json
      // pins the fingerprints (`submit()` refuses another plan with `plan-changed`).
      if (prints === undefined) await fingerprints();
    },
    withRequests: (index, use) =>
      loads.run(file.batches[index]!.bytes, async () => {
        const batch = file.batches[index]!;
        const requests = await readPlanBatch(dir, batch);
        // Without a recorded hash the file is checked for count and ids only: its content is
        // checked against the fingerprint run.json holds.
        if (
          batch.contentHash === undefined &&
          prints &&
          batchFingerprint(requests) !== prints[index]
        )
          throw new InputError(
            `\`${path.join(dir, batch.file)}\` (batch ${index} of \`plan.json\`) was edited while the run read the plan: the content of a request differs. Nothing of it was sent: restore the file, or plan again into a new folder.`,
            path.join(dir, batch.file),
          );
        if (!kept.has(index))
          kept.set(
            index,
            requests.map((r) => r.custom_id),
          );
        return use(requests);
      }),
    ids: async (index, keep = true) => {
      const known = kept.get(index);
      if (known) return known;
      const ids: string[] = [];
      for await (const line of planRequests(dir, file, { batches: [index], unique: false }))
        ids.push(line.request.custom_id);
      if (keep) kept.set(index, ids);
      return ids;
    },
    release: (index) => {
      kept.delete(index);
    },
  };
}

/**
 * The fingerprints of batch files written before `contentHash` was recorded: their requests
 * re-serialised one line at a time (as `batchFingerprint()` hashes them), with no `custom_id` twice
 * among them (the ids are kept while they are read, ~80 bytes each).
 */
async function linesHashes(
  dir: string,
  file: PlanFile,
  indexes: readonly number[],
): Promise<Map<number, string>> {
  const hashes = new Map(indexes.map((i) => [i, createHash("sha256")]));
  for await (const line of planRequests(dir, file, { batches: indexes }))
    hashes.get(line.batch.index)!.update(`${JSON.stringify(line.request)}\n`);
  return new Map([...hashes].map(([i, h]) => [i, `sha256:${h.digest("hex")}`]));
}
