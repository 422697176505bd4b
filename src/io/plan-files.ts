/**
 * Names of the files and folders inside a plan folder, in one place: the planner writes
 * `plan.json` and `batches/`, the runner adds `run.json` and `results/`.
 */

/** File name of the run state inside the plan folder. */
export const RUN_STATE_FILE = "run.json";

/** Folder of the results files inside the plan folder: `results/<batch>-<id>.jsonl`. */
export const RESULTS_DIR = "results";
