import { hostname } from "node:os";
import { defineCommand } from "citty";
import { type RunState, readPlanFile, readRunState, renderRunStatus } from "../../index.js";
import { lockHolder } from "../../run/_store.js";
import { defineArgs, parse, usage } from "../_args.js";
import { type CliIo, EXIT, type ExitCode, write } from "../_context.js";
import { jsonDocument } from "../_version.js";
import { planDirArg } from "./submit.js";

export const args = defineArgs({
  plan: { type: "positional", required: false, description: "Plan folder written by `plan --out`" },
  json: {
    type: "boolean",
    description: "Print the state file (run.json) as JSON, with `submitted` and `cacheplanVersion`",
  },
});

export const command = defineCommand({
  meta: {
    name: "status",
    description: "Where a submitted plan stands, from its state file (offline, no key)",
  },
  args,
});

/**
 * The exit code of `status`: 1 when the run finished with requests that did not succeed (there is
 * something to retry), else 0 (not submitted, in progress, or all succeeded). Pure.
 */
export function statusExitCode(state: RunState | null): ExitCode {
  if (state === null) return EXIT.ok;
  for (const b of state.batches) {
    if (b.state !== "downloaded") continue;
    const r = b.results;
    if (r.byType.errored + r.byType.canceled + r.byType.expired + r.missing.length > 0)
      return EXIT.problems;
  }
  return EXIT.ok;
}

export async function run(argv: string[], io: CliIo): Promise<ExitCode> {
  const a = parse(argv, args);
  if (a.help) {
    await write(io.stdout, await usage(command as never));
    return EXIT.ok;
  }
  const dir = planDirArg(io, a.plan, "status");
  const [planned, state, running] = await dir.run(() =>
    Promise.all([
      readPlanFile(dir.resolved),
      readRunState(dir.resolved),
      lockHolder(dir.resolved).catch(() => null),
    ]),
  );
  // The lock's host is named only when it is another machine's.
  const holder = running && running.host === hostname() ? { ...running, host: "" } : running;
  if (state?.lastFailure) {
    // Recorded by the library with the folder's full path; shown as the user typed it.
    state.lastFailure.message = state.lastFailure.message.split(dir.resolved).join(dir.shown);
  }
  if (a.json) {
    await write(io.stdout, jsonDocument({ submitted: state !== null, ...state }));
  } else {
    await write(
      io.stdout,
      renderRunStatus(
        dir.shown,
        state,
        {
          batches: planned.batches.length,
          waves: planned.summary.waves,
          requests: planned.summary.planned,
        },
        holder,
      ),
    );
  }
  return statusExitCode(state);
}
