import type Anthropic from "@anthropic-ai/sdk";
import { defineCommand } from "citty";
import { renderNextSteps, resolveInside } from "../../exports/run.js";
import {
  estimateFolder,
  openPlanFolder,
  readJsonl,
  readRunState,
  renderReportText,
  reportFolder,
  type SubmitOptions,
  type SubmitResult,
  submit,
  VERSION,
} from "../../index.js";
import { defineArgs, intOption, parse, usage } from "../_args.js";
import { callOptions, redactingKey } from "../_client.js";
import { type CliIo, UsageError, write } from "../_context.js";
import { EXIT, type ExitCode, exitCodeOf, type StopSignal } from "../_exit.js";
import { planDirArg } from "../_plan-dir.js";
import { progressMode, progressPrinter } from "../_progress.js";
import { onStopSignals } from "../_signals.js";
import { targetClient } from "../_target-client.js";

export const args = defineArgs({
  plan: { type: "positional", required: false, description: "Plan folder written by `plan --out`" },
  concurrency: { type: "string", description: "Batches created at the same time (default 4)" },
  "poll-interval": {
    type: "string",
    description: "Milliseconds between the first polls of a wave, growing to 60000 (default 10000)",
  },
  adopt: {
    type: "string",
    description:
      "After a lost create answer: the batch to adopt, `ID` or `INDEX=ID` (repeat for several)",
  },
  recreate: {
    type: "string",
    description:
      "After a lost create answer: create again without adopting (all, or `INDEX[,INDEX…]`)",
  },
  ambiguous: {
    type: "enum",
    options: ["wait", "stop"],
    description:
      "Lost creates matching several same-size batches still processing: wait for them to end and match their results, or stop and ask (default wait)",
  },
  "max-queued": {
    type: "string",
    description:
      "Most requests in unfinished batches at once: the next batch is created as earlier ones end (the API's queue: 200,000 / 300,000 / 500,000 by tier; default 100,000)",
  },
  bucket: {
    type: "string",
    valueHint: "<gs://… | s3://…>",
    description:
      "Vertex/Bedrock: where batch files go, gs://bucket/prefix or s3://bucket/prefix (default $CACHEPLAN_BUCKET)",
  },
  "role-arn": {
    type: "string",
    valueHint: "<arn>",
    description: "Bedrock: the IAM service role the job runs as (default $CACHEPLAN_ROLE_ARN)",
  },
  "max-retries": {
    type: "string",
    description:
      "Retries of a failed retrieve, list, results or cancel call, with backoff and the API's retry-after (default 8: rides out about a minute and a half of failures); creates are never blindly retried",
  },
  timeout: {
    type: "string",
    description:
      "Milliseconds an API call may take before it counts as no answer (default 120000; creates 600000)",
  },
  json: { type: "boolean", description: "Print progress events as JSON lines" },
  quiet: { type: "boolean", description: "Print nothing but warnings and errors" },
  report: {
    type: "boolean",
    default: true,
    description: "Print the report at the end (`--no-report` to skip it)",
  },
});

export const command = defineCommand({
  meta: {
    name: "submit",
    description: "Submit a plan's waves, watch them, download every result; resumes",
  },
  args,
});

/** Why `submit` needs a key, and where it goes (nowhere but the API). */
export const SUBMIT_KEY_MESSAGE =
  "Submitting calls the Message Batches API and needs an Anthropic API key: set `ANTHROPIC_API_KEY` (it is sent to the API only, never written to the plan folder or printed). To try the whole pipeline without a key, run `cacheplan demo`.";

/** `--adopt` and `--recreate`, read by hand (citty would swallow the option after a bare one). */
export function directions(argv: readonly string[]): {
  rest: string[];
  adopt: Array<{ index: number | null; id: string }>;
  recreate: boolean | number[];
} {
  const rest: string[] = [];
  const adopt: Array<{ index: number | null; id: string }> = [];
  let recreate: boolean | number[] = false;
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    const [name, inline] = token.startsWith("--") ? token.split(/=(.*)/s, 2) : [token];
    if (name === "--adopt") {
      const value = inline ?? argv[++i];
      if (!value || value.startsWith("-"))
        throw new UsageError("`--adopt` needs `ID` or `INDEX=ID`.");
      const m = /^(\d+)=(.+)$/.exec(value);
      adopt.push(m ? { index: Number(m[1]), id: m[2]! } : { index: null, id: value });
    } else if (name === "--recreate") {
      const value = inline ?? (/^\d+(,\d+)*$/.test(argv[i + 1] ?? "") ? argv[++i] : undefined);
      if (value === undefined || value === "" || value === "all") recreate = true;
      else if (/^\d+(,\d+)*$/.test(value)) {
        const list: number[] = Array.isArray(recreate) ? recreate : [];
        recreate = recreate === true ? true : [...list, ...value.split(",").map(Number)];
      } else
        throw new UsageError("`--recreate` takes `all` or batch indexes, e.g. `--recreate 3,4`.");
    } else rest.push(token);
  }
  return { rest, adopt, recreate };
}

/** The batch a bare `--adopt ID` is for: the one create in doubt in `run.json`. */
async function soleCreateInDoubt(dir: string, adopts: number): Promise<number> {
  const state = await readRunState(dir);
  const open = state?.batches.filter((b) => b.state === "creating") ?? [];
  if (adopts === 1 && open.length === 1) return open[0]!.index;
  throw new UsageError(
    open.length === 0
      ? "`--adopt` applies to a create whose answer was lost, and the run has none."
      : `${open.length} creates are in doubt (batches ${open.map((b) => b.index).join(", ")}): give each \`--adopt\` as \`INDEX=ID\`.`,
  );
}

/**
 * The report of a finished run, from its results files, against the plan and its estimate: the
 * plan folder is read a batch at a time (`estimateFolder()`, `reportFolder()`), never whole.
 */
export async function runReport(planDir: string, files: readonly string[]) {
  async function* lines() {
    for (const file of files) {
      const full = await resolveInside(planDir, file, `\`${planDir}/run.json\``);
      yield* readJsonl(full, { source: file });
    }
  }
  return reportFolder(lines(), planDir, await estimateFolder(planDir));
}

/** The one line of a run that stopped before its end (a signal, or the caller's abort). Pure. */
export function renderStopped(planDir: string, signal: StopSignal | null): string {
  return `Stopped${signal ? ` (${signal})` : ""}; the state is saved in ${planDir}/run.json: resume with \`cacheplan submit ${planDir}\`, or stop its batches with \`cacheplan cancel ${planDir}\`.\n`;
}

export async function run(
  argv: string[],
  io: CliIo,
  options: { signal?: AbortSignal; client?: Anthropic } = {},
): Promise<ExitCode> {
  const d = directions(argv);
  const a = parse(d.rest, args);
  if (a.help) {
    await write(io.stdout, await usage(command as never));
    return EXIT.ok;
  }
  if (a.json && a.quiet) throw new UsageError("Give `--json` or `--quiet`, not both.");
  const dir = planDirArg(io, a.plan, "submit");
  // Every message leaves redacted, whatever raised it.
  return redactingKey(io, () => dir.run(() => submitCommand(a, d, dir, io, options)));
}

async function submitCommand(
  a: ReturnType<typeof parse<typeof args>>,
  d: ReturnType<typeof directions>,
  dir: ReturnType<typeof planDirArg>,
  io: CliIo,
  options: { signal?: AbortSignal; client?: Anthropic },
): Promise<ExitCode> {
  const planDir = dir.shown;
  // Read one batch at a time as the run creates them, never whole (a job of millions).
  const opened = await openPlanFolder(dir.resolved);
  const target = (opened.plan.options as { target?: string }).target ?? "anthropic";
  const client = await targetClient(io, target, SUBMIT_KEY_MESSAGE, options.client, {
    bucket: a.bucket,
    roleArn: a["role-arn"],
  });

  const adopt: Record<number, string> = {};
  for (const { index, id } of d.adopt) {
    adopt[index ?? (await soleCreateInDoubt(dir.resolved, d.adopt.length))] = id;
  }
  const submitOptions: SubmitOptions = {
    client,
    planDir: dir.resolved,
    adopt,
    recreate: d.recreate,
  };
  if (a.ambiguous) submitOptions.ambiguous = a.ambiguous as "wait" | "stop";
  const concurrency = intOption(a.concurrency, "concurrency");
  if (concurrency !== undefined) submitOptions.concurrency = concurrency;
  const maxQueued = intOption(a["max-queued"], "max-queued");
  if (maxQueued !== undefined) submitOptions.maxQueued = maxQueued;
  const interval = intOption(a["poll-interval"], "poll-interval");
  if (interval !== undefined) submitOptions.poll = { intervalMs: interval };
  Object.assign(submitOptions, callOptions(a));

  const printer = progressPrinter(
    io,
    progressMode(io, { json: a.json === true, quiet: a.quiet === true }),
  );
  submitOptions.onProgress = printer.on;
  const controller = new AbortController();
  const signals = onStopSignals(io, controller);
  submitOptions.signal = options.signal
    ? AbortSignal.any([options.signal, controller.signal])
    : controller.signal;

  let result: SubmitResult;
  try {
    result = await submit(opened, submitOptions);
  } finally {
    printer.finish();
    signals.dispose();
  }
  const signal = signals.received();
  if (result.status === "interrupted") {
    await write(io.stderr, renderStopped(planDir, signal));
    return exitCodeOf({ command: "submit", result, signal });
  }
  if (a.report !== false && !a.quiet) {
    const made = await runReport(submitOptions.planDir, result.resultsFiles);
    const line = { cacheplanVersion: VERSION, type: "report", report: made };
    if (a.json) await write(io.stdout, `${JSON.stringify(line)}\n`);
    else await write(io.stdout, `\n${renderReportText(made)}`);
  }
  if (!a.json && !a.quiet) await write(io.stdout, `\n${renderNextSteps(planDir, result.state)}`);
  return exitCodeOf({ command: "submit", result, signal: null });
}
