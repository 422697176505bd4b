/**
 * Nothing to plan, nothing to report: said plainly, exit 1, unless asked (issue 9, item 10).
 * `plan()` and `report()` stay pure and return the empty result; the CLI decides the exit code.
 */
import { readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { exitCodeOf, hasNoResults } from "../../src/cli/_exit.js";
import { plan, report } from "../../src/index.js";
import { runCli, tempDir } from "../helpers/cli.js";
import { cleanupAfterEach } from "../helpers/run-job.js";

const cleanups = cleanupAfterEach();

async function root(files: Record<string, string>): Promise<string> {
  const { dir, cleanup } = await tempDir();
  cleanups.push(cleanup);
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  return dir;
}

const BAD = '{"custom_id":"a b","params":{}}\n{not json\n';

describe("cacheplan plan with nothing to plan", () => {
  it("an empty file (or blank lines only) says so, writes nothing and exits 1", async () => {
    for (const text of ["", "\n  \n\n"]) {
      const dir = await root({ "empty.jsonl": text });
      const run = await runCli(["plan", "empty.jsonl", "--out", "p"], { cwd: dir });
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(
        /^Nothing to plan: `empty\.jsonl` holds no requests; no plan written\. .*`--allow-empty`/m,
      );
      expect(await readdir(dir)).toEqual(["empty.jsonl"]);
    }
  });

  it("empty standard input says so", async () => {
    const run = await runCli(["plan", "-"], { stdin: "" });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/Nothing to plan: standard input holds no requests/);
  });

  it("every request rejected, with --allow-rejects, is still nothing to plan", async () => {
    const dir = await root({ "bad.jsonl": BAD });
    const run = await runCli(["plan", "bad.jsonl", "--allow-rejects", "--out", "p"], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/Nothing to plan: all 2 requests of `bad\.jsonl` were rejected/);
    expect(await readdir(dir)).toEqual(["bad.jsonl"]);
  });

  it("--allow-empty writes the empty plan and exits 0", async () => {
    const dir = await root({ "empty.jsonl": "" });
    const run = await runCli(["plan", "empty.jsonl", "--out", "p", "--allow-empty"], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe("");
    expect((await readdir(path.join(dir, "p"))).sort()).toEqual(["batches", "plan.json"]);
  });

  it("the library returns the empty plan (no throw); the exit code is the CLI's", async () => {
    const empty = await plan([]);
    expect(empty.summary.planned).toBe(0);
    expect(empty.batches).toEqual([]);
    const planCode = (
      rejected: number,
      allowRejects: boolean,
      planned: number,
      allowEmpty = false,
    ) => exitCodeOf({ command: "plan", rejected, planned, allowRejects, allowEmpty });
    expect(planCode(0, false, 0)).toBe(1);
    expect(planCode(0, false, 0, true)).toBe(0);
    expect(planCode(2, true, 0)).toBe(1);
    expect(planCode(0, false, 3)).toBe(0);
  });
});

describe("cacheplan report with no results", () => {
  it("an empty results file without a plan says there were no results and exits 1", async () => {
    const dir = await root({ "empty.jsonl": "" });
    const run = await runCli(["report", "--results", "empty.jsonl"], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /^No results: `empty\.jsonl` holds no result line, so there is nothing to report/,
    );
    expect(run.stdout).toBe("");
  });

  it("--allow-partial reports the zeros and exits 0", async () => {
    const dir = await root({ "empty.jsonl": "\n" });
    const run = await runCli(["report", "--results", "empty.jsonl", "--allow-partial"], {
      cwd: dir,
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/0 of 0/);
  });

  it("the library returns the empty report; hasNoResults tells", async () => {
    const empty = await report([]);
    expect(hasNoResults(empty)).toBe(true);
    expect(exitCodeOf({ command: "report", report: empty, allowPartial: false })).toBe(1);
    expect(exitCodeOf({ command: "report", report: empty, allowPartial: true })).toBe(0);
  });
});

describe("cacheplan estimate with nothing to estimate, or a planner flag on a plan folder", () => {
  it("an empty file says there is nothing to estimate and exits 1", async () => {
    const dir = await root({ "empty.jsonl": "" });
    const run = await runCli(["estimate", "empty.jsonl"], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^Nothing to estimate: `empty\.jsonl` holds no request/m);
  });

  it("a planner flag given with a plan folder is a usage error naming the flag, not ignored", async () => {
    const dir = await root({});
    const planned = await runCli(["plan", "--sample", "--out", "p"], { cwd: dir });
    expect(planned.code).toBe(0);
    for (const flags of [
      ["--concurrency", "abc"],
      ["--concurrency", "8"],
      ["--max-requests", "5"],
    ]) {
      const run = await runCli(["estimate", "p", ...flags], { cwd: dir });
      expect(run.code, flags.join(" ")).toBe(2);
      expect(run.stderr).toContain(`\`${flags[0]}\` shapes a plan, and \`p\` is already planned`);
    }
    expect((await runCli(["estimate", "p"], { cwd: dir })).code).toBe(0);
  });
});
