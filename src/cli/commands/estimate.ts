import { stat } from "node:fs/promises";
import path from "node:path";
import { defineCommand } from "citty";
import { loadTarget } from "../../exports/targets.js";
import {
  createExactCounter,
  createTiktokenCounter,
  type TokenCounter,
} from "../../exports/tokens.js";
import {
  bedrockAlternative,
  compareTargets,
  type EstimateOptions,
  estimate,
  estimateFolder,
  FOLDER_EXACT_MAX_BYTES,
  FOLDER_EXACT_MAX_REQUESTS,
  isLargePlan,
  modelTableOf,
  type Plan,
  type PlanFile,
  plan,
  planOptionsFromCalibration,
  readPlan,
  readPlanFile,
  renderBedrockAlternative,
  renderEstimate,
  renderTargetComparison,
} from "../../index.js";
import { defineArgs, intOption, numberOption, parse } from "../_args.js";
import { type CliIo, UsageError, write } from "../_context.js";
import { type ExitCode, exitCodeOf } from "../_exit.js";
import {
  loadCalibration,
  loadModels,
  planArgs,
  planOptionsFrom,
  requestsFrom,
} from "../_plan-options.js";
import { jsonDocument } from "../_version.js";

export const args = defineArgs({
  input: {
    type: "positional",
    required: false,
    description:
      "Requests as JSONL (`-` for standard input), or a plan folder written by `plan --out`",
  },
  sample: { type: "boolean", description: "Estimate the built-in sample job instead of an input" },
  json: { type: "boolean", description: "Print the estimate as JSON instead of text" },
  count: {
    type: "enum",
    options: ["estimate", "full", "exact"],
    description:
      "Token counts: estimate (offline, sampled tails), full (offline, every tail), exact (the API's countTokens; needs ANTHROPIC_API_KEY) (default estimate)",
  },
  "output-tokens": { type: "string", description: "Output tokens assumed per request" },
  "output-fraction": {
    type: "string",
    description: "Output assumed as a fraction of max_tokens (default 0.5)",
  },
  calibration: {
    type: "string",
    description:
      "JSON file written by `report --write-calibration` (per-model token factors) or `probe` (also measured cache behaviour)",
  },
  "sample-size": {
    type: "string",
    description: "Most requests per model tokenized with --count estimate (default 1000)",
  },
  "cache-dir": {
    type: "string",
    description: "Disk cache of exact counts (default .cacheplan-cache)",
  },
  "planned-model": {
    type: "enum",
    options: ["simulate", "expected"],
    description:
      "How `planned` is computed: a simulated run of the plan, or the planner's expected-miss arithmetic (default simulate)",
  },
  sensitivity: {
    type: "boolean",
    description:
      "Also simulate at 1/4 and 4x the concurrency and show the planned range (default: on up to 20,000 requests)",
  },
  compare: {
    type: "boolean",
    description:
      "Also price the same job on every target that serves its models (anthropic, vertex, bedrock), side by side",
  },
  ...planArgs,
});

export const command = defineCommand({
  meta: {
    name: "estimate",
    description: "Dry-run cost: standard, batch, ideal, planned and worst, with stacked prices",
  },
  args,
});

export async function run(argv: string[], io: CliIo): Promise<ExitCode> {
  const a = parse(argv, args);
  if (!a.input && !a.sample)
    throw new UsageError(
      "Give a JSONL file of requests (or `-` for standard input), a plan folder, or `--sample` for the built-in sample job.",
    );
  if (a.input && a.sample) throw new UsageError("Give either an input or `--sample`, not both.");

  const models = a.models ? await loadModels(a.models, io.cwd, a.target) : undefined;
  const options: EstimateOptions = models ? { models } : {};
  const outputTokens = intOption(a["output-tokens"], "output-tokens");
  const outputFraction = numberOption(a["output-fraction"], "output-fraction", { range: [0, 1] });
  if (outputTokens !== undefined && outputFraction !== undefined)
    throw new UsageError("Give `--output-tokens` or `--output-fraction`, not both.");
  if (outputTokens !== undefined) {
    if (outputTokens < 0) throw new UsageError("`--output-tokens` must be 0 or more.");
    options.outputTokens = outputTokens;
  }
  if (outputFraction !== undefined) options.outputFraction = outputFraction;
  const sampleSize = intOption(a["sample-size"], "sample-size");
  if (sampleSize !== undefined) options.sampleSize = sampleSize;

  const count = a.count ?? "estimate";
  let counter: TokenCounter;
  if (count === "exact") {
    counter = createExactCounter({
      apiKey: io.env.ANTHROPIC_API_KEY,
      baseURL: io.env.ANTHROPIC_BASE_URL || undefined,
      cacheDir: path.resolve(io.cwd, a["cache-dir"] ?? ".cacheplan-cache"),
      ...(models ? { models } : {}),
    });
    options.count = "full";
  } else {
    counter = createTiktokenCounter(models ? { models } : {});
    options.count = count === "full" ? "full" : "sampled";
  }
  options.counter = counter;
  if (a.calibration) options.calibration = await loadCalibration(a.calibration, io.cwd);
  if (a["planned-model"]) options.plannedModel = a["planned-model"] as "simulate" | "expected";
  if (a.sensitivity !== undefined) options.sensitivity = a.sensitivity;

  let planned: Plan | PlanFile;
  const isFolder =
    a.input !== undefined &&
    a.input !== "-" &&
    (await stat(path.resolve(io.cwd, a.input)).then(
      (s) => s.isDirectory(),
      () => false,
    ));
  if (isFolder) {
    refusePlanFlags(a, a.input!);
    const dir = path.resolve(io.cwd, a.input!);
    const file = await readPlanFile(dir);
    if (isLargePlan(file)) {
      if (a.compare) throw new UsageError(largeCompare(file));
      await useTargetRows(file, options, a.models, io.cwd);
      const { estimate: result } = await estimateFolder(dir, options);
      if (file.options.target === "bedrock") result.notes.push(LARGE_BEDROCK);
      await write(io.stdout, a.json ? jsonDocument(result) : renderEstimate(result));
      return finish(file, a, io);
    }
    planned = await readPlan(dir);
  } else {
    // Plan in memory with the offline counter, as `cacheplan plan` would.
    const planOptions = planOptionsFromCalibration(options.calibration, planOptionsFrom(a, models));
    planOptions.counter =
      count === "exact" ? createTiktokenCounter(models ? { models } : {}) : counter;
    const input = requestsFrom(a, io);
    planned = await plan(input, planOptions);
  }

  await useTargetRows(planned, options, a.models, io.cwd);
  const result = await estimate(planned as Plan, options);
  const extra = await targetFigures(planned as Plan, options, a.compare === true);
  await write(
    io.stdout,
    a.json ? jsonDocument({ ...result, ...extra.json }) : renderEstimate(result) + extra.text,
  );
  return finish(planned, a, io);
}

/** `--compare` on a plan too large to hold: refused, saying why and what to do. */
function largeCompare(file: PlanFile): string {
  const n = file.batches.reduce((s, b) => s + b.requestCount, 0);
  return `\`--compare\` plans the job again for every target, which needs all its requests in memory; this plan holds ${n.toLocaleString("en-US")}, more than ${FOLDER_EXACT_MAX_REQUESTS.toLocaleString("en-US")} (or more than ${FOLDER_EXACT_MAX_BYTES / 1024 / 1024} MiB of batch files), so it is estimated one request at a time. Compare on a sample of the job's requests (\`head -n 50000 requests.jsonl | cacheplan estimate - --compare\`), then estimate the folder without \`--compare\`.`;
}

/** The note of a large Bedrock plan: its on-demand alternative needs every request in memory. */
const LARGE_BEDROCK =
  "Bedrock's on-demand alternative is not priced for a plan this large (it plans the job again in memory); estimate a sample of the job's requests to see it.";

/** Says what was left out, and the exit code. */
async function finish(
  planned: Pick<Plan, "rejected" | "summary">,
  a: { sample?: boolean | undefined; input?: string | undefined },
  io: CliIo,
): Promise<ExitCode> {
  if (planned.rejected.length > 0) {
    await write(
      io.stderr,
      `${planned.rejected.length} request${planned.rejected.length === 1 ? " was" : "s were"} rejected and left out of the estimate; \`cacheplan plan\` lists them.\n`,
    );
  }
  if (planned.summary.planned === 0) {
    await write(
      io.stderr,
      `Nothing to estimate: ${a.sample ? "the sample" : `\`${a.input}\``} holds no request that could be planned; every figure above is 0.\n`,
    );
  }
  return exitCodeOf({
    command: "estimate",
    rejected: planned.rejected.length,
    planned: planned.summary.planned,
  });
}

/**
 * A plan folder is already planned: its options are in plan.json, so a planner flag would be
 * silently ignored. Refuse it instead, naming the flag (`--models` stays: it prices the plan).
 */
function refusePlanFlags(a: Record<string, unknown>, folder: string): void {
  for (const flag of Object.keys(planArgs)) {
    if (flag === "models" || a[flag] === undefined || a[flag] === false) continue;
    throw new UsageError(
      `\`--${flag}\` shapes a plan, and \`${folder}\` is already planned (its options are in plan.json). Estimate the JSONL file with \`--${flag}\`, or plan again with \`cacheplan plan --${flag} …\`.`,
    );
  }
}

/** A plan for Vertex or Bedrock is priced with that target's rows (`--models` overriding them). */
async function useTargetRows(
  planned: Pick<Plan, "options">,
  options: EstimateOptions,
  modelsFile: string | undefined,
  cwd: string,
): Promise<void> {
  const target = planned.options.target;
  if (target === undefined || target === "anthropic") return;
  options.models = modelsFile
    ? await loadModels(modelsFile, cwd, target)
    : modelTableOf(await loadTarget(target));
}

/** Bedrock's on-demand alternative, and with `--compare` the job on every target (issue 15). */
async function targetFigures(
  planned: Plan,
  options: EstimateOptions,
  compare: boolean,
): Promise<{ text: string; json: Record<string, unknown> }> {
  const alt = await bedrockAlternative(planned, options);
  const cmp = compare ? await compareTargets(planned, options) : undefined;
  return {
    text:
      (alt ? renderBedrockAlternative(alt) : "") + (cmp ? `\n${renderTargetComparison(cmp)}` : ""),
    json: { ...(alt ? { bedrock: alt } : {}), ...(cmp ? { compare: cmp } : {}) },
  };
}
