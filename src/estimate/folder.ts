/**
 * `estimateFolder()`: the estimate of a plan folder (issue 14 item 3). A plan of up to
 * `FOLDER_EXACT_MAX_REQUESTS` requests and `FOLDER_EXACT_MAX_BYTES` of batch files is read whole
 * and estimated by `estimate()`; a larger one is read once, one request at a time, in worker
 * threads, and estimated from a few numbers per request (`_folder-estimate.ts`), in memory that
 * grows with the number of requests (about 210 bytes each, measured at 100,000 and 1,000,000), not
 * with their text.
 */

import { type PlanFile, readPlan, readPlanFile } from "../io/plan-dir.js";
import { estimateLarge } from "./_folder-estimate.js";
import { estimate } from "./estimate.js";
import type { Estimate, EstimateOptions } from "./types.js";

/**
 * Most requests of a plan folder estimated whole, by `estimate()`. 100,000 requests of ~6 KB
 * (617 MB) take ~1.5 GB of heap read whole: near Node's default limit on a small machine.
 */
export const FOLDER_EXACT_MAX_REQUESTS = 100_000;
/** Most bytes of batch files estimated whole (the text is held several times over when parsed). */
export const FOLDER_EXACT_MAX_BYTES = 256 * 1024 * 1024;

/** The bytes limit; `CACHEPLAN_ESTIMATE_EXACT_MAX_BYTES` lowers it (tests only). */
function maxBytes(): number {
  const env = process.env.CACHEPLAN_ESTIMATE_EXACT_MAX_BYTES;
  const value = env === undefined ? Number.NaN : Number(env);
  return Number.isFinite(value) && value >= 0 ? value : FOLDER_EXACT_MAX_BYTES;
}

/** Whether a plan folder is estimated from its folder, one request at a time. */
export function isLargePlan(file: PlanFile): boolean {
  let requests = 0;
  let bytes = 0;
  for (const b of file.batches) {
    requests += b.requestCount;
    bytes += b.bytes;
  }
  return requests > FOLDER_EXACT_MAX_REQUESTS || bytes > maxBytes();
}

/**
 * The estimate of the plan in folder `dir`, and its `plan.json`. A plan larger than
 * `FOLDER_EXACT_MAX_REQUESTS` requests or `FOLDER_EXACT_MAX_BYTES` of batch files is read one
 * request at a time (on every core): its unique tails are sampled and predicted (the first note
 * says how many), each `usdRange` includes the sampling margin, and `planned` uses the plan's
 * expected writes and reads.
 *
 * @throws {InputError} when the folder is not a plan or a batch file was changed.
 * @throws {OptionsError} when an option is out of range, or, for a large plan, asks for what needs
 *   the whole plan in memory (`plannedModel: "simulate"`, `sensitivity: true`, `count: "full"`, a
 *   counter other than the offline one).
 *
 * @example
 * ```ts
 * const { plan, estimate } = await estimateFolder("plan/");
 * estimate.total.scenarios.planned.usd;
 * ```
 */
export async function estimateFolder(
  dir: string,
  options: EstimateOptions = {},
): Promise<{ plan: PlanFile; estimate: Estimate }> {
  const file = await readPlanFile(dir);
  if (isLargePlan(file)) return { plan: file, estimate: await estimateLarge(dir, file, options) };
  const planned = await readPlan(dir);
  return { plan: file, estimate: await estimate(planned, options) };
}
