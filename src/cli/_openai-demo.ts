/**
 * `cacheplan demo --target openai` (internal): the whole OpenAI pipeline offline on the built-in
 * sample job: plan, estimate, the OpenAI emulator on 127.0.0.1, submit through the real `openai`
 * SDK, report, and what the same requests cost sent as given.
 */

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { renderRunEvent } from "../exports/run.js";
import { startOpenAIEmulator } from "../exports/sim.js";
import {
  createOpenAIClient as createClient,
  estimateOpenAI,
  openaiPlanAsGiven as planAsGiven,
  planOpenAI,
  renderOpenAIReport,
  reportOpenAI,
  sampleOpenAIRequests,
  openaiPlanToPlan as toCorePlan,
} from "../exports/targets.js";
import { submit, writePlan } from "../index.js";
import { defineArgs, numberOption, parse } from "./_args.js";
import { type CliIo, UsageError, write } from "./_context.js";
import { type ExitCode, exitCodeOf } from "./_exit.js";
import { targetFlag } from "./_openai.js";

export const openaiDemoArgs = defineArgs({
  target: {
    type: "string",
    valueHint: "<anthropic|openai>",
    description: "The API of the demo: anthropic (default) or openai",
  },
  out: {
    type: "string",
    description:
      "Keep the plan, run.json and results in this folder (default: a temp folder, removed)",
  },
  "time-scale": {
    type: "string",
    description: "Simulated ms per real ms of the emulator (default 1000)",
  },
  quiet: { type: "boolean", description: "Print only the comparison at the end" },
});

/** Whether `demo` is asked for the OpenAI API. */
export async function isOpenAIDemo(argv: string[]): Promise<boolean> {
  return targetFlag(argv) === "openai";
}

const usd = (x: number | null) => (x === null ? "no price" : `$${x.toFixed(3)}`);
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** Runs the demo. */
export async function runOpenAIDemo(argv: string[], io: CliIo): Promise<ExitCode> {
  const a = parse(argv, openaiDemoArgs);
  const timeScale = numberOption(a["time-scale"], "time-scale") ?? 1000;
  if (timeScale <= 0) throw new UsageError("`--time-scale` must be greater than 0.");
  const say = (text: string) => (a.quiet ? Promise.resolve() : write(io.stdout, text));
  await say(
    "cacheplan demo: the whole pipeline against the built-in emulator of the OpenAI Batch API\n(on 127.0.0.1, no API key, nothing leaves this machine).\n\n",
  );
  const lines = sampleOpenAIRequests();
  const models = [...new Set(lines.map((l) => String(l.body.model)))];
  await say(
    `1. Job:      the built-in OpenAI sample, ${lines.length} requests over ${models.length} models (${models.join(", ")}).\n`,
  );
  const planned = await planOpenAI(lines);
  const plan = toCorePlan(planned);
  const temp = a.out ? undefined : await mkdtemp(path.join(tmpdir(), "cacheplan-openai-demo-"));
  const dir = a.out ? path.resolve(io.cwd, a.out) : path.join(temp!, "plan");
  const emulator = await startOpenAIEmulator({ port: 0, timeScale });
  try {
    await writePlan(plan, dir, { cwd: io.cwd });
    await say(
      `2. Plan:     ${planned.groups.length} groups cover ${planned.summary.grouped} requests; ${planned.summary.cacheKeysSet} prompt_cache_keys, ${planned.summary.breakpointsAdded} breakpoints; ${planned.summary.waves} waves, ${planned.summary.batches} files${a.out ? ` (in ${a.out})` : " (in a temp folder, removed at the end)"}.\n`,
    );
    const estimate = estimateOpenAI(plan);
    await say(
      `3. Estimate: ${usd(estimate.total.planned.usd)} planned, against ${usd(estimate.total.batch.usd)} in batches without caching and ${usd(estimate.total.standard.usd)} on the standard API; Flex at best ${usd(estimate.total.flex.usd)}.\n4. Submit:\n`,
    );
    const client = await createClient({
      apiKey: "demo-key",
      baseURL: emulator.baseURL,
      maxRetries: 0,
    });
    const result = await submit(plan, {
      client,
      planDir: dir,
      poll: { intervalMs: 20, maxIntervalMs: 200, factor: 1.5 },
      createSettleMs: 0,
      onProgress: (e) => {
        const text = e.type === "poll" ? null : renderRunEvent(e);
        if (text && !a.quiet) io.stdout.write(`${text}\n`);
      },
    });
    const batches = await Promise.all(
      [...emulator.engine.batches.keys()].map((id) => client.batches.retrieve(id)),
    );
    const report = await reportOpenAI(plan, dir, { batches });
    await say(`\n5. Report:\n${renderOpenAIReport(report)}`);
    const given = estimateOpenAI(planAsGiven(lines));
    const out = [
      "",
      "6. What the same requests cost, on the same cache model:",
      `  standard API, no caching                      ${usd(estimate.total.standard.usd)}`,
      `  Batch API, no caching                         ${usd(estimate.total.batch.usd)}`,
      `  as given: one wave, input order, default mode ${usd(given.total.planned.usd)}  (hit rate ${pct(given.total.planned.hitRate)}, modelled)`,
      `  cacheplan: this run                           ${usd(report.actualUsd)}  (hit rate ${pct(report.hitRate)})`,
      `  Flex alternative, upper bound                 ${usd(estimate.total.flex.usd)}  (hit rate ${pct(estimate.total.flex.hitRate)}, modelled)`,
      "",
      `Run status: ${result.status}. Next: \`cacheplan plan your-batch.jsonl --out plan/\` (OpenAI lines are detected), then \`cacheplan estimate plan/\` and \`cacheplan submit plan/\`.`,
      "",
    ];
    await write(io.stdout, out.join("\n"));
    return exitCodeOf({ command: "done" });
  } finally {
    await emulator.close();
    if (temp) await rm(temp, { recursive: true, force: true });
  }
}
