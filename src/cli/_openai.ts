/**
 * The OpenAI Batch API path of the CLI (internal): `cacheplan plan` on OpenAI batch lines, chosen
 * by `--target openai` or by the input's first line (`{custom_id, method, url, body}`). It plans
 * with `planOpenAI()`, prints the OpenAI rendering and writes the plan folder in the project's
 * format (`toCorePlan`), which `estimate`, `submit`, `status`, `cancel`, `retry` and `report` read.
 */

import { open } from "node:fs/promises";
import path from "node:path";
import {
  looksLikeOpenAILine,
  OPENAI_MODEL_TABLE as MODEL_TABLE,
  type OpenAIPlanOptions,
  planOpenAI,
  renderOpenAIPlan,
  openaiPlanToPlan as toCorePlan,
} from "../exports/targets.js";
import {
  createModelTable,
  InputError,
  modelTableOf,
  parseModelOverrides,
  readJsonl,
  toPlanFile,
} from "../index.js";
import { defineArgs, intOption, parse } from "./_args.js";
import { type CliIo, UsageError, write } from "./_context.js";
import { EXIT, type ExitCode, exitCodeOf } from "./_exit.js";
import { writePlanTo } from "./_plan-dir.js";
import { readJsonOption } from "./_plan-options.js";
import { jsonDocument } from "./_version.js";

/** Options of `cacheplan plan --target openai`. */
export const openaiPlanArgs = defineArgs({
  input: {
    type: "positional",
    required: false,
    description: "OpenAI batch lines as JSONL (`-` for standard input)",
  },
  target: {
    type: "string",
    valueHint: "<anthropic|openai>",
    description: "The batch system (default anthropic; OpenAI batch lines are detected)",
  },
  out: { type: "string", description: "Folder to write plan.json and the batch files to" },
  strategy: {
    type: "enum",
    options: ["auto", "primed", "cold", "none"],
    description: "How caching is used (default auto)",
  },
  "user-markers": {
    type: "enum",
    options: ["keep", "replace"],
    description: "Breakpoints and prompt_cache_keys already in requests (default keep)",
  },
  "max-requests": { type: "string", description: "Most requests per input file (default 50000)" },
  "max-bytes": { type: "string", description: "Most bytes per input file (default 200000000)" },
  "max-enqueued-tokens": {
    type: "string",
    description:
      "OpenAI: most estimated input tokens per batch, your enqueued-token limit (default none)",
  },
  "max-waves": { type: "string", description: "1 (no primers) or 2 (default 2)" },
  concurrency: {
    type: "string",
    description: "Requests of one batch assumed to run at once (default 64)",
  },
  models: { type: "string", description: "JSON file with model rows to add or override" },
  "allow-rejects": {
    type: "boolean",
    description: "Write the plan even if some requests are rejected",
  },
  "allow-empty": { type: "boolean", description: "Exit 0 when no request is left to plan" },
  force: { type: "boolean", description: "Replace an existing plan in --out" },
  json: {
    type: "boolean",
    description: "Print plan.json (without request bodies) instead of text",
  },
  quiet: { type: "boolean", description: "Print nothing but errors" },
});

/** The value of `--target` in `argv`, if given. */
export function targetFlag(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const t = argv[i]!;
    if (t === "--") return undefined;
    if (t === "--target") return argv[i + 1];
    if (t.startsWith("--target=")) return t.slice("--target=".length);
  }
  return undefined;
}

/** The first positional argument (the input), skipping option values. */
function inputOf(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const t = argv[i]!;
    if (t === "-" || !t.startsWith("-")) return t;
    const name = t.slice(2);
    const def = (openaiPlanArgs as Record<string, { type: string }>)[name];
    if (def && def.type !== "boolean") i += 1;
  }
  return undefined;
}

/** Whether the first non-blank line of a file is an OpenAI batch line (reads at most 16 MB). */
export async function fileLooksOpenAI(file: string): Promise<boolean> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(file, "r");
    const chunk = Buffer.alloc(1 << 16);
    let text = "";
    for (let read = 0; read < 16 << 20; ) {
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, read);
      if (bytesRead === 0) break;
      read += bytesRead;
      text += chunk.subarray(0, bytesRead).toString("utf8");
      const lines = text.split("\n");
      const first = lines.slice(0, -1).find((l) => l.trim() !== "");
      if (first !== undefined) {
        try {
          return looksLikeOpenAILine(JSON.parse(first));
        } catch {
          return false;
        }
      }
    }
    return false;
  } catch {
    return false;
  } finally {
    await handle?.close();
  }
}

/** Whether this `plan` command line is for the OpenAI target. */
export async function isOpenAIPlan(argv: readonly string[], cwd: string): Promise<boolean> {
  const target = targetFlag(argv);
  if (target !== undefined) return target === "openai";
  const input = inputOf(argv);
  return input !== undefined && input !== "-" && (await fileLooksOpenAI(path.resolve(cwd, input)));
}

/** `cacheplan plan` for OpenAI batch lines. */
export async function runOpenAIPlan(argv: string[], io: CliIo): Promise<ExitCode> {
  const a = parse(argv, openaiPlanArgs);
  if (!a.input)
    throw new UsageError("Give a JSONL file of OpenAI batch lines (or `-` for standard input).");
  if (a.target !== undefined && a.target !== "openai")
    throw new UsageError(`\`--target\` must be "openai" here; got ${JSON.stringify(a.target)}.`);
  const options: OpenAIPlanOptions = {};
  if (a.strategy) options.strategy = a.strategy as OpenAIPlanOptions["strategy"] & string;
  if (a["user-markers"]) options.userMarkers = a["user-markers"] as "keep" | "replace";
  const num = (flag: string) => intOption((a as Record<string, unknown>)[flag], flag);
  const maxRequests = num("max-requests");
  if (maxRequests !== undefined) options.maxRequests = maxRequests;
  const maxBytes = num("max-bytes");
  if (maxBytes !== undefined) options.maxBytes = maxBytes;
  const tokens = num("max-enqueued-tokens");
  if (tokens !== undefined) options.maxEnqueuedTokens = tokens;
  const waves = num("max-waves");
  if (waves !== undefined) options.maxWaves = waves;
  const concurrency = num("concurrency");
  if (concurrency !== undefined) options.concurrency = concurrency;
  if (a.models) {
    const base = modelTableOf({ models: MODEL_TABLE });
    const parsed = await readJsonOption("models", a.models, io.cwd, "a JSON file of model rows");
    const overrides = parseModelOverrides(parsed, base);
    if (!overrides.ok)
      throw new InputError(`\`--models ${a.models}\`: ${overrides.error}`, a.models);
    options.models = createModelTable(overrides.value, base);
  }
  const input =
    a.input === "-"
      ? readJsonl(io.stdin, { source: "-" })
      : readJsonl(path.resolve(io.cwd, a.input), { source: a.input });
  const result = await planOpenAI(input, options);
  const code = exitCodeOf({
    command: "plan",
    rejected: result.rejected.length,
    planned: result.summary.planned,
    allowRejects: a["allow-rejects"] === true,
    allowEmpty: a["allow-empty"] === true,
  });
  const core = toCorePlan(result);
  let wrote = "";
  if (a.out && code === EXIT.ok) {
    await writePlanTo(core, a.out, io, a.force === true);
    wrote = `Wrote ${a.out}: plan.json and ${result.batches.length} batch file${result.batches.length === 1 ? "" : "s"}.\n`;
  }
  if (a.json) await write(io.stdout, jsonDocument(toPlanFile(core)));
  else if (!a.quiet) {
    await write(io.stdout, renderOpenAIPlan(result));
    if (wrote) await write(io.stdout, `\n${wrote}`);
  }
  if (code !== EXIT.ok) {
    await write(
      io.stderr,
      result.rejected.length > 0 && !a["allow-rejects"]
        ? `${result.rejected.length} request${result.rejected.length === 1 ? " was" : "s were"} rejected; no plan written. Fix them, or pass \`--allow-rejects\` to plan without them.\n`
        : "Nothing to plan: no request left; no plan written.\n",
    );
  }
  return code;
}
