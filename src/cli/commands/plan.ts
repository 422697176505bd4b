import { readFile } from "node:fs/promises";
import path from "node:path";
import { defineCommand } from "citty";
import {
  createModelTable,
  InputError,
  type PlanOptions,
  parseModelOverrides,
  plan,
  readJsonl,
  renderPlan,
  toPlanFile,
  writePlan,
} from "../../index.js";
import { sampleRequests } from "../../sample.js";
import { defineArgs, intOption, parse, usage } from "../_args.js";
import { type CliIo, EXIT, type ExitCode, UsageError, write } from "../_context.js";

export const args = defineArgs({
  input: {
    type: "positional",
    required: false,
    description: "Requests as JSONL, one batch request per line (`-` for standard input)",
  },
  out: { type: "string", description: "Folder to write plan.json and the batch files to" },
  sample: { type: "boolean", description: "Plan the built-in sample job instead of an input file" },
  strategy: {
    type: "enum",
    options: ["auto", "primed", "cold", "none"],
    description: "How caching is used (default auto)",
  },
  ttl: {
    type: "enum",
    options: ["auto", "5m", "1h"],
    description: "TTL of added markers (default auto: 1h primed, 5m cold)",
  },
  "user-markers": {
    type: "enum",
    options: ["keep", "replace"],
    description: "Markers already in requests: keep or replace (default keep)",
  },
  "max-requests": { type: "string", description: "Most requests per batch (default 100000)" },
  "max-bytes": { type: "string", description: "Most bytes per batch body (default 256000000)" },
  "max-waves": {
    type: "string",
    description: "Most waves: 2 = primers then the rest (default 2, up to 5)",
  },
  concurrency: {
    type: "string",
    description: "Requests of one batch assumed to run at once (default 64)",
  },
  models: {
    type: "string",
    description: "JSON file with model rows to add or override (prices, minimums)",
  },
  "allow-rejects": {
    type: "boolean",
    description: "Write the plan even if some requests are rejected",
  },
  force: { type: "boolean", description: "Replace an existing plan in --out" },
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

/** The exit code of a finished plan: pure, so it is tested on its own. */
export function planExitCode(rejected: number, allowRejects: boolean): ExitCode {
  return rejected > 0 && !allowRejects ? EXIT.problems : EXIT.ok;
}

export async function run(argv: string[], io: CliIo): Promise<ExitCode> {
  const a = parse(argv, args);
  if (a.help) {
    await write(io.stdout, await usage(command as never));
    return EXIT.ok;
  }
  if (!a.input && !a.sample)
    throw new UsageError(
      "Give a JSONL file of requests (or `-` for standard input), or `--sample` for the built-in sample job.",
    );
  if (a.input && a.sample)
    throw new UsageError("Give either an input file or `--sample`, not both.");

  const options: PlanOptions = {};
  if (a.strategy) options.strategy = a.strategy as NonNullable<PlanOptions["strategy"]>;
  if (a.ttl) options.ttl = a.ttl as NonNullable<PlanOptions["ttl"]>;
  if (a["user-markers"]) options.userMarkers = a["user-markers"] as "keep" | "replace";
  const numbers = {
    "max-requests": "maxRequests",
    "max-bytes": "maxBytes",
    "max-waves": "maxWaves",
    concurrency: "concurrency",
  } as const;
  for (const [flag, key] of Object.entries(numbers)) {
    const value = intOption(a[flag as keyof typeof a], flag);
    if (value !== undefined) options[key] = value;
  }
  if (a.models) {
    const file = path.resolve(io.cwd, a.models);
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(file, "utf8"));
    } catch (error) {
      throw new InputError(
        `Cannot read model overrides \`${a.models}\`: ${(error as Error).message}.`,
        a.models,
        { cause: error },
      );
    }
    const overrides = parseModelOverrides(parsed);
    if (!overrides.ok)
      throw new InputError(`Model overrides \`${a.models}\`: ${overrides.error}`, a.models);
    options.models = createModelTable(overrides.value);
  }

  const input = a.sample
    ? sampleRequests()
    : a.input === "-"
      ? readJsonl(io.stdin, { source: "-" })
      : readJsonl(path.resolve(io.cwd, a.input!), { source: a.input! });
  const result = await plan(input, options);
  const code = planExitCode(result.rejected.length, a["allow-rejects"] === true);

  let wrote = "";
  if (a.out && code === EXIT.ok) {
    await writePlan(result, path.resolve(io.cwd, a.out), { overwrite: a.force === true });
    wrote = `Wrote ${a.out}: plan.json and ${result.batches.length} batch file${result.batches.length === 1 ? "" : "s"}.\n`;
  }
  if (a.json) {
    await write(io.stdout, `${JSON.stringify(toPlanFile(result), null, 2)}\n`);
  } else if (!a.quiet) {
    await write(io.stdout, renderPlan(result));
    if (wrote) await write(io.stdout, `\n${wrote}`);
    else if (!a.out && code === EXIT.ok)
      await write(
        io.stdout,
        "\nNothing written: pass `--out DIR` to write the plan and its batch files.\n",
      );
  }
  if (code !== EXIT.ok) {
    await write(
      io.stderr,
      `${result.rejected.length} request${result.rejected.length === 1 ? " was" : "s were"} rejected (listed above${a.json ? " in `rejected`" : ""}); no plan written. Fix them, or pass \`--allow-rejects\` to plan without them.\n`,
    );
  }
  return code;
}
