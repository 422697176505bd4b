/**
 * `estimateFolder()`: the estimate of a plan folder (issue 14 item 3). STUB until the scalable
 * version lands: reads the whole plan.
 */

import type { PlanFile } from "../io/plan-dir.js";
import { readPlan, toPlanFile } from "../io/plan-dir.js";
import { estimate } from "./estimate.js";
import type { Estimate, EstimateOptions } from "./types.js";

/** The estimate of the plan in folder `dir`, and its `plan.json`. */
export async function estimateFolder(
  dir: string,
  options: EstimateOptions = {},
): Promise<{ plan: PlanFile; estimate: Estimate }> {
  const planned = await readPlan(dir);
  return { plan: toPlanFile(planned), estimate: await estimate(planned, options) };
}
