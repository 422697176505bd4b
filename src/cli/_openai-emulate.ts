/**
 * `cacheplan emulate --target openai` (internal): the OpenAI Files, Batches, Chat Completions and
 * Responses emulator on 127.0.0.1 until Ctrl-C, for the `openai` SDK (`baseURL` pointed at it).
 */
import { startOpenAIEmulator } from "../exports/sim.js";
import { defineArgs, intOption, numberOption, parse } from "./_args.js";
import { type CliIo, UsageError, write } from "./_context.js";
import { type ExitCode, exitCodeOf } from "./_exit.js";
import { targetFlag } from "./_openai.js";
import { untilStopSignal } from "./_signals.js";

export const openaiEmulateArgs = defineArgs({
  target: {
    type: "string",
    valueHint: "<anthropic|openai>",
    description: "The API to emulate: anthropic (default) or openai",
  },
  port: { type: "string", description: "TCP port on 127.0.0.1, 0 for any free one (default 4010)" },
  "time-scale": { type: "string", description: "Simulated ms per real ms (default 60)" },
  concurrency: {
    type: "string",
    description: "OpenAI: requests of a batch that start together (default 64)",
  },
});

/** Whether `emulate` is asked for the OpenAI API. */
export async function isOpenAIEmulate(argv: string[]): Promise<boolean> {
  return targetFlag(argv) === "openai";
}

/** The text printed once the emulator listens. */
export function renderOpenAIBanner(baseURL: string, timeScale: number): string {
  return [
    `cacheplan OpenAI emulator listening on ${baseURL}`,
    `  time:   ${timeScale} simulated ms per real ms`,
    "  serves: /v1/files, /v1/batches, /v1/chat/completions, /v1/responses on the OpenAI cache model",
    "",
    "Point the SDK at it (any non-empty API key is accepted):",
    `  new OpenAI({ baseURL: "${baseURL}", apiKey: "test" })`,
    "or from a shell:",
    `  OPENAI_BASE_URL=${baseURL} OPENAI_API_KEY=test node your-script.mjs`,
    "",
    "Press Ctrl-C to stop.",
    "",
  ].join("\n");
}

/** Runs the OpenAI emulator until a stop signal (or `options.stop`, in tests). */
export async function runOpenAIEmulate(
  argv: string[],
  io: CliIo,
  options: { stop?: Promise<void> } = {},
): Promise<ExitCode> {
  const a = parse(argv, openaiEmulateArgs);
  const port = intOption(a.port, "port") ?? 4010;
  if (port < 0 || port > 65535)
    throw new UsageError(`\`--port\` must be from 0 to 65535; got ${port}.`);
  const timeScale = numberOption(a["time-scale"], "time-scale") ?? 60;
  if (timeScale <= 0)
    throw new UsageError(`\`--time-scale\` must be greater than 0; got ${timeScale}.`);
  const concurrency = intOption(a.concurrency, "concurrency");
  if (concurrency !== undefined && concurrency < 1)
    throw new UsageError("`--concurrency` must be at least 1.");
  const stopped = options.stop ?? untilStopSignal();
  const emulator = await startOpenAIEmulator({
    port,
    timeScale,
    ...(concurrency ? { concurrency } : {}),
  });
  try {
    await write(io.stdout, renderOpenAIBanner(emulator.baseURL, timeScale));
    await stopped;
  } finally {
    await emulator.close();
  }
  await write(
    io.stdout,
    `Stopped after ${emulator.engine.batches.size} batch${emulator.engine.batches.size === 1 ? "" : "es"}.\n`,
  );
  return exitCodeOf({ command: "done" });
}
