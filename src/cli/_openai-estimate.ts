/**
 * `cacheplan estimate` for the OpenAI target (internal): a plan folder whose `plan.json` says
 * `target: "openai"`, or OpenAI batch lines (`--target openai` or detected), planned in memory
 * first. Prints the six scenarios (the five of every target plus Flex).
 */

import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import {
  estimateOpenAI,
  type OpenAIEstimateOptions,
  planOpenAI,
  renderOpenAIEstimate,
  openaiPlanToPlan as toCorePlan,
} from "../exports/targets.js";
import { readJsonl, readPlan } from "../index.js";
import { defineArgs, intOption, numberOption, parse } from "./_args.js";
import { type CliIo, UsageError, write } from "./_context.js";
import { EXIT, type ExitCode } from "./_exit.js";
import { fileLooksOpenAI, targetFlag } from "./_openai.js";
import { jsonDocument } from "./_version.js";

export const openaiEstimateArgs = defineArgs({
  input: {
    type: "positional",
    required: false,
    description: "A plan folder, or OpenAI batch lines as JSONL",
  },
  target: {
    type: "string",
    valueHint: "<anthropic|openai>",
    description: "The batch system (default: the plan's; OpenAI batch lines are detected)",
  },
  "output-tokens": { type: "string", description: "Output tokens assumed per request" },
  "output-fraction": {
    type: "string",
    description: "Output tokens assumed as a fraction of each request's max (default 0.5)",
  },
  concurrency: {
    type: "string",
    description: "Requests of one batch assumed to run at once (default the plan's)",
  },
  json: { type: "boolean", description: "Print the estimate as JSON" },
});

function firstPositional(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const t = argv[i]!;
    if (t === "-" || !t.startsWith("-")) return t;
    if (!t.includes("=") && !["--json", "--full", "--quiet", "--sample"].includes(t)) i += 1;
  }
  return undefined;
}

/** Whether this `estimate` command line is for the OpenAI target. */
export async function isOpenAIEstimate(argv: string[], cwd: string): Promise<boolean> {
  const target = targetFlag(argv);
  if (target !== undefined) return target === "openai";
  const input = firstPositional(argv);
  if (input === undefined || input === "-") return false;
  const full = path.resolve(cwd, input);
  try {
    if ((await stat(full)).isDirectory()) {
      const json = JSON.parse(await readFile(path.join(full, "plan.json"), "utf8"));
      return json?.options?.target === "openai";
    }
  } catch {
    return false;
  }
  return fileLooksOpenAI(full);
}

/** `cacheplan estimate` on an OpenAI plan or OpenAI lines. */
export async function runOpenAIEstimate(argv: string[], io: CliIo): Promise<ExitCode> {
  const a = parse(argv, openaiEstimateArgs);
  if (!a.input) throw new UsageError("Give a plan folder or a JSONL file of OpenAI batch lines.");
  const tokens = intOption(a["output-tokens"], "output-tokens");
  const fraction = numberOption(a["output-fraction"], "output-fraction", { range: [0, 1] });
  if (tokens !== undefined && fraction !== undefined)
    throw new UsageError("Give `--output-tokens` or `--output-fraction`, not both.");
  const options: OpenAIEstimateOptions = {};
  if (tokens !== undefined) options.output = { kind: "tokens", tokens };
  if (fraction !== undefined) options.output = { kind: "fraction", fraction };
  const concurrency = intOption(a.concurrency, "concurrency");
  if (concurrency !== undefined) options.concurrency = concurrency;
  const full = path.resolve(io.cwd, a.input);
  const isDir =
    a.input !== "-" &&
    (await stat(full).then(
      (s) => s.isDirectory(),
      () => false,
    ));
  const plan = isDir
    ? await readPlan(full)
    : toCorePlan(
        await planOpenAI(
          a.input === "-"
            ? readJsonl(io.stdin, { source: "-" })
            : readJsonl(full, { source: a.input }),
        ),
      );
  const estimate = estimateOpenAI(plan, options);
  await write(io.stdout, a.json ? jsonDocument(estimate) : renderOpenAIEstimate(estimate));
  return EXIT.ok;
}
