#!/usr/bin/env node
/**
 * The `cacheplan` command. Each sub-command lives in `commands/<name>.ts` and is loaded only when
 * used (STYLE item 4), so `plan` never loads the SDK. Commands use the public API only.
 */
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { isCacheplanError } from "../index.js";
import { wantsHelp } from "./_args.js";
import { COMMANDS, type CommandEntry } from "./_commands.js";
import { type CliIo, UsageError, write } from "./_context.js";
import { EXIT, type ExitCode, exitCodeOf } from "./_exit.js";
import { toCliMessage } from "./_flags.js";
import { renderHelp, renderTopHelp } from "./_help.js";
import { VERSION } from "./_version.js";

export { VERSION };

/** True when the command line asks for JSON output (`--json`, or `--format json` of `report`). */
export function jsonRequested(argv: readonly string[]): boolean {
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    if (token === "--") break;
    if (token === "--json" || token === "--json=true" || token === "--format=json") return true;
    if (token === "--format" && argv[i + 1] === "json") return true;
  }
  return false;
}

/** How an error is told: its stable code, its message in the CLI's words, its exit code. */
export function describeError(
  error: unknown,
  flags: ReadonlySet<string>,
): { code: string; message: string; exitCode: ExitCode } {
  const exitCode = exitCodeOf({ command: "error", error });
  if (error instanceof UsageError)
    return { code: "usage", message: toCliMessage(error.message, flags), exitCode };
  if (isCacheplanError(error))
    return { code: error.code, message: toCliMessage(error.message, flags), exitCode };
  const message = error instanceof Error ? error.message : String(error);
  return { code: "unexpected", message, exitCode };
}

async function printError(
  error: unknown,
  io: CliIo,
  context: { json: boolean; entry: CommandEntry | undefined; flags: ReadonlySet<string> },
): Promise<ExitCode> {
  const told = describeError(error, context.flags);
  if (context.json) {
    const stream = context.entry?.jsonErrors === "stdout" ? io.stdout : io.stderr;
    const line = { cacheplanVersion: VERSION, type: "error", ...told };
    await write(stream, `${JSON.stringify(line)}\n`);
  } else if (told.code === "unexpected") {
    const stack = (error as Error)?.stack ?? String(error);
    await write(io.stderr, `cacheplan: unexpected failure: ${stack}\n`);
  } else {
    await write(io.stderr, `cacheplan: ${told.message}\n`);
  }
  return told.exitCode;
}

/** `cacheplan help [command]`. */
async function helpCommand(rest: readonly string[], io: CliIo): Promise<ExitCode> {
  const [name, ...extra] = rest;
  if (name === undefined) {
    await write(io.stdout, renderTopHelp());
    return EXIT.ok;
  }
  const entry = COMMANDS[name];
  if (!entry) throw unknownCommand(name);
  if (extra.length > 0)
    throw new UsageError(
      `Unexpected argument \`${extra[0]}\`: \`cacheplan help\` takes one command.`,
    );
  await write(io.stdout, renderHelp(name, (await entry.load()).args));
  return EXIT.ok;
}

function unknownCommand(name: string): UsageError {
  return new UsageError(
    `Unknown command \`${name}\`. Commands: ${Object.keys(COMMANDS).join(", ")}.`,
  );
}

/** Runs the CLI with `argv` (without `node` and the script) and returns the exit code. */
export async function main(argv: string[], io: CliIo): Promise<ExitCode> {
  const [name, ...rest] = argv;
  const entry = name === undefined ? undefined : COMMANDS[name];
  const context = { json: jsonRequested(rest), entry, flags: new Set<string>() };
  try {
    if (name === undefined) {
      await write(io.stdout, renderTopHelp());
      return EXIT.usage;
    }
    if (name === "--help" || name === "-h") return await helpCommand([], io);
    if (name === "help") return await helpCommand(rest, io);
    if (name === "--version" || name === "-v") {
      await write(io.stdout, `${VERSION}\n`);
      return EXIT.ok;
    }
    if (!entry) throw unknownCommand(name);
    const module = await entry.load();
    for (const flag of Object.keys(module.args)) context.flags.add(flag);
    // Help is answered here, before the command parses or runs anything.
    if (wantsHelp(rest)) {
      await write(io.stdout, renderHelp(name, module.args));
      return EXIT.ok;
    }
    return await module.run(rest, io);
  } catch (error) {
    return printError(error, io, context);
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
