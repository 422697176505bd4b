/**
 * `openPlanFolder()`: a plan folder for `submit()` without reading its requests: for a job of
 * millions, whose batch files do not fit in memory together (issue 14).
 */
import path from "node:path";
import { checkBatchFiles, type PlanFile, readPlanFile } from "../io/plan-dir.js";

/**
 * A plan folder opened for `submit()`: its `plan.json` (no request bodies) and where its batch
 * files are. `submit()` reads each batch's requests from its file when it creates that batch (at
 * most two batches at once, released after their create) and its `custom_id`s when it needs them,
 * each file checked against `plan.json` before use (its SHA-256, count, `custom_id`s). So memory
 * grows with `plan.json` (a few dozen bytes per request), not with the requests' text.
 */
export interface PlanFolder {
  /** The plan folder (absolute). */
  readonly folder: string;
  /** Its `plan.json`. */
  readonly plan: PlanFile;
}

/**
 * Opens a plan folder for `submit()`: reads `plan.json`, and checks that each batch file it names
 * is a file inside the folder (their content is checked against `plan.json` when read).
 *
 * @throws {InputError} when `plan.json` is missing or not a plan, or a batch file is outside the
 * folder or missing.
 *
 * @example
 * ```ts
 * const result = await submit(await openPlanFolder("plan/"), { client: new Anthropic(), planDir: "plan/" });
 * ```
 */
export async function openPlanFolder(dir: string): Promise<PlanFolder> {
  const plan = await readPlanFile(dir);
  await checkBatchFiles(dir, plan);
  return { folder: path.resolve(dir), plan };
}

/** True when `plan` is a {@link PlanFolder} (not an in-memory `Plan`). */
export function isPlanFolder(plan: unknown): plan is PlanFolder {
  return (
    typeof plan === "object" &&
    plan !== null &&
    typeof (plan as PlanFolder).folder === "string" &&
    typeof (plan as PlanFolder).plan === "object"
  );
}
