import path from "node:path";
import Anthropic from "@anthropic-ai/sdk";
import { defineCommand } from "citty";
import {
  estimate,
  isCacheplanError,
  OptionsError,
  type Plan,
  type RunEvent,
  readJsonl,
  readPlan,
  readRunState,
  renderNextSteps,
  renderProgressLine,
  renderReportText,
  renderRunEvent,
  report,
  resolveInside,
  type SubmitOptions,
  type SubmitResult,
  submit,
} from "../../index.js";
import { redactError } from "../../run/_options.js";
import { defineArgs, intOption, parse, usage } from "../_args.js";
import { type CliIo, displayPath, EXIT, type ExitCode, UsageError, write } from "../_context.js";
import { VERSION } from "../_version.js";

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

/**
 * The plan folder of a runner command, resolved against the command's `cwd`, and a wrapper that
 * names it in error messages as the user typed it (the library names the path it was given).
 */
export function planDirArg(io: CliIo, value: string | undefined, command: string) {
  if (!value) throw new UsageError(`Give the plan folder: \`cacheplan ${command} plan/\`.`);
  const resolved = path.resolve(io.cwd, value);
  const shown = displayPath(value);
  return {
    shown,
    resolved,
    async run<T>(work: () => Promise<T>): Promise<T> {
      try {
        return await work();
      } catch (error) {
        if (isCacheplanError(error)) error.message = error.message.split(resolved).join(shown);
        throw error;
      }
    },
  };
}

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

/** The exit code of a run: 1 when interrupted or when requests did not succeed, else 0. Pure. */
export function submitExitCode(result: Pick<SubmitResult, "status" | "progress">): ExitCode {
  if (result.status === "interrupted") return EXIT.problems;
  const r = result.progress.requests;
  return r.failed + r.missing > 0 ? EXIT.problems : EXIT.ok;
}

/** How progress is shown. */
export type ProgressMode = "live" | "lines" | "json" | "quiet";

/**
 * Prints run events: a live line rewritten in place on a terminal, fitted to its width (`live`);
 * lasting lines, and the progress line as a plain line at most every `plainEveryMs` (`lines`: a
 * log or a pipe, no `\r` and no escape codes); one JSON object per line (`json`); or only
 * warnings (`quiet`, on stderr).
 */
export function progressPrinter(
  io: CliIo,
  mode: ProgressMode,
  options: { plainEveryMs?: number; now?: () => number } = {},
) {
  const plainEveryMs = options.plainEveryMs ?? 30_000;
  const now = options.now ?? Date.now;
  let live = false;
  let lastPlain = now();
  let lastPlainText = "";
  const clear = () => {
    if (live) io.stdout.write("\r\x1b[2K");
    live = false;
  };
  return {
    on(event: RunEvent) {
      if (mode === "json") {
        io.stdout.write(`${JSON.stringify({ cacheplanVersion: VERSION, ...event })}\n`);
        return;
      }
      // The command itself says, in one line, that the run stopped and how to resume.
      const line = event.type === "interrupted" ? null : renderRunEvent(event);
      if (mode === "quiet") {
        if (event.type === "warning" && line) io.stderr.write(`${line}\n`);
        return;
      }
      if (line) {
        clear();
        (event.type === "warning" ? io.stderr : io.stdout).write(`${line}\n`);
      }
      if (event.type === "done" || event.type === "interrupted") return;
      if (mode === "live") {
        // Read each time: the terminal may have been resized.
        const columns = (io.stdout as { columns?: number }).columns || 80;
        io.stdout.write(`\r\x1b[2K${renderProgressLine(event.progress, columns - 1)}`);
        live = true;
      } else if (event.type === "poll" && now() - lastPlain >= plainEveryMs) {
        const text = renderProgressLine(event.progress);
        if (text !== lastPlainText) io.stdout.write(`${text}\n`);
        lastPlain = now();
        lastPlainText = text;
      }
    },
    finish: clear,
  };
}

/** The report of a finished run, from its results files, against the plan and its estimate. */
export async function runReport(plan: Plan, planDir: string, files: readonly string[]) {
  async function* lines() {
    for (const file of files) {
      const full = await resolveInside(planDir, file, `\`${planDir}/run.json\``);
      yield* readJsonl(full, { source: file });
    }
  }
  return report(lines(), { plan, estimate: await estimate(plan) });
}

/**
 * `--max-retries` and `--timeout` as library options. While a call has had no answer for half
 * the timeout (at most 15 s), the run says what it waits on.
 */
export function callOptions(a: {
  "max-retries"?: string | undefined;
  timeout?: string | undefined;
}) {
  const out: { maxRetries?: number; timeout?: number; waitNoticeMs?: number } = {};
  if (a["max-retries"] !== undefined) {
    if (!/^\d+$/.test(a["max-retries"]))
      throw new UsageError("`--max-retries` takes a whole number ≥ 0, e.g. `--max-retries 8`.");
    out.maxRetries = Number(a["max-retries"]);
  }
  const timeout = intOption(a.timeout, "timeout");
  if (timeout !== undefined) {
    out.timeout = timeout;
    out.waitNoticeMs = Math.min(15_000, Math.max(1, Math.floor(timeout / 2)));
  }
  return out;
}

/** The exit code of a run stopped by a signal: 128 + its number, the shell's convention. */
export const SIGNAL_EXIT = { SIGINT: EXIT.interrupted, SIGTERM: EXIT.terminated } as const;

/** The signals `submit` stops on. */
export type StopSignal = keyof typeof SIGNAL_EXIT;

/**
 * SIGINT (Ctrl-C) and SIGTERM, handled alike: the first aborts `controller` (creates in flight
 * finish and are recorded, the state is saved, the lock released) and the command then prints one
 * line saying how to resume; a second exits at once (the lock, left by a process that is gone,
 * is taken over by the next submit). Only when stopping takes a while does a line say what it
 * waits for. `received()` names the signal that stopped the run.
 */
export function onStopSignals(
  io: CliIo,
  controller: AbortController,
  noticeMs = 2000,
): { received: () => StopSignal | null; dispose: () => void } {
  let first: StopSignal | null = null;
  let notice: NodeJS.Timeout | undefined;
  const handler = (signal: StopSignal) => {
    if (first !== null) process.exit(SIGNAL_EXIT[signal]);
    first = signal;
    controller.abort();
    notice = setTimeout(() => {
      io.stderr.write(
        `\nStopping (${signal}): waiting for creates in flight to be recorded (${signal === "SIGINT" ? "Ctrl-C" : "SIGTERM"} again to exit at once).\n`,
      );
    }, noticeMs).unref();
  };
  const listeners = (Object.keys(SIGNAL_EXIT) as StopSignal[]).map((signal) => {
    const listener = () => handler(signal);
    process.on(signal, listener);
    return () => process.off(signal, listener);
  });
  return {
    received: () => first,
    dispose: () => {
      clearTimeout(notice);
      for (const off of listeners) off();
    },
  };
}

/** {@link onStopSignals} for a command that only needs to stop (`demo`): returns the dispose. */
export function onInterrupt(io: CliIo, controller: AbortController): () => void {
  return onStopSignals(io, controller).dispose;
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
  const key = io.env.ANTHROPIC_API_KEY;
  // Every message leaves redacted, whatever raised it (`redact.ts`).
  return dir
    .run(() => submitCommand(a, d, dir, io, options))
    .catch((error: unknown) => {
      throw redactError(error, key ? [key] : []);
    });
}

async function submitCommand(
  a: ReturnType<typeof parse<typeof args>>,
  d: ReturnType<typeof directions>,
  dir: ReturnType<typeof planDirArg>,
  io: CliIo,
  options: { signal?: AbortSignal; client?: Anthropic },
): Promise<ExitCode> {
  const planDir = dir.shown;
  const plan = await readPlan(dir.resolved);
  const key = io.env.ANTHROPIC_API_KEY;
  if (!options.client && !key) throw new OptionsError(SUBMIT_KEY_MESSAGE);
  const client =
    options.client ??
    new Anthropic({ apiKey: key ?? null, baseURL: io.env.ANTHROPIC_BASE_URL || null });

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
  const interval = intOption(a["poll-interval"], "poll-interval");
  if (interval !== undefined) submitOptions.poll = { intervalMs: interval };
  Object.assign(submitOptions, callOptions(a));

  const mode: ProgressMode = a.json
    ? "json"
    : a.quiet
      ? "quiet"
      : (io.stdout as { isTTY?: boolean }).isTTY
        ? "live"
        : "lines";
  const printer = progressPrinter(io, mode);
  submitOptions.onProgress = printer.on;
  const controller = new AbortController();
  const signals = onStopSignals(io, controller);
  submitOptions.signal = options.signal
    ? AbortSignal.any([options.signal, controller.signal])
    : controller.signal;

  let result: SubmitResult;
  try {
    result = await submit(plan, submitOptions);
  } finally {
    printer.finish();
    signals.dispose();
  }
  if (result.status === "interrupted") {
    const signal = signals.received();
    await write(io.stderr, renderStopped(planDir, signal));
    return signal ? SIGNAL_EXIT[signal] : submitExitCode(result);
  }
  if (a.report !== false && !a.quiet) {
    const made = await runReport(plan, submitOptions.planDir, result.resultsFiles);
    const line = { cacheplanVersion: VERSION, type: "report", report: made };
    if (a.json) await write(io.stdout, `${JSON.stringify(line)}\n`);
    else await write(io.stdout, `\n${renderReportText(made)}`);
  }
  if (!a.json && !a.quiet) await write(io.stdout, `\n${renderNextSteps(planDir, result.state)}`);
  return submitExitCode(result);
}
