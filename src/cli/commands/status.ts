import { hostname } from "node:os";
import { defineCommand } from "citty";
import { lockHolder, renderRunStatus } from "../../exports/run.js";
import { readPlanFile, readRunState } from "../../index.js";
import { defineArgs, parse, usage } from "../_args.js";
import { type CliIo, write } from "../_context.js";
import { EXIT, type ExitCode, exitCodeOf } from "../_exit.js";
import { planDirArg } from "../_plan-dir.js";
import { jsonDocument } from "../_version.js";

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
  return exitCodeOf({ command: "status", state });
}
