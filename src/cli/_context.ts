/**
 * What every command gets (internal): its streams and environment, so commands run the same in
 * a terminal and in tests.
 */
import path from "node:path";
import type { Readable, Writable } from "node:stream";

export interface CliIo {
  stdout: Writable;
  stderr: Writable;
  stdin: Readable;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/** Exit codes (documented in the README and `cacheplan --help`). */
export const EXIT = {
  /** Done; nothing needs attention. */
  ok: 0,
  /** Done, but found problems the user must act on (e.g. rejected requests). */
  problems: 1,
  /** The command line is wrong (unknown command or option, bad value). */
  usage: 2,
  /** An input could not be used, or something failed unexpectedly. */
  failure: 3,
  /** Stopped by SIGINT (Ctrl-C): 128 + 2, the shell's convention; the state is kept. */
  interrupted: 130,
  /** Stopped by SIGTERM: 128 + 15; the state is kept. */
  terminated: 143,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Thrown by commands for a wrong command line; printed without a stack, exit 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

export function write(stream: Writable, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(text, (error) => (error ? reject(error) : resolve()));
  });
}

/**
 * A path as the user typed it, tidied for messages: `plan1/` and `./plan1//` read `plan1`, so
 * `${dir}/results` never shows `plan1//results`.
 */
export function displayPath(value: string): string {
  const normal = path.normalize(value);
  const trimmed = normal.replace(/[\\/]+$/, "");
  return trimmed === "" ? normal : trimmed;
}
