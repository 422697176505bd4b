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
