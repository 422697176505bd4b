/**
 * `cacheplan retry` on a finished OpenAI run (internal): `retryOpenAI()` plans again what the run
 * did not get done; the text is the `retry` command's own.
 */

import path from "node:path";
import { retryOpenAI } from "../exports/targets.js";
import { defineArgs, parse } from "./_args.js";
import { type CliIo, UsageError, write } from "./_context.js";
import { EXIT, type ExitCode } from "./_exit.js";
import { isOpenAIReport } from "./_openai-report.js";
import { writePlanTo } from "./_plan-dir.js";
import { jsonDocument } from "./_version.js";

export const openaiRetryArgs = defineArgs({
  plan: { type: "positional", required: false, description: "Plan folder of a finished run" },
  out: { type: "string", description: "Folder to write the retry plan to" },
  force: { type: "boolean", description: "Replace an existing plan in --out" },
  json: { type: "boolean", description: "Print what was found as JSON (without the new plan)" },
});

/** Whether the folder given to `retry` holds an OpenAI plan. */
export const isOpenAIRetry = isOpenAIReport;

/** `cacheplan retry` for an OpenAI plan folder. */
export async function runOpenAIRetry(argv: string[], io: CliIo): Promise<ExitCode> {
  const a = parse(argv, openaiRetryArgs);
  if (!a.plan)
    throw new UsageError(
      "Give the plan folder of a finished run: `cacheplan retry plan/ --out retry/`.",
    );
  const result = await retryOpenAI(path.resolve(io.cwd, a.plan));
  if (result.plan && a.out) await writePlanTo(result.plan, a.out, io, a.force === true);
  const { renderRetry } = await import("./commands/retry.js");
  if (a.json) {
    const { plan: _plan, ...rest } = result;
    await write(io.stdout, jsonDocument(rest));
  } else await write(io.stdout, renderRetry(result, a.out));
  return result.toFix.length > 0 ? EXIT.problems : EXIT.ok;
}
