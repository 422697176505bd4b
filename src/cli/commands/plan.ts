import path from "node:path";
import { defineCommand } from "citty";
import {
  type PlanFile,
  type PlanOptions,
  plan,
  planJsonl,
  planOptionsFromCalibration,
  renderPlan,
  toPlanFile,
} from "../../index.js";
import { defineArgs, parse } from "../_args.js";
import { type CliIo, UsageError, write } from "../_context.js";
import { EXIT, type ExitCode, exitCodeOf } from "../_exit.js";
import { planDirArg, writePlanTo } from "../_plan-dir.js";
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
    description: "Requests as JSONL, one batch request per line (`-` for standard input)",
  },
  out: { type: "string", description: "Folder to write plan.json and the batch files to" },
  sample: { type: "boolean", description: "Plan the built-in sample job instead of an input file" },
  ...planArgs,
  calibration: {
    type: "string",
    description:
      "JSON file written by `probe`: plan with the measured cache behaviour (its concurrency, unless --concurrency)",
  },
  "allow-rejects": {
    type: "boolean",
    description: "Write the plan even if some requests are rejected",
  },
  "allow-empty": {
    type: "boolean",
    description: "Exit 0 (and write the empty plan) when no request is left to plan",
  },
  force: {
    type: "boolean",
    description: "Replace an existing plan in --out (never a folder of other files)",
  },
  json: {
    type: "boolean",
    description: "Print plan.json (without request bodies) instead of text",
  },
  quiet: { type: "boolean", description: "Print nothing but errors" },
});

export const command = defineCommand({
  meta: {
    name: "plan",
    description: "Group requests by shared prefix, place cache breakpoints, plan waves and batches",
  },
  args,
});

/** Why nothing was planned, said plainly. Pure. */
export function nothingToPlan(input: string, inputRequests: number): string {
  const shown = input === "-" ? "standard input" : `\`${input}\``;
  const what =
    inputRequests === 0
      ? `${shown} holds no requests`
      : `${inputRequests === 1 ? "the only request" : `all ${inputRequests} requests`} of ${shown} ${inputRequests === 1 ? "was" : "were"} rejected`;
  return `Nothing to plan: ${what}; no plan written. Check the input, or pass \`--allow-empty\` to accept an empty plan.\n`;
}

export async function run(argv: string[], io: CliIo): Promise<ExitCode> {
  const a = parse(argv, args);
  if (!a.input && !a.sample)
    throw new UsageError(
      "Give a JSONL file of requests (or `-` for standard input), or `--sample` for the built-in sample job.",
    );
  if (a.input && a.sample)
    throw new UsageError("Give either an input file or `--sample`, not both.");

  const models = a.models ? await loadModels(a.models, io.cwd, a.target) : undefined;
  const calibration = a.calibration ? await loadCalibration(a.calibration, io.cwd) : undefined;
  const options = planOptionsFromCalibration(calibration, planOptionsFrom(a, models));
  const codeOf = (p: { rejected: unknown[]; summary: { planned: number } }) =>
    exitCodeOf({
      command: "plan",
      rejected: p.rejected.length,
      planned: p.summary.planned,
      allowRejects: a["allow-rejects"] === true,
      allowEmpty: a["allow-empty"] === true,
    });
  const { result, wrote: written } = a.sample
    ? await planSample(a, io, options, codeOf)
    : await planInput(a, io, options, codeOf);
  const code = codeOf(result);

  let wrote = "";
  if (a.out && written) {
    wrote = `Wrote ${a.out}: plan.json and ${result.batches.length} batch file${result.batches.length === 1 ? "" : "s"}.\n`;
  }
  if (a.json) {
    await write(io.stdout, jsonDocument(result));
  } else if (!a.quiet) {
    await write(io.stdout, renderPlan(result));
    if (wrote) await write(io.stdout, `\n${wrote}`);
    else if (!a.out && code === EXIT.ok)
      await write(
        io.stdout,
        "\nNothing written: pass `--out DIR` to write the plan and its batch files.\n",
      );
  }
  if (code !== EXIT.ok && (result.rejected.length === 0 || a["allow-rejects"])) {
    await write(
      io.stderr,
      nothingToPlan(a.sample ? "--sample" : a.input!, result.summary.inputRequests),
    );
  } else if (code !== EXIT.ok) {
    await write(
      io.stderr,
      `${result.rejected.length} request${result.rejected.length === 1 ? " was" : "s were"} rejected (listed above${a.json ? " in `rejected`" : ""}); no plan written. Fix them, or pass \`--allow-rejects\` to plan without them.\n`,
    );
  }
  return code;
}

type Args = ReturnType<typeof parse<typeof args>>;
type CodeOf = (p: PlanFile) => ExitCode;

/** The built-in sample job, planned in memory (it is small). */
async function planSample(
  a: Args,
  io: CliIo,
  options: PlanOptions,
  codeOf: CodeOf,
): Promise<{ result: PlanFile; wrote: boolean }> {
  const planned = await plan(requestsFrom(a, io), options);
  const result = toPlanFile(planned);
  if (!a.out || codeOf(result) !== EXIT.ok) return { result, wrote: false };
  await writePlanTo(planned, a.out, io, a.force === true);
  return { result, wrote: true };
}

/**
 * A JSONL file or standard input, planned in bounded memory (`planJsonl`: an index pass, then a
 * copy pass streaming each request into its batch file); the folder is written only when the
 * exit code is 0.
 */
async function planInput(
  a: Args,
  io: CliIo,
  options: PlanOptions,
  codeOf: CodeOf,
): Promise<{ result: PlanFile; wrote: boolean }> {
  const input =
    a.input === "-"
      ? { stream: io.stdin, source: "-" }
      : { file: path.resolve(io.cwd, a.input!), source: a.input! };
  if (!a.out) {
    const { plan: result } = await planJsonl(input, options);
    return { result, wrote: false };
  }
  const dir = planDirArg(io, a.out, "plan");
  const { plan: result, wrote } = await dir.run(() =>
    planJsonl(input, options, {
      dir: dir.resolved,
      overwrite: a.force === true,
      cwd: io.cwd,
      accept: (p) => codeOf(p) === EXIT.ok,
    }),
  );
  return { result, wrote };
}
