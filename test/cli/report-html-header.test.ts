/**
 * `cacheplan report PLAN --format html` names the plan folder and the results' date in the page's
 * header, the date taken from the plan's run.json (the last batch's `ended_at`), not the clock.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { resultsDate } from "../../src/cli/_report-header.js";
import type { RunState } from "../../src/index.js";
import { runCli, tempDir } from "../helpers/cli.js";

describe("report --format html header", () => {
  it("takes the newest batch end from run.json, else its last update, else nothing", () => {
    const state = {
      updatedAt: "2026-01-02T00:00:00.000Z",
      batches: [
        { state: "downloaded", ended_at: "2026-01-01T10:00:00Z" },
        { state: "downloaded", ended_at: "2026-01-01T12:30:00Z" },
        { state: "ended", ended_at: "2026-01-01T11:00:00Z" },
        { state: "pending" },
      ],
    } as unknown as RunState;
    expect(resultsDate(state)).toBe("2026-01-01T12:30:00Z");
    expect(resultsDate({ ...state, batches: [] })).toBe("2026-01-02T00:00:00.000Z");
    expect(resultsDate(null)).toBeNull();
  });

  it("shows the plan folder as typed and the date of its results", {
    timeout: 60_000,
  }, async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const demo = await runCli(["demo", "--out", "job", "--quiet"], { cwd: dir });
      expect(demo.code, demo.stderr).toBe(0);
      const run = JSON.parse(await readFile(path.join(dir, "job", "run.json"), "utf8")) as {
        batches: Array<{ ended_at: string }>;
      };
      const last = run.batches.map((b) => b.ended_at).sort((a, b) => Date.parse(a) - Date.parse(b));
      const shown = `${new Date(last.at(-1)!).toISOString().slice(0, 16).replace("T", " ")} UTC`;
      const args = ["report", "job", "--results", "job/results", "--format", "html"];
      const first = await runCli(args, { cwd: dir });
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout).toMatch(
        new RegExp(
          `id="report-meta">cacheplan [\\d.]+ · plan <code>job</code> · results of ${shown}</p>`,
        ),
      );
      // Deterministic: the same folder renders the same page.
      expect((await runCli(args, { cwd: dir })).stdout).toBe(first.stdout);
    } finally {
      await cleanup();
    }
  });
});
