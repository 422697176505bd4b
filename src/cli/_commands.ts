/**
 * The commands of `cacheplan` (internal): what `--help` says about each, and how to load it. A
 * command's module is loaded only when used (STYLE item 4), so `plan` never loads the SDK; its
 * options come from the module's exported `args`.
 */
import type { ArgsDef } from "./_args.js";
import type { CliIo } from "./_context.js";
import type { ExitCode } from "./_exit.js";

/** What a command module exports. */
export interface CommandModule {
  args: ArgsDef;
  run(argv: string[], io: CliIo): Promise<ExitCode>;
}

/** One command: its help text besides the options, and its module. */
export interface CommandEntry {
  description: string;
  /** Usage lines after `cacheplan <name> `: `<x>` is required, `[x]` optional. */
  usage: string[];
  /** How each positional argument is shown, and whether it is required. */
  arguments: Record<string, { shown: string; required: string | boolean }>;
  /** One or two command lines, each with what it does. */
  examples: Array<[command: string, what: string]>;
  /**
   * Where an error goes with `--json`: `stdout` for commands whose standard output is a stream
   * of JSON lines (the error ends the stream), `stderr` for the others (their standard output
   * holds one JSON document or nothing).
   */
  jsonErrors: "stdout" | "stderr";
  load: () => Promise<CommandModule>;
}

const PLAN_DIR = { shown: "<plan-dir>", required: true };

export const COMMANDS: Record<string, CommandEntry> = {
  plan: {
    description: "Group requests by shared prefix, place cache breakpoints, plan waves and batches",
    usage: ["<requests.jsonl | -> [options]", "--sample [options]"],
    arguments: { input: { shown: "<requests.jsonl | ->", required: "unless --sample" } },
    examples: [
      ["cacheplan plan requests.jsonl --out plan/", "plan a job and write plan.json and batches"],
      ["cacheplan plan --sample --json", "plan the built-in sample job, print plan.json"],
    ],
    jsonErrors: "stderr",
    // OpenAI batch lines (`--target openai` or detected) take the OpenAI path (H16).
    load: () => import("./_openai-dispatch.js").then((m) => m.planCommand()),
  },
  estimate: {
    description: "Dry-run cost: standard, batch, ideal, planned and worst, with stacked prices",
    usage: ["<requests.jsonl | - | plan-dir> [options]", "--sample [options]"],
    arguments: {
      input: { shown: "<requests.jsonl | - | plan-dir>", required: "unless --sample" },
    },
    examples: [
      ["cacheplan estimate plan/", "the cost of a plan written by `plan --out plan/`"],
      ["cacheplan estimate requests.jsonl --output-tokens 300 --json", "as JSON, fixed output"],
    ],
    jsonErrors: "stderr",
    load: () => import("./_openai-dispatch.js").then((m) => m.estimateCommand()),
  },
  emulate: {
    description: "Serve the Message Batches API on 127.0.0.1 for the SDK, on the cache model",
    usage: ["[options]"],
    arguments: {},
    examples: [
      ["cacheplan emulate --port 4010", "serve until Ctrl-C; point the SDK's baseURL at it"],
      ["cacheplan emulate --port 0 --fault-rate 0.1", "any free port, 10% of calls failing"],
    ],
    jsonErrors: "stderr",
    load: () => import("./_openai-dispatch.js").then((m) => m.emulateCommand()),
  },
  report: {
    description: "Achieved cache hit rates and real cost from batch results, against the plan",
    usage: ["[plan-dir] [--results <file.jsonl | folder>] [options]"],
    arguments: { plan: { shown: "[plan-dir]", required: false } },
    examples: [
      ["cacheplan report plan/", "the report of a submitted plan, from the results its run saved"],
      ["cacheplan report plan/ --format html --out report.html", "as HTML"],
    ],
    jsonErrors: "stderr",
    load: () => import("./_openai-dispatch.js").then((m) => m.reportCommand()),
  },
  submit: {
    description: "Submit a plan's waves, watch them, download every result; resumes",
    usage: ["<plan-dir> [options]"],
    arguments: { plan: PLAN_DIR },
    examples: [
      [
        "ANTHROPIC_API_KEY=… cacheplan submit plan/",
        "submit, watch and download; run again to resume",
      ],
      ["cacheplan submit plan/ --json", "progress events as JSON lines"],
    ],
    jsonErrors: "stdout",
    load: () => import("./commands/submit.js"),
  },
  status: {
    description: "Where a submitted plan stands, from its state file (offline, no key)",
    usage: ["<plan-dir> [--json]"],
    arguments: { plan: PLAN_DIR },
    examples: [["cacheplan status plan/", "batches, waves and requests so far"]],
    jsonErrors: "stderr",
    load: () => import("./commands/status.js"),
  },
  cancel: {
    description: "Cancel the batches of a run still in progress; create no more",
    usage: ["<plan-dir> [--json]"],
    arguments: { plan: PLAN_DIR },
    examples: [["ANTHROPIC_API_KEY=… cacheplan cancel plan/", "cancel what is in progress"]],
    jsonErrors: "stderr",
    load: () => import("./commands/cancel.js"),
  },
  retry: {
    description: "Plan again what a run did not get done: retryable errors, expired, missing",
    usage: ["<plan-dir> --out <dir> [options]"],
    arguments: { plan: { shown: "<plan-dir>", required: "a finished run" } },
    examples: [
      ["cacheplan retry plan/ --out retry/", "plan what is left; then `cacheplan submit retry/`"],
    ],
    jsonErrors: "stderr",
    load: () => import("./_openai-dispatch.js").then((m) => m.retryCommand()),
  },
  probe: {
    description: "Measure the provider's cache for a model (cheap, capped) and write a calibration",
    usage: ["--model <id> --out <dir> [--yes] [options]"],
    arguments: {},
    examples: [
      ["cacheplan probe --model claude-haiku-4-5 --out probe/", "print what the probe costs"],
      [
        "ANTHROPIC_API_KEY=… cacheplan probe --model claude-haiku-4-5 --out probe/ --yes",
        "measure, write probe/calibration.json",
      ],
    ],
    jsonErrors: "stderr",
    load: () => import("./commands/probe.js"),
  },
  demo: {
    description: "The whole pipeline on the built-in emulator: plan, estimate, submit, report",
    usage: ["[options]"],
    arguments: {},
    examples: [
      ["cacheplan demo", "plan, estimate, submit and report the sample job (no API key)"],
      ["cacheplan demo --out demo/", "keep the plan, run.json and results in demo/"],
    ],
    jsonErrors: "stderr",
    load: () => import("./_openai-dispatch.js").then((m) => m.demoCommand()),
  },
};
