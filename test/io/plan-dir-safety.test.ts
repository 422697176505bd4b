/**
 * `writePlan()` (and `plan --out`, `retry --out`) never delete what cacheplan did not write
 * (issue 9, item 1), and clean up the staging folders a killed write left (item 14).
 */
import { spawn } from "node:child_process";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { RUN_STATE_FILE } from "../../src/exports/run.js";
import { type Plan, plan, writePlan } from "../../src/index.js";
import { initialRunState } from "../../src/run/state.js";
import { runCli, tempDir } from "../helpers/cli.js";
import { sharedCounter } from "../helpers/emulator.js";
import { cleanupAfterEach, planFolder, primedJob } from "../helpers/run-job.js";

const cleanups = cleanupAfterEach();

async function temp(): Promise<string> {
  const { dir, cleanup } = await tempDir();
  cleanups.push(cleanup);
  return dir;
}

const small = (): Promise<Plan> => plan(primedJob(1, 3), { counter: sharedCounter });

/** A pid that is certainly not running: a child that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""]);
  await new Promise((resolve) => child.once("exit", resolve));
  return child.pid!;
}

describe("writePlan never deletes files it did not write", () => {
  it("refuses a non-empty folder without plan.json, even with overwrite, and keeps its files", async () => {
    const root = await temp();
    const out = path.join(root, "d");
    await mkdir(out);
    await writeFile(path.join(out, "keep.txt"), "x");
    for (const overwrite of [false, true]) {
      await expect(writePlan(await small(), out, { overwrite })).rejects.toThrow(
        /is not empty \(`keep\.txt`\) and is not a cacheplan plan folder.*even with `--force`/,
      );
    }
    expect(await readdir(out)).toEqual(["keep.txt"]);
    expect(await readFile(path.join(out, "keep.txt"), "utf8")).toBe("x");
    expect((await readdir(root)).sort()).toEqual(["d"]); // no staging left either
  });

  it("refuses a folder whose plan.json is not cacheplan's (another tool's plan.json)", async () => {
    const out = path.join(await temp(), "infra");
    await mkdir(out);
    await writeFile(path.join(out, "plan.json"), '{"format_version":"1.2","resource_changes":[]}');
    await expect(writePlan(await small(), out, { overwrite: true })).rejects.toThrow(
      /not a cacheplan plan folder/,
    );
    expect(await readFile(path.join(out, "plan.json"), "utf8")).toContain("resource_changes");
  });

  it("refuses to replace a plan folder that also holds other files, even with overwrite", async () => {
    const out = path.join(await temp(), "plan");
    await writePlan(await small(), out);
    await writeFile(path.join(out, "notes.md"), "mine");
    await writeFile(path.join(out, "batches", "extra.jsonl"), "mine");
    await expect(writePlan(await small(), out, { overwrite: true })).rejects.toThrow(
      /also files cacheplan did not write \(`batches\/extra\.jsonl`, `notes\.md`\)/,
    );
    expect(await readFile(path.join(out, "notes.md"), "utf8")).toBe("mine");
  });

  it("still replaces a real plan folder with overwrite, and uses an empty folder", async () => {
    const root = await temp();
    const out = path.join(root, "plan");
    const first = await plan(primedJob(1, 3), { counter: sharedCounter });
    await writePlan(first, out);
    await expect(writePlan(first, out)).rejects.toThrow(/already holds a plan; pass `--force`/);
    const second = await plan(primedJob(2, 3), { counter: sharedCounter });
    await writePlan(second, out, { overwrite: true });
    const written = JSON.parse(await readFile(path.join(out, "plan.json"), "utf8"));
    expect(written.summary.planned).toBe(6);
    const empty = path.join(root, "empty");
    await mkdir(empty);
    await writePlan(first, empty);
    expect((await readdir(empty)).sort()).toEqual(["batches", "plan.json"]);
    expect((await readdir(root)).sort()).toEqual(["empty", "plan"]);
  });

  it("refuses the working folder and a folder that holds it", async () => {
    const root = await temp();
    await expect(writePlan(await small(), root, { cwd: root })).rejects.toThrow(
      /is the working folder or holds it/,
    );
    await expect(
      writePlan(await small(), root, { cwd: path.join(root, "sub", "deeper") }),
    ).rejects.toThrow(/is the working folder or holds it/);
  });
});

describe("plan --out and retry --out through the CLI", () => {
  it("plan --out DIR keeps keep.txt and exits 3; --force changes nothing", async () => {
    const root = await temp();
    await mkdir(path.join(root, "d"));
    await writeFile(path.join(root, "d", "keep.txt"), "x");
    for (const force of [[], ["--force"]]) {
      const run = await runCli(["plan", "--sample", "--out", "d", "--quiet", ...force], {
        cwd: root,
      });
      expect(run.code).toBe(3);
      expect(run.stderr).toMatch(/`d` is not empty \(`keep\.txt`\)/);
      expect(run.stderr).not.toMatch(/unexpected failure/);
    }
    expect(await readdir(path.join(root, "d"))).toEqual(["keep.txt"]);
  });

  it("plan --out . with the input beside it is refused, and the input is kept", async () => {
    const root = await temp();
    const input = await readFile("examples/requests.jsonl", "utf8");
    await writeFile(path.join(root, "requests.jsonl"), input);
    for (const force of [[], ["--force"]]) {
      const run = await runCli(["plan", "requests.jsonl", "--out", ".", "--quiet", ...force], {
        cwd: root,
      });
      expect(run.code).toBe(3);
      expect(run.stderr).toMatch(/`\.` is the working folder or holds it/);
    }
    expect(await readdir(root)).toEqual(["requests.jsonl"]);
    expect(await readFile(path.join(root, "requests.jsonl"), "utf8")).toBe(input);
  });

  it("plan --out with --force still replaces a plan it wrote", async () => {
    const root = await temp();
    expect((await runCli(["plan", "--sample", "--out", "p", "--quiet"], { cwd: root })).code).toBe(
      0,
    );
    const forced = await runCli(["plan", "--sample", "--out", "p", "--quiet", "--force"], {
      cwd: root,
    });
    expect(forced.code).toBe(0);
    expect((await readdir(path.join(root, "p"))).sort()).toEqual(["batches", "plan.json"]);
  });

  it("retry --out DIR refuses a foreign folder and keeps its files", async () => {
    const folder = await planFolder(primedJob(1, 3));
    cleanups.push(folder.cleanup);
    // A run canceled before anything was created: every batch is left to retry.
    const state = initialRunState(folder.plan, "2026-01-01T00:00:00.000Z");
    state.canceledAt = "2026-01-01T00:01:00.000Z";
    await writeFile(path.join(folder.dir, RUN_STATE_FILE), JSON.stringify(state));
    await mkdir(path.join(folder.root, "mine"));
    await writeFile(path.join(folder.root, "mine", "keep.txt"), "x");
    const retried = await runCli(["retry", "plan", "--out", "mine", "--force"], {
      cwd: folder.root,
    });
    expect(retried.code).toBe(3);
    expect(retried.stderr).toMatch(/`mine` is not empty \(`keep\.txt`\)/);
    expect(await readdir(path.join(folder.root, "mine"))).toEqual(["keep.txt"]);
    // The same retry into a new folder is written: the refusal was the folder's, not the run's.
    const fresh = await runCli(["retry", "plan", "--out", "again"], { cwd: folder.root });
    expect(fresh.code, fresh.stderr).toBe(0);
  });
});

describe("writePlan cleans what a killed write left (only names it gave)", () => {
  it("removes a dead process's <target>.partial-<pid>, keeps a live one's and look-alikes", async () => {
    const root = await temp();
    const out = path.join(root, "plan");
    const dead = await deadPid();
    await mkdir(path.join(root, `plan.partial-${dead}`, "batches"), { recursive: true });
    await writeFile(path.join(root, `plan.partial-${dead}`, "batches", "half.jsonl"), "{");
    const live = path.join(root, `plan.partial-${process.ppid}`);
    await mkdir(live);
    for (const name of [`plan.partial-${dead}x`, `other.partial-${dead}`, "plan.partial-"])
      await mkdir(path.join(root, name));
    await writePlan(await small(), out);
    expect((await readdir(root)).sort()).toEqual(
      [
        `other.partial-${dead}`,
        "plan",
        `plan.partial-`,
        `plan.partial-${dead}x`,
        `plan.partial-${process.ppid}`,
      ].sort(),
    );
  });

  it("a dead process's <target>.old-<pid> is removed once the target exists, restored when it does not", async () => {
    const root = await temp();
    const out = path.join(root, "plan");
    const dead = await deadPid();
    const first = await small();
    // Killed after the old plan was moved away, before the new one was in place: restored.
    await writePlan(first, path.join(root, `plan.old-${dead}`));
    await expect(writePlan(first, out)).rejects.toThrow(/already holds a plan/);
    expect((await readdir(root)).sort()).toEqual(["plan"]);
    // Killed after the new plan was in place: the replaced one is removed.
    await writePlan(first, path.join(root, `plan.old-${dead}`));
    await writePlan(first, out, { overwrite: true });
    expect((await readdir(root)).sort()).toEqual(["plan"]);
  });
});
