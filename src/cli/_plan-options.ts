/**
 * What every command that plans shares (internal): the planner's options as CLI arguments, the
 * `--models` file, and where requests come from (a file, standard input or the sample job).
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { checkTargetId, loadTarget } from "../exports/targets.js";
import {
  createModelTable,
  type EstimateCalibration,
  InputError,
  type ModelTable,
  modelTableOf,
  type PlanInput,
  type PlanOptions,
  parseCalibration,
  parseModelOverrides,
  readJsonl,
  STRATEGIES,
  type Strategy,
  sampleRequests,
} from "../index.js";
import { defineArgs, intOption } from "./_args.js";
import type { CliIo } from "./_context.js";

/** The planner's options, as `plan`, `estimate` and the runner take them. */
export const planArgs = defineArgs({
  strategy: {
    type: "enum",
    options: [...STRATEGIES],
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
    description:
      "Most waves: 2 = primers then the rest; up to 5; auto = 3 when priming nested prefixes level by level pays (default auto)",
  },
  concurrency: {
    type: "string",
    description: "Requests of one batch assumed to run at once (default 64)",
  },
  "max-queued": {
    type: "string",
    description:
      "The processing queue the job will run through (submit --max-queued): a larger job is cut into slices, group by group, each slice's primers just before its readers (default: not sliced)",
  },
  models: {
    type: "string",
    description: "JSON file with model rows to add or override (prices, minimums)",
  },
  target: {
    type: "string",
    description:
      "The batch system: anthropic (default), vertex (Vertex AI), bedrock (Amazon Bedrock), openai (OpenAI Batch API; also detected from the input lines)",
  },
  "split-text": {
    type: "boolean",
    description:
      "Split text blocks at prefixes they share with other requests into adjacent text blocks (same text) and mark the shared part",
  },
});

type PlanArgValues = { [K in keyof typeof planArgs]?: string | boolean | undefined };

/**
 * The JSON in the file given to `--<flag>`; a missing, unreadable or malformed file is an
 * `InputError` naming the flag and the file as typed (never a raw `ENOENT … open '/abs/path'`).
 */
export async function readJsonOption(flag: string, file: string, cwd: string, what: string) {
  const where = `\`--${flag} ${file}\``;
  let text: string;
  try {
    text = await readFile(path.resolve(cwd, file), "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "file not found"
        : code === "EISDIR"
          ? "a folder, not a file"
          : code === "EACCES"
            ? "not readable (permission denied)"
            : `cannot be read (${code ?? (error as Error).message})`;
    throw new InputError(`${where}: ${why}. Give the path of ${what}.`, file, { cause: error });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new InputError(
      `${where} is not valid JSON (${(error as Error).message}). Give ${what}.`,
      file,
      { cause: error },
    );
  }
}

/** Reads a calibration file written by `report --write-calibration` or `cacheplan probe`. */
export async function loadCalibration(file: string, cwd: string): Promise<EstimateCalibration> {
  const parsed = await readJsonOption(
    "calibration",
    file,
    cwd,
    "a calibration file written by `cacheplan report --write-calibration` or `cacheplan probe`",
  );
  return parseCalibration(parsed, file);
}

/**
 * Reads a `--models` file into a model table; errors name the file and what is wrong. With a
 * `target` (`--target`), the rows override that target's own rows (Vertex's, Bedrock's prices).
 */
export async function loadModels(file: string, cwd: string, target?: string): Promise<ModelTable> {
  const parsed = await readJsonOption("models", file, cwd, "a JSON file of model rows");
  const overrides = parseModelOverrides(parsed);
  if (!overrides.ok) throw new InputError(`\`--models ${file}\`: ${overrides.error}`, file);
  if (target === undefined || target === "anthropic") return createModelTable(overrides.value);
  const base = modelTableOf(await loadTarget(checkTargetId(target)));
  return createModelTable(overrides.value, base);
}

/** `PlanOptions` from parsed arguments (numbers checked; ranges are checked by the planner). */
export function planOptionsFrom(a: PlanArgValues, models: ModelTable | undefined): PlanOptions {
  const options: PlanOptions = {};
  if (models) options.models = models;
  if (a.strategy) options.strategy = a.strategy as Strategy;
  if (a.ttl) options.ttl = a.ttl as NonNullable<PlanOptions["ttl"]>;
  if (a["user-markers"]) options.userMarkers = a["user-markers"] as "keep" | "replace";
  if (a["split-text"] === true) options.splitText = true;
  if (typeof a.target === "string") options.target = checkTargetId(a.target);
  if (a["max-waves"] === "auto") options.maxWaves = "auto";
  else {
    const waves = intOption(a["max-waves"], "max-waves");
    if (waves !== undefined) options.maxWaves = waves;
  }
  const numbers = {
    "max-requests": "maxRequests",
    "max-bytes": "maxBytes",
    concurrency: "concurrency",
    "max-queued": "maxQueued",
  } as const;
  for (const [flag, key] of Object.entries(numbers)) {
    const value = intOption(a[flag as keyof PlanArgValues], flag);
    if (value !== undefined) options[key] = value;
  }
  return options;
}

/** The requests to plan: the sample job, standard input (`-`) or a JSONL file. */
export function requestsFrom(
  a: { input?: string | undefined; sample?: boolean | undefined },
  io: CliIo,
): PlanInput {
  if (a.sample) return sampleRequests();
  if (a.input === "-") return readJsonl(io.stdin, { source: "-" });
  return readJsonl(path.resolve(io.cwd, a.input!), { source: a.input! });
}
