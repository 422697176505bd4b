import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { defineCommand } from "citty";
import { anthropic } from "../../exports/targets.js";
import { createTiktokenCounter } from "../../exports/tokens.js";
import {
  type BatchRequest,
  type Estimate,
  estimate,
  type Plan,
  plan,
  prepareTokens,
  type Report,
  readJsonl,
  renderReportText,
  report,
  sampleRequests,
  simulate,
  startEmulator,
  submit,
  writePlan,
} from "../../index.js";
import { defineArgs, intOption, numberOption, parse } from "../_args.js";
import { runCloudDemo } from "../_cloud-demo.js";
import { type CliIo, UsageError, write } from "../_context.js";
import { type ExitCode, exitCodeOf } from "../_exit.js";
import { writePlanTo } from "../_plan-dir.js";
import { progressMode, progressPrinter } from "../_progress.js";
import { onStopSignals } from "../_signals.js";

export const args = defineArgs({
  out: {
    type: "string",
    description:
      "Keep the plan, run.json and results in this folder (default: a temp folder, removed)",
  },
  "time-scale": {
    type: "string",
    description:
      "Simulated ms per real ms of the emulator (default 600: an hour in 6 s, so a loaded machine's delays between waves do not outlive the primed 1h entries)",
  },
  seed: { type: "string", description: "Seed of the emulator (default 1)" },
  full: { type: "boolean", description: "Print the whole report, not only its summary" },
  quiet: { type: "boolean", description: "Print only the comparison at the end" },
  target: {
    type: "string",
    description: "The batch system to demo: anthropic (default), vertex, bedrock, openai",
  },
});

export const command = defineCommand({
  meta: {
    name: "demo",
    description:
      "The whole pipeline on the built-in emulator: plan, estimate, submit, report (no key)",
  },
  args,
});

const usd = (x: number) => `$${x.toFixed(x >= 10 ? 2 : 3)}`;
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/**
 * The naive way people add caching to a batch job: one 5m marker on the last block of every
 * system prompt, and everything sent in one wave.
 */
export function naiveJob(requests: readonly BatchRequest[]): BatchRequest[] {
  return requests.map((r) => {
    const params = r.params as unknown as Record<string, unknown>;
    const marker = { type: "ephemeral" };
    if (typeof params.system === "string") {
      return {
        ...r,
        params: {
          ...r.params,
          system: [{ type: "text", text: params.system, cache_control: marker }],
        },
      } as BatchRequest;
    }
    if (Array.isArray(params.system) && params.system.length > 0) {
      const system = [...params.system] as Array<Record<string, unknown>>;
      system[system.length - 1] = { ...system[system.length - 1], cache_control: marker };
      return { ...r, params: { ...r.params, system } } as unknown as BatchRequest;
    }
    return r;
  });
}

/** The lines that open the demo: the job, its plan and its estimate. Pure. */
export function renderDemoIntro(
  requests: number,
  planned: Plan,
  estimated: Estimate,
  dir: string,
  timeScale: number,
): string {
  const s = planned.summary;
  const hour = Number((3600 / timeScale).toPrecision(2)).toLocaleString("en-US");
  const sc = estimated.total.scenarios;
  return [
    "cacheplan demo: the whole pipeline against the built-in emulator of the Message Batches API",
    `(on 127.0.0.1, no API key, nothing leaves this machine; an emulated hour passes in ${hour} s).`,
    "",
    `1. Job:      the built-in sample, ${requests} requests over ${Object.keys(s.byModel).length} models.`,
    `2. Plan:     ${planned.groups.length} cached groups cover ${s.grouped} requests; ${s.waves} waves, ${s.batches} batches (${dir}).`,
    `3. Estimate: ${usd(sc.planned.usd)} planned, against ${usd(sc.batch.usd)} in batches without caching and ${usd(sc.standard.usd)} on the Messages API.`,
    "4. Submit:",
    "",
  ].join("\n");
}

/** The closing comparison: this run against no caching and the naive approach. Pure. */
export function renderComparison(run: Report, naive: Report, numbered = true): string {
  const o = run.overall;
  const rows: Array<[string, number, string]> = [
    ["Messages API, no caching", o.cost.standard, ""],
    ["Batches API, no caching", o.cost.batch, ""],
    [
      "naive: a 5m marker on every system prompt, one wave",
      naive.overall.usd,
      `hit rate ${pct(naive.overall.hitRate)}, simulated`,
    ],
    ["cacheplan: this run", o.usd, `hit rate ${pct(o.hitRate)}`],
  ];
  const width = Math.max(...rows.map((r) => r[0].length));
  const lines = rows.map(
    ([name, cost, note]) =>
      `  ${name.padEnd(width)}  ${usd(cost).padStart(8)}${note ? `  (${note})` : ""}`,
  );
  const saved = naive.overall.usd > 0 ? 1 - o.usd / naive.overall.usd : 0;
  return [
    `${numbered ? "6. " : ""}What the same requests cost, on the same cache model:`,
    ...lines,
    "",
    `cacheplan cost ${pct(1 - o.usd / o.cost.batch)} less than batches without caching and ${pct(saved)} less than the naive markers.`,
    "",
  ].join("\n");
}

/**
 * The demo writes a new plan and submits it, so `--out` must be a new or empty folder: a plan
 * once submitted is never replaced, and other files are never touched.
 */
async function checkDemoOut(out: string, dir: string): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  if (names.length === 0) return;
  const shown = names.slice(0, 3).join(", ") + (names.length > 3 ? ", …" : "");
  throw new UsageError(
    `\`--out ${out}\` is not empty (${shown}); the demo writes a new plan and submits it, so it needs a new or empty folder. Choose another \`--out\`, or leave it out to use a temp folder.`,
  );
}

export async function run(argv: string[], io: CliIo): Promise<ExitCode> {
  const a = parse(argv, args);
  const timeScale = numberOption(a["time-scale"], "time-scale", { above: 0 }) ?? 600;
  const seed = intOption(a.seed, "seed") ?? 1;
  const root = a.out ? undefined : await mkdtemp(path.join(tmpdir(), "cacheplan-demo-"));
  const dir = a.out ? path.resolve(io.cwd, a.out) : path.join(root!, "plan");
  const shown = a.out
    ? `in ${a.out}`
    : "in a temp folder, removed at the end; `--out DIR` keeps it";
  if (a.out) await checkDemoOut(a.out, dir);
  if (a.target === "vertex" || a.target === "bedrock") {
    if (root) await rm(root, { recursive: true, force: true });
    const settings = {
      seed,
      dir: a.out ? dir : undefined,
      quiet: a.quiet === true,
      full: a.full === true,
    };
    return runCloudDemo({ target: a.target, timeScale, ...settings }, io);
  }
  const counter = createTiktokenCounter();
  const emulator = await startEmulator({ timeScale, seed, counter });
  const controller = new AbortController();
  const signals = onStopSignals(io, controller);
  try {
    const requests = sampleRequests();
    const planned = await plan(requests, { counter });
    if (a.out) await writePlanTo(planned, a.out, io, false);
    else await writePlan(planned, dir);
    const estimated = await estimate(planned, { counter });
    if (!a.quiet)
      await write(
        io.stdout,
        renderDemoIntro(requests.length, planned, estimated, shown, timeScale),
      );

    const printer = progressPrinter(io, progressMode(io, { quiet: a.quiet === true }));
    const client = await anthropic.createClient({
      baseURL: emulator.url,
      apiKey: "demo",
      maxRetries: 2,
    });
    const result = await submit(planned, {
      client,
      planDir: dir,
      poll: { intervalMs: 20, maxIntervalMs: 100, factor: 1.5 },
      onProgress: printer.on,
      signal: controller.signal,
    }).finally(printer.finish);
    if (result.status === "interrupted") {
      await write(io.stderr, "Demo stopped.\n");
      return exitCodeOf({ command: "demo", stopped: true, signal: signals.received() });
    }

    async function* lines() {
      for (const file of result.resultsFiles)
        yield* readJsonl(path.join(dir, file), { source: file });
    }
    const achieved = await report(lines(), { plan: planned, estimate: estimated });
    const naive = naiveJob(requests);
    const job = { batches: [{ wave: 0, requests: naive }] };
    const simulated = simulate(job, { tokensOf: await prepareTokens(job, counter), seed });
    const naiveReport = await report(simulated.requests.map((r) => r.response));
    if (!a.quiet) {
      const text = renderReportText(achieved);
      // The summary is the report's first paragraph; `--full` prints groups, waves and notes too.
      const shownText = a.full ? text : `${text.split("\n\n")[0]}\n`;
      await write(
        io.stdout,
        `\n5. Report${a.full ? "" : " (summary; `--full` for all of it)"}:\n\n${shownText}\n`,
      );
    }
    await write(io.stdout, renderComparison(achieved, naiveReport, !a.quiet));
    if (!a.quiet) {
      await write(
        io.stdout,
        a.out
          ? `The plan, its run.json and results are in ${a.out}; try \`cacheplan status ${a.out}\`.\n`
          : "Next: `cacheplan plan your-requests.jsonl --out plan/`, then `cacheplan estimate plan/` and `cacheplan submit plan/`.\n",
      );
    }
    return exitCodeOf({ command: "demo", stopped: false, signal: null });
  } finally {
    signals.dispose();
    await emulator.close();
    if (root) await rm(root, { recursive: true, force: true });
  }
}
