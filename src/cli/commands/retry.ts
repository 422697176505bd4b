import { defineCommand } from "citty";
import { type RetryResult, retryPlan } from "../../index.js";
import { defineArgs, parse } from "../_args.js";
import { type CliIo, write } from "../_context.js";
import { type ExitCode, exitCodeOf } from "../_exit.js";
import { planDirArg, writePlanTo } from "../_plan-dir.js";
import { jsonDocument } from "../_version.js";

export const args = defineArgs({
  plan: { type: "positional", required: false, description: "Plan folder of a finished run" },
  out: { type: "string", description: "Folder to write the retry plan to" },
  force: {
    type: "boolean",
    description: "Replace an existing plan in --out (never a folder of other files)",
  },
  json: { type: "boolean", description: "Print what was found as JSON (without the new plan)" },
});

export const command = defineCommand({
  meta: {
    name: "retry",
    description:
      "Plan again what a run did not get done: retryable errors, expired, canceled, missing",
  },
  args,
});

/** Most requests to fix listed one by one. */
const MAX_LISTED = 20;

/** What `retry` found, as text. Pure. */
export function renderRetry(result: RetryResult, out: string | undefined): string {
  const r = result.retried;
  const total = r.errored + r.expired + r.canceled + r.missing + r["not-submitted"];
  const lines: string[] = [];
  const errors = Object.entries(result.retriedErrors)
    .map(([type, n]) => `${type} ${n}`)
    .join(", ");
  lines.push(
    `${result.succeeded} succeeded; to retry: ${total} (errored ${r.errored}${errors ? ` [${errors}]` : ""}, expired ${r.expired}, canceled ${r.canceled}, missing ${r.missing}, never submitted ${r["not-submitted"]}).`,
  );
  if (result.plan) {
    const s = result.plan.summary;
    lines.push(
      out
        ? `Wrote ${out}: ${s.planned} requests in ${s.batches} batch${s.batches === 1 ? "" : "es"}, ${s.waves} wave${s.waves === 1 ? "" : "s"}, ${result.plan.groups.length} cached group${result.plan.groups.length === 1 ? "" : "s"}. Submit it with \`cacheplan submit ${out}\`.`
        : "Nothing written: pass `--out DIR` to write the retry plan.",
    );
    if (result.plan.rejected.length > 0)
      lines.push(
        `${result.plan.rejected.length} rejected by the planner; \`cacheplan plan\` lists why.`,
      );
  } else {
    lines.push("Nothing to retry.");
  }
  if (result.toFix.length > 0) {
    lines.push(
      "",
      `Not retried: ${result.toFix.length} request${result.toFix.length === 1 ? "" : "s"} errored in a way a retry cannot cure; fix ${result.toFix.length === 1 ? "it" : "them"} and plan again:`,
    );
    for (const f of result.toFix.slice(0, MAX_LISTED))
      lines.push(`  ${f.custom_id}: ${f.errorType}: ${f.message}`);
    if (result.toFix.length > MAX_LISTED)
      lines.push(`  … and ${result.toFix.length - MAX_LISTED} more (\`--json\` lists all)`);
  }
  return `${lines.join("\n")}\n`;
}

export async function run(argv: string[], io: CliIo): Promise<ExitCode> {
  const a = parse(argv, args);
  const dir = planDirArg(io, a.plan, "retry");
  const result = await dir.run(() => retryPlan(dir.resolved));
  if (result.plan && a.out) await writePlanTo(result.plan, a.out, io, a.force === true);
  if (a.json) {
    const { plan, ...rest } = result;
    await write(
      io.stdout,
      jsonDocument({
        ...rest,
        plan: plan ? { summary: plan.summary, out: a.out ?? null } : null,
      }),
    );
  } else {
    await write(io.stdout, renderRetry(result, result.plan ? a.out : undefined));
  }
  return exitCodeOf({ command: "retry", result, written: Boolean(a.out) });
}
