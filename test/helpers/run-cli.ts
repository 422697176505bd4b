/**
 * The CLI in-process with an environment (the key and base URL of an emulator), and a command's
 * `run()` with an abort signal, capturing what it prints.
 */
import { PassThrough, Readable } from "node:stream";
import type { CliIo } from "../../src/cli/_context.js";
import { main } from "../../src/cli/main.js";
import type { CliRun } from "./cli.js";

/** Streams that collect what is written; `io` for a command, `result()` for the output. */
export function capture(cwd: string, env: Record<string, string>) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString("utf8");
  });
  stderr.on("data", (chunk: Buffer) => {
    err += chunk.toString("utf8");
  });
  const io: CliIo = { stdout, stderr, stdin: Readable.from([]), env, cwd };
  return { io, result: (code: number): CliRun => ({ stdout: out, stderr: err, code }) };
}

/** Runs `cacheplan …argv` in-process from `cwd` with `env` as its whole environment. */
export async function runCliEnv(
  argv: string[],
  cwd: string,
  env: Record<string, string>,
): Promise<CliRun> {
  const { io, result } = capture(cwd, env);
  return result(await main(argv, io));
}
