import { copyFile } from "node:fs/promises";
import path from "node:path";
import type Anthropic from "@anthropic-ai/sdk";
import { defineCommand } from "citty";
import { renderRunEvent } from "../../exports/run.js";
import { anthropic } from "../../exports/targets.js";
import {
  EnvironmentError,
  type ModelTable,
  type ProbeEvent,
  type ProbeOptions,
  type ProbeResult,
  probe,
  probeCost,
  renderProbeCost,
  renderProbeResult,
} from "../../index.js";
import { defineArgs, intOption, numberOption, parse, usage } from "../_args.js";
import { redactingKey } from "../_client.js";
import { type CliIo, displayPath, UsageError, write } from "../_context.js";
import { EXIT, type ExitCode, SIGNAL_EXIT } from "../_exit.js";
import { loadModels } from "../_plan-options.js";
import { onStopSignals } from "../_signals.js";
import { jsonDocument } from "../_version.js";

export const args = defineArgs({
  model: { type: "string", description: "Model to measure (caches are per model)" },
  out: {
    type: "string",
    description: "Folder of the probe: its state, plan, results and calibration.json (resumes)",
  },
  k: { type: "string", description: "Requests per measured batch (default 16)" },
  long: {
    type: "boolean",
    description:
      "Also bound the visibility delay and the 5m and 1h TTLs with timed synchronous reads (over an hour)",
  },
  "max-usd": {
    type: "string",
    description: "Most USD to spend; a stage that could cross it is not started (default 0.50)",
  },
  yes: { type: "boolean", description: "Send the probe (without it, only the price table)" },
  "base-url": {
    type: "string",
    description:
      "API base URL (default ANTHROPIC_BASE_URL, else the API); a 127.0.0.1 emulator needs no key",
  },
  models: {
    type: "string",
    description: "JSON file with model rows to add or override (prices, minimums)",
  },
  "write-calibration": {
    type: "string",
    description: "Also copy the calibration file written in --out to this file",
  },
  json: { type: "boolean", description: "Print the result (or the price table) as JSON" },
  quiet: { type: "boolean", description: "Print nothing but warnings and errors" },
});

export const command = defineCommand({
  meta: {
    name: "probe",
    description: "Measure the provider's cache for a model (cheap, capped) and write a calibration",
  },
  args,
});

/** Why the probe needs a key, and where it goes (nowhere but the API). */
export const PROBE_KEY_MESSAGE =
  "The probe calls the Messages and Message Batches APIs and needs an Anthropic API key: set `ANTHROPIC_API_KEY` (it is sent to the API only, never written or printed). Against a local emulator (`--base-url http://127.0.0.1:PORT`) no key is needed.";

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

/** The client: the environment's key, or a placeholder for an emulator on this machine only. */
async function probeClient(io: CliIo, baseUrl: string | undefined): Promise<Anthropic> {
  const key = io.env.ANTHROPIC_API_KEY;
  let local = false;
  if (baseUrl) {
    try {
      local = LOOPBACK.has(new URL(baseUrl).hostname);
    } catch {
      throw new UsageError(`\`--base-url\` is not a URL: ${JSON.stringify(baseUrl)}.`);
    }
  }
  if (!key && !local) throw new EnvironmentError(PROBE_KEY_MESSAGE, "ANTHROPIC_API_KEY");
  // The emulator accepts any non-empty key; this one never leaves this machine.
  return anthropic.createClient({ apiKey: key || "cacheplan-emulator", baseURL: baseUrl ?? null });
}

function progressLine(event: ProbeEvent): string | null {
  if (event.type === "stage") return `${event.message}…`;
  if (event.type === "capped")
    return `Cap: $${event.spentUsd.toFixed(4)} spent + up to $${event.worstUsd.toFixed(4)} for ${event.stage} > $${event.maxUsd.toFixed(2)}: stopping.`;
  if (event.type === "call")
    return `  ${event.customId}: read ${event.read}, wrote ${event.written}`;
  return renderRunEvent(event.event);
}

interface Parsed {
  model: string;
  out: string;
  k: number | undefined;
  maxUsd: number;
  models: ModelTable | undefined;
}

async function parsed(a: ReturnType<typeof parse<typeof args>>, io: CliIo): Promise<Parsed> {
  if (!a.model) throw new UsageError("Give the model to measure: `--model claude-haiku-4-5`.");
  if (!a.out) throw new UsageError("Give the probe's folder: `--out probe/` (it resumes there).");
  if (a.json && a.quiet) throw new UsageError("Give `--json` or `--quiet`, not both.");
  const k = intOption(a.k, "k");
  if (k !== undefined && (k < 2 || k > 1000))
    throw new UsageError(`\`--k\` must be from 2 to 1000; got ${k}.`);
  const maxUsd = numberOption(a["max-usd"], "max-usd") ?? 0.5;
  if (!(maxUsd > 0)) throw new UsageError(`\`--max-usd\` must be more than 0; got ${maxUsd}.`);
  const models = a.models ? await loadModels(a.models, io.cwd) : undefined;
  return { model: a.model, out: a.out, k, maxUsd, models };
}

export async function run(
  argv: string[],
  io: CliIo,
  options: { signal?: AbortSignal; client?: Anthropic } = {},
): Promise<ExitCode> {
  const a = parse(argv, args);
  if (a.help) {
    await write(io.stdout, await usage(command as never));
    return EXIT.ok;
  }
  const p = await parsed(a, io);
  const cost = probeCost(p.model, { k: p.k, long: a.long === true, models: p.models });
  if (!cost.known)
    throw new UsageError(
      `${p.model} is not in the model table: the probe cannot price it or keep a cap. Supply its row with \`--models file.json\`.`,
    );
  const firstStage = cost.lines.filter((l) => l.step !== "d").reduce((s, l) => s + l.highUsd, 0);
  if (!a.yes || firstStage > p.maxUsd) {
    if (a.json) await write(io.stdout, jsonDocument({ type: "cost", maxUsd: p.maxUsd, cost }));
    else await write(io.stdout, renderProbeCost(cost, p.maxUsd));
    const why =
      firstStage > p.maxUsd
        ? `The batch steps alone could cost $${firstStage.toFixed(4)}, over \`--max-usd ${p.maxUsd}\`: raise it or lower \`--k\`.`
        : `Nothing sent. Run again with \`--yes\` to spend at most $${p.maxUsd.toFixed(2)}.`;
    await write(io.stderr, `${why}\n`);
    return EXIT.problems;
  }
  if (!a.json && !a.quiet) await write(io.stdout, renderProbeCost(cost, p.maxUsd));
  return redactingKey(io, () => runProbe(a, p, io, options));
}

async function runProbe(
  a: ReturnType<typeof parse<typeof args>>,
  p: Parsed,
  io: CliIo,
  options: { signal?: AbortSignal; client?: Anthropic },
): Promise<ExitCode> {
  const baseUrl = a["base-url"] || io.env.ANTHROPIC_BASE_URL || undefined;
  const client = options.client ?? (await probeClient(io, baseUrl));
  const controller = new AbortController();
  const signals = onStopSignals(io, controller);
  const probeOptions: ProbeOptions = {
    client,
    model: p.model,
    out: path.resolve(io.cwd, p.out),
    maxUsd: p.maxUsd,
    long: a.long === true,
    signal: options.signal
      ? AbortSignal.any([options.signal, controller.signal])
      : controller.signal,
  };
  if (p.k !== undefined) probeOptions.k = p.k;
  if (p.models) probeOptions.models = p.models;
  if (!a.json && !a.quiet) {
    probeOptions.onProgress = (event) => {
      const line = progressLine(event);
      if (line) io.stderr.write(`${line}\n`);
    };
  }
  let result: ProbeResult;
  try {
    result = await probe(probeOptions);
  } finally {
    signals.dispose();
  }
  const written = result.calibrationFile;
  // Shown as the user typed the folder, not as an absolute path.
  result = { ...result, calibrationFile: path.join(displayPath(p.out), "calibration.json") };
  if (a["write-calibration"]) await copyFile(written, path.resolve(io.cwd, a["write-calibration"]));
  if (a.json) await write(io.stdout, jsonDocument(result));
  else if (!a.quiet) await write(io.stdout, `\n${renderProbeResult(result)}`);
  const signal = signals.received();
  if (result.status === "interrupted") return signal ? SIGNAL_EXIT[signal] : EXIT.interrupted;
  return result.status === "complete" ? EXIT.ok : EXIT.problems;
}
