/**
 * What a run leaves behind and leaks: no `MaxListenersExceededWarning` on a wave of many batches
 * with one long-lived signal, and the temporary files of a crashed process cleaned on the next
 * start (only files cacheplan named, only of processes that are gone).
 */
import { mkdir, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { submit } from "../../src/index.js";
import { clientFor, emulator } from "../helpers/emulator.js";
import {
  cleanupAfterEach,
  FAST_POLL,
  planFolder,
  primedJob,
  QUICK_SIM,
} from "../helpers/run-job.js";
import { deadPid, staleLock } from "../helpers/run-stale.js";

const cleanups = cleanupAfterEach();

describe("submit: listeners", () => {
  it("emits no MaxListenersExceededWarning on a wave of 16 batches with one signal", async () => {
    // 16 groups of 4, batches of at most 4: 16 primer batches in wave 0, 16 batches in wave 1.
    const folder = await planFolder(primedJob(16, 4), { maxRequests: 3 });
    cleanups.push(folder.cleanup);
    const waves = folder.plan.batches.filter((b) => b.wave === 1).length;
    expect(waves).toBeGreaterThanOrEqual(15);
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on("warning", onWarning);
    cleanups.push(async () => {
      process.off("warning", onWarning);
    });
    const target = await emulator({ timeScale: 1000, sim: QUICK_SIM });
    const controller = new AbortController();
    const result = await submit(folder.plan, {
      client: clientFor(target, { maxRetries: 2 }),
      planDir: folder.dir,
      poll: FAST_POLL,
      concurrency: 16,
      signal: controller.signal,
    });
    expect(result.status).toBe("ended");
    await new Promise((resolve) => setImmediate(resolve));
    expect(warnings.map((w) => `${w.name}: ${w.message}`)).toEqual([]);
  });
});

describe("submit: what a killed process left", () => {
  it("removes cacheplan's temporary files of processes that are gone, and nothing else", async () => {
    const folder = await planFolder(primedJob(1, 2));
    cleanups.push(folder.cleanup);
    const dead = deadPid();
    const live = process.ppid;
    const results = path.join(folder.dir, "results");
    await mkdir(results, { recursive: true });
    const stale = [
      `run.json.tmp-${dead}-0`,
      `run.json.tmp-${dead}-17`,
      `run.lock.tmp-${dead}-0a1b2c3d4e5f`,
      `run.lock.old-${dead}-0a1b2c3d4e5f`,
      `results/0000-msgbatch_01Abc.jsonl.partial-${dead}`,
    ];
    const kept = [
      `run.json.tmp-${live}-3`, // its process is alive
      "run.json.tmp-notes", // not a name cacheplan gives
      "results/notes.txt",
      `results/0000-msgbatch_01Abc.jsonl.partial-${live}`,
    ];
    for (const name of [...stale, ...kept]) await writeFile(path.join(folder.dir, name), "x");
    await staleLock(folder.dir); // what the SIGKILL also left
    const target = await emulator({ timeScale: 1000, sim: QUICK_SIM });
    const result = await submit(folder.plan, {
      client: clientFor(target),
      planDir: folder.dir,
      poll: FAST_POLL,
    });
    expect(result.status).toBe("ended");
    const top = await readdir(folder.dir);
    const inResults = (await readdir(results)).map((n) => `results/${n}`);
    const all = [...top, ...inResults];
    for (const name of stale) expect(all, name).not.toContain(name);
    for (const name of kept) expect(all, name).toContain(name);
    expect(all).not.toContain("run.lock");
    expect(all.filter((n) => n.startsWith("run.lock"))).toEqual([]);
  });
});
