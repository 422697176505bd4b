/**
 * Plan folders as the user typed them (internal): resolved against the command's working folder,
 * and named in error messages as typed (the library names the full path it was given).
 */
import path from "node:path";
import { isCacheplanError, type Plan, writePlan } from "../index.js";
import { type CliIo, displayPath, UsageError } from "./_context.js";

/** `error` with `resolved` replaced by `shown` in its message, if it is cacheplan's. */
function renamed(error: unknown, resolved: string, shown: string): unknown {
  if (isCacheplanError(error)) error.message = error.message.split(resolved).join(shown);
  return error;
}

/**
 * The plan folder of a runner command, resolved against the command's `cwd`, and a wrapper that
 * names it in error messages as the user typed it.
 */
export function planDirArg(io: CliIo, value: string | undefined, command: string) {
  if (!value) throw new UsageError(`Give the plan folder: \`cacheplan ${command} plan/\`.`);
  const resolved = path.resolve(io.cwd, value);
  const shown = displayPath(value);
  return {
    shown,
    resolved,
    async run<T>(work: () => Promise<T>): Promise<T> {
      try {
        return await work();
      } catch (error) {
        throw renamed(error, resolved, shown);
      }
    },
  };
}

/**
 * Writes a plan to `--out` (relative to the working folder, which it may not be), naming the
 * folder in an error as the user gave it.
 */
export async function writePlanTo(
  planned: Plan,
  out: string,
  io: CliIo,
  force: boolean,
): Promise<void> {
  const resolved = path.resolve(io.cwd, out);
  try {
    await writePlan(planned, resolved, { overwrite: force, cwd: io.cwd });
  } catch (error) {
    throw renamed(error, resolved, out);
  }
}
