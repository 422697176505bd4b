#!/usr/bin/env node
/**
 * The `cacheplan` command. Each sub-command lives in `commands/<name>.ts` and is loaded only when
 * used (STYLE item 4), so `plan` never loads the SDK. Commands use the public API only.
 */
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { isCacheplanError } from "../index.js";
import { type CliIo, EXIT, type ExitCode, UsageError, write } from "./_context.js";

interface CommandModule {
  run(argv: string[], io: CliIo): Promise<ExitCode>;
}

const commands: Record<string, { description: string; load: () => Promise<CommandModule> }> = {
  plan: {
    description: "Group requests by shared prefix, place cache breakpoints, plan waves and batches",
    load: () => import("./commands/plan.js"),
  },
  estimate: {
    description: "Dry-run cost: standard, batch, ideal, planned and worst, with stacked prices",
    load: () => import("./commands/estimate.js"),
  },
  emulate: {
    description: "Serve the Message Batches API on 127.0.0.1 for the SDK, on the cache model",
    load: () => import("./commands/emulate.js"),
  },
  report: {
    description: "Achieved cache hit rates and real cost from batch results, against the plan",
    load: () => import("./commands/report.js"),
  },
  submit: {
    description: "Submit a plan's waves, watch them, download every result; resumes",
    load: () => import("./commands/submit.js"),
  },
  status: {
    description: "Where a submitted plan stands, from its state file (offline, no key)",
    load: () => import("./commands/status.js"),
  },
  cancel: {
    description: "Cancel the batches of a run still in progress; create no more",
    load: () => import("./commands/cancel.js"),
  },
  retry: {
    description: "Plan again what a run did not get done: retryable errors, expired, missing",
    load: () => import("./commands/retry.js"),
  },
  demo: {
    description: "The whole pipeline on the built-in emulator: plan, estimate, submit, report",
    load: () => import("./commands/demo.js"),
  },
};

export const VERSION = "0.1.0";

function help(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  return [
    `cacheplan ${VERSION}: plan prompt caching for Anthropic Message Batches`,
    "",
    "Usage: cacheplan <command> [options]     (cacheplan <command> --help for its options)",
    "",
    "Commands:",
    ...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.description}`),
    "",
    "Exit codes: 0 done; 1 done with problems to act on (e.g. rejected requests);",
    "            2 wrong command line; 3 an input could not be used, or a failure.",
    "",
  ].join("\n");
}

/** Runs the CLI with `argv` (without `node` and the script) and returns the exit code. */
export async function main(argv: string[], io: CliIo): Promise<ExitCode> {
  const [name, ...rest] = argv;
  try {
    if (name === undefined || name === "--help" || name === "-h" || name === "help") {
      await write(io.stdout, help());
      return name === undefined ? EXIT.usage : EXIT.ok;
    }
    if (name === "--version" || name === "-v") {
      await write(io.stdout, `${VERSION}\n`);
      return EXIT.ok;
    }
    const entry = commands[name];
    if (!entry)
      throw new UsageError(
        `Unknown command \`${name}\`. Commands: ${Object.keys(commands).join(", ")}.`,
      );
    const module = await entry.load();
    return await module.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      await write(io.stderr, `cacheplan: ${error.message}\n`);
      return EXIT.usage;
    }
    if (isCacheplanError(error)) {
      await write(io.stderr, `cacheplan: ${error.message}\n`);
      return error.code === "invalid-options" ? EXIT.usage : EXIT.failure;
    }
    await write(
      io.stderr,
      `cacheplan: unexpected failure: ${(error as Error)?.stack ?? String(error)}\n`,
    );
    return EXIT.failure;
  }
}

function isEntryPoint(): boolean {
  try {
    return (
      process.argv[1] !== undefined &&
      realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)
    );
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  // A closed pipe (`cacheplan plan ... | head`) is not a failure.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(EXIT.ok);
    throw error;
  });
  const io: CliIo = {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
  };
  main(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`cacheplan: ${String(error)}\n`);
      process.exitCode = EXIT.failure;
    },
  );
}
