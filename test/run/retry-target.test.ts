/**
 * `retryPlan()` and `cacheplan retry` on a Vertex or Bedrock plan (issue 15, item 2): the retry
 * plan is for the same target, checked against that target's limits. A Bedrock plan records its
 * own `maxBytes` (1 GB per file, other-batch-systems.md §2.3), which is over Anthropic's 256 MB:
 * checked against Anthropic's limits it failed with "`--max-bytes` must be … got 1000000000".
 */
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { retryPlan } from "../../src/index.js";
import { initialRunState, RUN_STATE_FILE } from "../../src/run/state.js";
import { runCli } from "../helpers/cli.js";
import { flatJob } from "../helpers/flat-job.js";
import { cleanupAfterEach, planFolder } from "../helpers/run-job.js";

const cleanups = cleanupAfterEach();

/** A plan folder for `target` whose run was canceled before any batch was created. */
async function canceledRun(target: "vertex" | "bedrock") {
  // Bedrock: at least 100 records per job (§2.3).
  const folder = await planFolder(flatJob(120), { target });
  cleanups.push(folder.cleanup);
  const state = initialRunState(folder.plan, "2026-12-01T00:00:00.000Z");
  state.canceledAt = "2026-12-01T00:01:00.000Z";
  await writeFile(path.join(folder.dir, RUN_STATE_FILE), `${JSON.stringify(state, null, 2)}\n`);
  return folder;
}

describe("retry keeps the plan's target and its limits", { timeout: 60_000 }, () => {
  for (const target of ["vertex", "bedrock"] as const) {
    it(`retryPlan of a ${target} run is a ${target} plan with the original limits`, async () => {
      const folder = await canceledRun(target);
      const retry = await retryPlan(folder.dir);
      expect(retry.retried["not-submitted"]).toBe(120);
      expect(retry.plan?.options).toMatchObject({
        target,
        maxBytes: folder.plan.options.maxBytes,
        maxRequests: folder.plan.options.maxRequests,
      });
      expect(retry.plan?.batches.map((b) => b.jobModel)).toEqual(
        folder.plan.batches.map((b) => b.jobModel),
      );
    });
  }

  it("retryPlan with planOptions and no target keeps the plan's target", async () => {
    const folder = await canceledRun("bedrock");
    const retry = await retryPlan(folder.dir, { planOptions: { maxRequests: 500 } });
    expect(retry.plan?.options).toMatchObject({ target: "bedrock", maxRequests: 500 });
  });

  it("cacheplan retry PLAN --out DIR on a Bedrock plan writes a Bedrock plan (exit 0)", async () => {
    const folder = await canceledRun("bedrock");
    const out = path.join(folder.root, "retry");
    const run = await runCli(["retry", folder.dir, "--out", out]);
    expect(run.stderr).not.toContain("--max-bytes");
    expect(run.code).toBe(0);
    const written = JSON.parse(await readFile(path.join(out, "plan.json"), "utf8"));
    expect(written.options).toMatchObject({ target: "bedrock", maxBytes: 1_000_000_000 });
  });
});
