import { defineCommand } from "citty";
import { type EmulatorOptions, startEmulator } from "../../index.js";
import { defineArgs, intOption, numberOption, parse } from "../_args.js";
import { runCloudEmulator } from "../_cloud-emulate.js";
import { type CliIo, UsageError, write } from "../_context.js";
import { type ExitCode, exitCodeOf } from "../_exit.js";
import { untilStopSignal } from "../_signals.js";

export const args = defineArgs({
  port: {
    type: "string",
    description: "TCP port on 127.0.0.1, 0 for any free one (default 4010)",
  },
  "time-scale": {
    type: "string",
    description: "Simulated ms per real ms: 60 = one simulated minute per second (default 60)",
  },
  "fault-rate": {
    type: "string",
    description:
      "Share of HTTP requests that fail with 429, 500, 529 or a dropped connection (default 0)",
  },
  seed: {
    type: "string",
    description: "Seed of processing order, faults, ids and text (default 1)",
  },
  "max-queued": {
    type: "string",
    description:
      "Most requests queued across unfinished batches; a create beyond is a 429 with retry-after (the API's 200,000 / 300,000 / 500,000 by tier; default no limit)",
  },
  verbose: { type: "boolean", description: "Print one line per HTTP request (never the API key)" },
  target: {
    type: "string",
    description: "The API to emulate: anthropic (default), vertex, bedrock, openai",
  },
});

export const command = defineCommand({
  meta: {
    name: "emulate",
    description: "Serve the Message Batches API on 127.0.0.1 for the SDK, on the cache model",
  },
  args,
});

/** The default port: the one the SDK's own tests use for a local mock (STYLE item 17). */
export const DEFAULT_PORT = 4010;

/** What the banner shows. */
export interface EmulatorBanner {
  url: string;
  timeScale: number;
  faultRate: number;
  seed: number;
  /** The processing-queue limit, when one is set. */
  maxQueued?: number;
}

function describeScale(timeScale: number): string {
  if (timeScale === 0) return "stopped (time moves only through the library's `advance()`)";
  const perSecond = timeScale * 1000; // simulated ms per real second
  const unit =
    perSecond >= 3_600_000
      ? `${+(perSecond / 3_600_000).toFixed(2)} simulated hour(s)`
      : perSecond >= 60_000
        ? `${+(perSecond / 60_000).toFixed(2)} simulated minute(s)`
        : `${+(perSecond / 1000).toFixed(2)} simulated second(s)`;
  return `${timeScale} simulated ms per real ms (${unit} per real second)`;
}

/** The text printed once the emulator listens: pure, so it is tested on its own. */
export function renderEmulatorBanner(banner: EmulatorBanner): string {
  const faults =
    banner.faultRate === 0
      ? "none"
      : `${+(banner.faultRate * 100).toFixed(2)}% of HTTP requests (429 with retry-after, 500, 529, dropped connection)`;
  return [
    `cacheplan emulator listening on ${banner.url}`,
    `  time:   ${describeScale(banner.timeScale)}`,
    `  faults: ${faults}`,
    `  seed:   ${banner.seed}`,
    ...(banner.maxQueued === undefined
      ? []
      : [`  queue:  at most ${banner.maxQueued} requests across unfinished batches`]),
    "",
    "Point the SDK at it (any non-empty API key is accepted):",
    `  new Anthropic({ baseURL: "${banner.url}", apiKey: "test" })`,
    "or from a shell:",
    `  ANTHROPIC_BASE_URL=${banner.url} ANTHROPIC_API_KEY=test node your-script.mjs`,
    "",
    "Press Ctrl-C to stop.",
    "",
  ].join("\n");
}

/**
 * Runs the emulator until Ctrl-C (SIGINT or SIGTERM), or until `options.stop` resolves (tests),
 * then closes it. Exit code 0 after a clean stop; a port in use is a failure (3, from `main`).
 */
export async function run(
  argv: string[],
  io: CliIo,
  options: { stop?: Promise<void> } = {},
): Promise<ExitCode> {
  const a = parse(argv, args);
  const port = intOption(a.port, "port") ?? DEFAULT_PORT;
  if (port < 0 || port > 65535) {
    throw new UsageError(`\`--port\` must be from 0 to 65535; got ${port}.`);
  }
  const timeScale = numberOption(a["time-scale"], "time-scale") ?? 60;
  if (timeScale <= 0) {
    throw new UsageError(`\`--time-scale\` must be greater than 0; got ${timeScale}.`);
  }
  const faultRate = numberOption(a["fault-rate"], "fault-rate") ?? 0;
  if (faultRate < 0 || faultRate > 1) {
    throw new UsageError(
      `\`--fault-rate\` must be from 0 to 1 (a share of requests); got ${faultRate}.`,
    );
  }
  const seed = intOption(a.seed, "seed") ?? 1;
  const maxQueued = intOption(a["max-queued"], "max-queued");
  if (maxQueued !== undefined && maxQueued < 1) {
    throw new UsageError(
      `\`--max-queued\` must be at least 1 (a number of requests); got ${maxQueued}.`,
    );
  }

  if (a.target === "vertex" || a.target === "bedrock")
    return runCloudEmulator({ target: a.target, port, timeScale, seed }, io, options.stop);
  if (a.target !== undefined && a.target !== "anthropic")
    throw new UsageError(
      `\`--target\` must be "anthropic", "vertex", "bedrock" or "openai"; got ${JSON.stringify(a.target)}.`,
    );
  const emulatorOptions: EmulatorOptions = { port, timeScale, seed };
  if (maxQueued !== undefined) emulatorOptions.maxQueued = maxQueued;
  if (faultRate > 0) emulatorOptions.faults = { rate: faultRate };
  if (a.verbose) {
    emulatorOptions.log = (line) => {
      io.stdout.write(`${line}\n`);
    };
  }
  const stopped = options.stop ?? untilStopSignal();
  const emulator = await startEmulator(emulatorOptions);
  try {
    const banner: EmulatorBanner = { url: emulator.url, timeScale, faultRate, seed };
    if (maxQueued !== undefined) banner.maxQueued = maxQueued;
    await write(io.stdout, renderEmulatorBanner(banner));
    await stopped;
  } finally {
    await emulator.close();
  }
  const { batchesCreated, requests } = emulator.stats();
  const served = Object.values(requests).reduce((sum, n) => sum + n, 0);
  await write(
    io.stdout,
    `Stopped after ${served} HTTP request${served === 1 ? "" : "s"} and ${batchesCreated} batch${batchesCreated === 1 ? "" : "es"}.\n`,
  );
  return exitCodeOf({ command: "done" });
}
