/**
 * `reportFolder()`: the report of a job's results against a plan folder, for plans too large to
 * read whole (issue 14 item 3). The batch files are streamed once into the plan's index (a
 * `custom_id` and a few numbers per request, about 100 bytes); no request is held.
 */
import path from "node:path";
import { OptionsError } from "../errors.js";
import type { Estimate } from "../estimate/types.js";
import { type PlanFile, planRequests, readPlanFile } from "../io/plan-dir.js";
import type { ModelTable } from "../pricing/models.js";
import { IndexBuilder, type PlanIndex } from "./_index.js";
import { reportOn } from "./report.js";
import type { Report, ReportInput } from "./types.js";

/** Options of `reportFolder()`. Every field is optional. */
export interface ReportFolderOptions {
  /** The folder's `plan.json`, when already read (`estimateFolder()` returns it). @default read from the folder */
  plan?: PlanFile;
  /**
   * The plan's estimate (from `estimateFolder()` of the same folder), to compare against.
   * @default undefined (no comparison with the estimate)
   */
  estimate?: Estimate;
  /** Model table: prices, read multipliers, tiers, minimum cacheable tokens. @default defaultModelTable */
  models?: ModelTable;
}

/**
 * Indexes the requests of the plan in folder `dir` (its `plan.json` is `plan`), reading its batch
 * files one request at a time, each checked as `readPlan()` checks it.
 *
 * @throws {InputError} when a batch file is missing, damaged or edited, or repeats a `custom_id`.
 */
export async function indexPlanFolder(
  dir: string,
  plan: PlanFile,
  estimate: Estimate | undefined,
): Promise<PlanIndex> {
  const builder = new IndexBuilder(
    plan,
    plan.batches.reduce((n, b) => n + b.requestCount, 0),
  );
  const where = (b: number, p: number) =>
    `\`${path.join(dir, plan.batches[b]!.file)}\` line ${p + 1}`;
  for (let b = 0; b < plan.batches.length; b++) {
    // `unique: false`: the index finds a repeated custom_id itself, without a string per request.
    // `hashWhileReading`: each file read once; a damaged one throws before any figure is made.
    const options = { batches: [b], unique: false, hashWhileReading: true };
    for await (const line of planRequests(dir, plan, options))
      builder.add(b, line.position, line.request, where);
  }
  return builder.finish(estimate);
}

/**
 * Reports on a job's batch results against the plan in folder `dir`: the same report as
 * `report(results, { plan: await readPlan(dir), estimate })`, in memory that grows with the
 * number of planned requests (about 100 bytes each), not with their text, and with nothing kept
 * per result line but the planned request's first line number. For a plan of millions, pass the
 * estimate of `estimateFolder(dir)`.
 *
 * @throws {InputError} when `plan.json` or a batch file is missing, damaged or edited.
 * @throws {OptionsError} when `estimate` belongs to another plan.
 *
 * @example
 * ```ts
 * const { plan, estimate } = await estimateFolder("plan/");
 * const result = await reportFolder(readJsonl("results.jsonl"), "plan/", { plan, estimate });
 * ```
 */
export async function reportFolder(
  results: ReportInput,
  dir: string,
  options: ReportFolderOptions = {},
): Promise<Report> {
  if (typeof dir !== "string" || dir === "")
    throw new OptionsError("`reportFolder()` needs the plan folder's path.");
  const plan = options.plan ?? (await readPlanFile(dir));
  const index = await indexPlanFolder(dir, plan, options.estimate);
  return reportOn(results, { plan, index }, options.estimate, options.models);
}
