/**
 * The HTML report's header for `cacheplan report PLAN` (internal): the plan folder as the user
 * typed it, and when its results are from, taken from the plan's run.json (never the clock, so the
 * same folder renders the same page).
 */
import { type RenderHtmlOptions, type RunState, readRunState } from "../index.js";

/** The newest `ended_at` of the run's batches, else when run.json was last written; null without. */
export function resultsDate(state: RunState | null): string | null {
  if (!state) return null;
  const ended = state.batches
    .map((b) => ("ended_at" in b ? b.ended_at : null))
    .filter((t): t is string => typeof t === "string" && !Number.isNaN(Date.parse(t)))
    .sort((a, b) => Date.parse(a) - Date.parse(b));
  return ended.at(-1) ?? state.updatedAt ?? null;
}

/**
 * Header options for the plan folder `planArg` (resolved to `planDir`). A run.json that cannot be
 * read only leaves the date out: the report itself does not need it.
 */
export async function htmlHeader(planArg: string, planDir: string): Promise<RenderHtmlOptions> {
  const state = await readRunState(planDir).catch(() => null);
  const date = resultsDate(state);
  return { planPath: planArg, ...(date ? { date } : {}) };
}
