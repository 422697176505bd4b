/**
 * `cacheplan report` on a submitted OpenAI plan (internal): the results' usage (cached and written
 * tokens from either endpoint's `usage`) priced at Batch rates, against the plan's estimate.
 */

import { readFile } from "node:fs/promises";
import path from "node:path";
import { renderOpenAIReport, reportOpenAI } from "../exports/targets.js";
import { readPlan } from "../index.js";
import { defineArgs, parse } from "./_args.js";
import { type CliIo, UsageError, write } from "./_context.js";
import { EXIT, type ExitCode } from "./_exit.js";
import { jsonDocument } from "./_version.js";

export const openaiReportArgs = defineArgs({
  input: { type: "positional", required: false, description: "The plan folder that was submitted" },
  json: { type: "boolean", description: "Print the report as JSON" },
});

/** Whether the folder given to `report` holds an OpenAI plan. */
export async function isOpenAIReport(argv: string[], cwd: string): Promise<boolean> {
  const input = argv.find((t) => !t.startsWith("-"));
  if (input === undefined) return false;
  try {
    const json = JSON.parse(
      await readFile(path.join(path.resolve(cwd, input), "plan.json"), "utf8"),
    );
    return json?.options?.target === "openai";
  } catch {
    return false;
  }
}

/** `cacheplan report` for an OpenAI plan folder. */
export async function runOpenAIReport(argv: string[], io: CliIo): Promise<ExitCode> {
  const a = parse(argv, openaiReportArgs);
  if (!a.input)
    throw new UsageError("Give the plan folder that was submitted: `cacheplan report plan/`.");
  const dir = path.resolve(io.cwd, a.input);
  const report = await reportOpenAI(await readPlan(dir), dir);
  await write(io.stdout, a.json ? jsonDocument(report) : renderOpenAIReport(report));
  // No result at all (nothing submitted yet) or some requests without a success: problems to act on.
  return report.requests.succeeded === report.requests.planned ? EXIT.ok : EXIT.problems;
}
