import type Anthropic from "@anthropic-ai/sdk";
import { defineCommand } from "citty";
import { renderNextSteps } from "../../exports/run.js";
import { type CancelResult, cancelRun, RunError, readPlanFile, readRunState } from "../../index.js";
import { defineArgs, parse, usage } from "../_args.js";
import { callOptions, redactingKey } from "../_client.js";
import { type CliIo, write } from "../_context.js";
import { EXIT, type ExitCode, exitCodeOf } from "../_exit.js";
import { planDirArg } from "../_plan-dir.js";
import { targetClient } from "../_target-client.js";
import { jsonDocument } from "../_version.js";

export const args = defineArgs({
  plan: { type: "positional", required: false, description: "Plan folder written by `plan --out`" },
  "max-retries": {
    type: "string",
    description: "Retries of a failed cancel or retrieve call (default 8)",
  },
  timeout: {
    type: "string",
    description: "Milliseconds an API call may take before it counts as no answer (default 120000)",
  },
  json: { type: "boolean", description: "Print what was done as JSON" },
});

export const command = defineCommand({
  meta: {
    name: "cancel",
    description: "Cancel the batches of a run still in progress; create no more",
  },
  args,
});

export const CANCEL_KEY_MESSAGE =
  "Canceling calls the Message Batches API and needs the Anthropic API key of the workspace that created the batches: set `ANTHROPIC_API_KEY`.";

/** What `cancel` did, as text. Pure. */
export function renderCancel(planDir: string, result: CancelResult): string {
  const lines: string[] = [];
  const ids = (list: Array<{ index: number; id: string }>) =>
    list.map((b) => `${b.index} (${b.id})`).join(", ");
  lines.push(
    result.canceled.length === 0
      ? "No batch was in progress."
      : `Canceled ${result.canceled.length} batch${result.canceled.length === 1 ? "" : "es"}: ${ids(result.canceled)}. Requests already running may still complete.`,
  );
  if (result.ended.length > 0) lines.push(`Already ended: ${ids(result.ended)}.`);
  if (result.notCreated.length > 0)
    lines.push(`Never created, and now never will be: ${result.notCreated.join(", ")}.`);
  if (result.submitRunning) {
    if (result.unknown.length > 0)
      lines.push(`Create in doubt (an answer was lost): ${result.unknown.join(", ")}.`);
    lines.push(
      `A submit is running on ${planDir}: it creates no more batches, cancels any it created meanwhile${result.unknown.length > 0 ? " or finds in doubt" : ""}, and watches them to their end, downloading what they did.`,
    );
    return `${lines.join("\n")}\n`;
  }
  if (result.unknown.length > 0)
    lines.push(
      `Create in doubt (an answer was lost): ${result.unknown.join(", ")}; \`cacheplan submit ${planDir}\` finds and cancels them.`,
    );
  return `${lines.join("\n")}\n${renderNextSteps(planDir, result.state)}`;
}

export async function run(
  argv: string[],
  io: CliIo,
  options: { client?: Anthropic } = {},
): Promise<ExitCode> {
  const a = parse(argv, args);
  if (a.help) {
    await write(io.stdout, await usage(command as never));
    return EXIT.ok;
  }
  const dir = planDirArg(io, a.plan, "cancel");
  const calls = callOptions(a);
  const result = await redactingKey(io, () =>
    dir.run(async () => {
      await readPlanFile(dir.resolved);
      // A plan never submitted has nothing to cancel: said before any key is asked for.
      const state = await readRunState(dir.resolved);
      if (state === null)
        throw new RunError(
          "bad-state",
          `Nothing to cancel: \`${dir.shown}\` was never submitted (it has no run.json), so no batch of it exists.`,
        );
      const target = state.target ?? "anthropic";
      const client = await targetClient(io, target, CANCEL_KEY_MESSAGE, options.client);
      return cancelRun(dir.resolved, { client, ...calls });
    }),
  );
  await write(io.stdout, a.json ? jsonDocument(result) : renderCancel(dir.shown, result));
  return exitCodeOf({ command: "cancel", result });
}
