/**
 * `--target vertex|bedrock` on the CLI (issue 15): plan writes the target and each batch's model
 * into plan.json; estimate prices the plan with the target's rows, adds Bedrock's on-demand
 * alternative, and `--compare` prints the same job on every target.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runCli, tempDir } from "../helpers/cli.js";

describe("cacheplan --target", { timeout: 120_000 }, () => {
  it("plan --target bedrock --out: plan.json records the target and each batch's model", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const run = await runCli(["plan", "--sample", "--target", "bedrock", "--out", "p"], {
        cwd: dir,
      });
      expect(run.code).toBe(0);
      expect(run.stdout).toContain("target   bedrock: one model per job");
      expect(run.stdout).toContain("under Bedrock's minimum of 100 records");
      const file = JSON.parse(await readFile(path.join(dir, "p", "plan.json"), "utf8"));
      expect(file.options.target).toBe("bedrock");
      expect(file.options.strategy).toBe("none");
      for (const b of file.batches) expect(b.model).toMatch(/^claude-/);
      expect(file.batches.map((b: { jobModel: string }) => b.jobModel)).toContain(
        "global.anthropic.claude-sonnet-4-5-20250929-v1:0",
      );
      const est = await runCli(["estimate", "p", "--output-tokens", "200"], { cwd: dir });
      expect(est.code).toBe(0);
      expect(est.stdout).toContain("On Bedrock: batch without caching vs on demand with caching");
    } finally {
      await cleanup();
    }
  });

  it("estimate --compare from a Bedrock plan and from an Anthropic one gives the same table", {
    timeout: 120_000,
  }, async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const table = (out: string) => out.slice(out.indexOf("Same job on each target"));
      const fromBedrock = await runCli(
        ["estimate", "--sample", "--target", "bedrock", "--compare", "--output-tokens", "200"],
        { cwd: dir },
      );
      const fromAnthropic = await runCli(
        ["estimate", "--sample", "--compare", "--output-tokens", "200"],
        { cwd: dir },
      );
      expect(fromBedrock.code).toBe(0);
      // The Bedrock plan's forced "no markers" must not leak into the other targets' plans.
      expect(table(fromBedrock.stdout)).toBe(table(fromAnthropic.stdout));
      expect(table(fromAnthropic.stdout)).toMatch(/anthropic .*\n\s+vertex .*\n\s+bedrock /);
    } finally {
      await cleanup();
    }
  });

  it("an unknown target is refused, naming the known ones", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const run = await runCli(["plan", "--sample", "--target", "azure"], { cwd: dir });
      expect(run.code).not.toBe(0);
      expect(run.stderr).toMatch(/"anthropic".*"vertex".*"bedrock"/);
    } finally {
      await cleanup();
    }
  });

  it("demo --target bedrock|vertex runs the pipeline offline through the SDKs", {
    timeout: 180_000,
  }, async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const bedrock = await runCli(["demo", "--target", "bedrock", "--quiet"], { cwd: dir });
      expect(bedrock.code).toBe(0);
      // The 60 Haiku requests fall under Bedrock's 100-record minimum: the emulated job fails
      // validation and the report says they are missing, as the plan warned.
      expect(bedrock.stdout).toContain(
        "succeeded 356, errored 0, canceled 0, expired 0, missing 60",
      );
      const vertex = await runCli(["demo", "--target", "vertex", "--quiet"], { cwd: dir });
      expect(vertex.code).toBe(0);
      expect(vertex.stdout).toContain("missing 0");
      expect(vertex.stdout).toMatch(/hit rate\s+\d+\.\d% of input tokens read from cache/);
    } finally {
      await cleanup();
    }
  });

  it("emulate --target bedrock serves until stopped and says how to point cacheplan at it", async () => {
    const { run } = await import("../../src/cli/commands/emulate.js");
    const { capture } = await import("../helpers/run-cli.js");
    const { io, result } = capture(process.cwd(), {});
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => {
      stop = resolve;
    });
    const running = run(["--target", "bedrock", "--port", "0"], io, { stop: stopped });
    await new Promise((r) => setTimeout(r, 300));
    stop();
    const out = result(await running);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(
      /Amazon Bedrock batch inference emulator .* on http:\/\/127\.0\.0\.1:\d+/,
    );
    expect(out.stdout).toContain("CACHEPLAN_BEDROCK_ENDPOINT=");
  });
});
