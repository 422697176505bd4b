import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { defineCommand } from "citty";
import { resolveInside } from "../../exports/run.js";
import { loadTarget } from "../../exports/targets.js";
import {
  estimateFolder,
  formatProblem,
  InputError,
  mergeCalibration,
  modelTableOf,
  type PlanFile,
  type RenderHtmlOptions,
  type Report,
  readJsonl,
  readPlanFile,
  readRunState,
  renderReportHtml,
  renderReportMarkdown,
  renderReportText,
  report,
  reportFolder,
} from "../../index.js";
import { defineArgs, parse } from "../_args.js";
import { type CliIo, displayPath, UsageError, write } from "../_context.js";
import { EXIT, type ExitCode, exitCodeOf } from "../_exit.js";
import { loadModels } from "../_plan-options.js";
import { htmlHeader } from "../_report-header.js";
import { jsonDocument } from "../_version.js";

/** Output formats of `report`. */
export const FORMATS = ["text", "json", "md", "html"] as const;
type Format = (typeof FORMATS)[number];

export const args = defineArgs({
  plan: {
    type: "positional",
    required: false,
    description: "Plan folder written by `plan --out` (without it: totals only)",
  },
  results: {
    type: "string",
    description:
      "Results JSONL file, or a folder of *.jsonl files (repeat for more; `-` for stdin); default with a submitted plan: the results its run downloaded (run.json)",
  },
  format: {
    type: "enum",
    options: [...FORMATS],
    description:
      "text, json, md (for a pull request) or html (one self-contained file) (default text)",
  },
  json: { type: "boolean", description: "Same as `--format json`" },
  out: {
    type: "string",
    valueHint: "<file>",
    description: "Write the report to this file instead of standard output",
  },
  "allow-partial": {
    type: "boolean",
    description:
      "Report even with bad lines, unknown or duplicated custom_ids, missing results (listed in the report) or no result at all",
  },
  "write-calibration": {
    type: "string",
    description: "Write actual ÷ estimated input tokens per model to this JSON file (needs a plan)",
  },
  models: {
    type: "string",
    description: "JSON file with model rows to add or override (prices, minimums)",
  },
  quiet: { type: "boolean", description: "Print nothing but problems" },
});

export const command = defineCommand({
  meta: {
    name: "report",
    description: "Achieved cache hit rates and real cost from batch results, against the plan",
  },
  args,
});

/** Every `--results` value: citty keeps only the last of a repeated option. */
function resultsOptions(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (token === "--") break;
    if (token === "--results") {
      const value = argv[i + 1];
      if (value === undefined || (value.startsWith("-") && value !== "-"))
        throw new UsageError("`--results` needs a file or folder.");
      out.push(value);
      i += 1;
    } else if (token.startsWith("--results=")) out.push(token.slice("--results=".length));
  }
  return out;
}

/** The results files: each file as given, each folder's `*.jsonl` sorted by name. */
async function resultFiles(values: readonly string[], cwd: string): Promise<string[]> {
  const files: string[] = [];
  for (const value of values) {
    if (value === "-") {
      files.push(value);
      continue;
    }
    const info = await stat(path.resolve(cwd, value)).catch(() => undefined);
    if (!info)
      throw new InputError(
        `Cannot read results \`${value}\`: no such file or folder. Pass the JSONL files \`batches.results()\` returned, or their folder.`,
        value,
      );
    if (!info.isDirectory()) {
      files.push(value);
      continue;
    }
    const names = (await readdir(path.resolve(cwd, value)))
      .filter((n) => n.endsWith(".jsonl"))
      .sort();
    if (names.length === 0)
      throw new InputError(
        `The folder \`${value}\` holds no \`*.jsonl\` results file. Pass a results file, or the folder the results were saved to.`,
        value,
      );
    files.push(...names.map((n) => path.join(value, n)));
  }
  return files;
}

async function* linesOf(files: readonly string[], io: CliIo) {
  for (const file of files) {
    yield* file === "-"
      ? readJsonl(io.stdin, { source: "-" })
      : readJsonl(path.resolve(io.cwd, file), { source: file });
  }
}

function render(result: Report, format: Format, header: RenderHtmlOptions = {}): string {
  switch (format) {
    case "text":
      return renderReportText(result);
    case "json":
      return jsonDocument(result);
    case "md":
      return renderReportMarkdown(result);
    case "html":
      return renderReportHtml(result, header);
  }
}

function problemLines(result: Report): string {
  return result.problems
    .flatMap((p) => formatProblem(p).map((line, i) => (i === 0 ? `  - ${line}` : `      ${line}`)))
    .join("\n");
}

/**
 * The results files of a submitted plan, from its run.json (relative to `cwd`, inside the plan
 * folder): what `cacheplan report PLAN` reads without `--results`. Says what to do when the plan
 * was never submitted or nothing is downloaded yet; notes on `io.stderr` a run not finished.
 */
export async function runResults(planArg: string, io: CliIo): Promise<string[]> {
  const dir = path.resolve(io.cwd, planArg);
  const shown = displayPath(planArg);
  const state = await readRunState(dir);
  if (state === null)
    throw new UsageError(
      `\`${shown}\` was never submitted (it has no run.json), so it has no results of its own: give them with \`--results file.jsonl\` (or a folder of them), or submit it first (\`cacheplan submit ${shown}\`).`,
    );
  const files: string[] = [];
  for (const b of state.batches) {
    if (b.state !== "downloaded") continue;
    // run.json's paths are checked by readRunState; resolveInside checks them again.
    await resolveInside(dir, b.results.file, `\`${shown}/run.json\``);
    files.push(path.join(planArg, b.results.file));
  }
  const left = state.batches.length - files.length;
  if (files.length === 0)
    throw new UsageError(
      `\`${shown}\`'s run has downloaded no results yet (${left} batch${left === 1 ? "" : "es"} not ended or not downloaded): \`cacheplan status ${shown}\` says where it stands, \`cacheplan submit ${shown}\` resumes it.`,
    );
  if (left > 0)
    await write(
      io.stderr,
      `Note: the run of \`${shown}\` is not finished: ${left} of ${state.batches.length} batches have no results downloaded yet; their requests are reported missing (\`cacheplan submit ${shown}\` resumes it).\n`,
    );
  return files;
}

export async function run(argv: string[], io: CliIo): Promise<ExitCode> {
  const a = parse(argv, args);
  const given = resultsOptions(argv);
  if (given.length === 0 && !a.plan)
    throw new UsageError(
      "Give the results with `--results file.jsonl` (or a folder of them), and the plan folder before it for groups and waves; a submitted plan folder alone reports its run's results.",
    );
  if (a.json && a.format !== undefined && a.format !== "json")
    throw new UsageError(`Give \`--json\` or \`--format ${a.format}\`, not both.`);
  const format: Format = a.json ? "json" : ((a.format as Format | undefined) ?? "text");
  if (a["write-calibration"] && !a.plan)
    throw new UsageError(
      "`--write-calibration` compares the results with the plan's estimate: give the plan folder too.",
    );

  let models = a.models ? await loadModels(a.models, io.cwd) : undefined;
  let dir: string | undefined;
  let targetId: PlanFile["options"]["target"];
  if (a.plan) {
    dir = path.resolve(io.cwd, a.plan);
    const isFolder = await stat(dir).then(
      (s) => s.isDirectory(),
      () => false,
    );
    if (!isFolder)
      throw new InputError(
        `\`${a.plan}\` is not a plan folder. Give the folder \`cacheplan plan --out\` wrote (it holds plan.json), or leave it out for totals only.`,
        a.plan,
      );
    // plan.json only, for its target (not kept: estimateFolder() reads it again); the requests
    // stay in their batch files (a plan of millions, issue 14).
    targetId = (await readPlanFile(dir)).options.target;
  }
  // `--results` overrides; else the results the plan's run downloaded (run.json records them).
  const values = given.length > 0 ? given : await runResults(a.plan!, io);
  const files = await resultFiles(values, io.cwd);
  // A Vertex or Bedrock plan is priced with its rows, `--models` overriding them (issue 15);
  // the report reads its results through the target.
  const target = await targetOf(targetId);
  if (target)
    models = a.models ? await loadModels(a.models, io.cwd, target.id) : modelTableOf(target);
  const options = models ? { models } : {};
  const result =
    dir === undefined
      ? await report(linesOf(files, io), options)
      : await reportFolder(linesOf(files, io), dir, {
          ...(await estimateFolder(dir, options)),
          ...options,
        });

  const allowPartial = a["allow-partial"] === true;
  const code = exitCodeOf({ command: "report", report: result, allowPartial });
  if (code !== EXIT.ok && result.problems.length === 0) {
    await write(
      io.stderr,
      `No results: ${values.map((v) => (v === "-" ? "standard input" : `\`${v}\``)).join(", ")} ${values.length === 1 ? "holds" : "hold"} no result line, so there is nothing to report; no report written. Pass the results \`batches.results()\` returned (\`cacheplan submit\` saves them in the plan folder's \`results/\`), or \`--allow-partial\` to report zeros.\n`,
    );
    return code;
  }
  if (code !== EXIT.ok) {
    await write(
      io.stderr,
      `The results cannot be reported as they are; no report written:\n${problemLines(result)}\nFix them, or pass \`--allow-partial\` to report on the usable lines only.\n`,
    );
    return code;
  }
  const text = render(
    result,
    format,
    a.plan && format === "html" ? await htmlHeader(a.plan, path.resolve(io.cwd, a.plan)) : {},
  );
  if (a.out) {
    await writeFile(path.resolve(io.cwd, a.out), text);
    if (!a.quiet) await write(io.stdout, `Wrote ${a.out} (${format}).\n`);
  } else if (!a.quiet || format !== "text") {
    await write(io.stdout, text);
  }
  if (a["write-calibration"] && result.calibration) {
    const file = path.resolve(io.cwd, a["write-calibration"]);
    // A probe's cache-model parameters in the file are kept (calibration version 2).
    const previous = await readFile(file, "utf8").then(
      (text) => JSON.parse(text) as unknown,
      () => undefined,
    );
    await writeFile(
      file,
      `${JSON.stringify(mergeCalibration(previous, result.calibration), null, 2)}\n`,
    );
    if (!a.quiet) await write(io.stdout, `Wrote calibration to ${a["write-calibration"]}.\n`);
  }
  if (result.problems.length > 0)
    await write(
      io.stderr,
      `The report is partial (\`--allow-partial\`):\n${problemLines(result)}\n`,
    );
  return code;
}

/** The plan's target when it is not the Anthropic API. */
async function targetOf(id: PlanFile["options"]["target"]) {
  return id === undefined || id === "anthropic" ? undefined : loadTarget(id);
}
