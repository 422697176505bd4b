/**
 * `submit()` end to end through the real SDK against the emulator: a primed two-wave job, the
 * state file, resuming a finished run, and the 1h window between waves.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { submit } from "../../src/index.js";
import { clientFor, emulator } from "../helpers/emulator.js";
import {
  cleanupAfterEach,
  FAST_POLL,
  planFolder,
  plannedIds,
  primedJob,
  QUICK_SIM,
  recorder,
  resultsOnDisk,
} from "../helpers/run-job.js";

const cleanups = cleanupAfterEach();

describe("submit: a primed two-wave job", () => {
  it("primes in wave 0, reads in wave 1, and writes every result once", async () => {
    const folder = await planFolder(primedJob(3, 10));
    cleanups.push(folder.cleanup);
    const { plan, dir } = folder;
    expect([...new Set(plan.batches.map((b) => b.wave))]).toEqual([0, 1]);
    const primers = new Set(plan.groups.flatMap((g) => g.primers));
    expect(primers.size).toBe(3);

    const target = await emulator({ timeScale: 1000, sim: QUICK_SIM });
    const client = clientFor(target, { maxRetries: 2 });
    const events = recorder();
    const result = await submit(plan, {
      client,
      planDir: dir,
      poll: FAST_POLL,
      onProgress: events.on,
    });

    expect(result.status).toBe("ended");
    expect(target.stats().batchesCreated).toBe(plan.batches.length);
    const { state, lines } = await resultsOnDisk(dir);
    expect(lines.map((l) => l.custom_id).sort()).toEqual(plannedIds(plan));
    expect(lines.every((l) => l.result.type === "succeeded")).toBe(true);
    for (const line of lines) {
      if (line.result.type !== "succeeded") throw new Error(line.custom_id);
      const read = line.result.message.usage.cache_read_input_tokens;
      // Reference fact 16: the primer writes the 1h entry in wave 0, the rest read it in wave 1.
      if (primers.has(line.custom_id)) expect(read, line.custom_id).toBe(0);
      else expect(read, line.custom_id).toBeGreaterThan(1000);
    }
    expect(result.progress.hitRate).toBeGreaterThan(0.5);
    expect(result.resultsFiles).toHaveLength(plan.batches.length);
    expect(state.batches.every((b) => b.state === "downloaded")).toBe(true);
    expect(state.waves.map((w) => w.wave)).toEqual([0, 1]);

    const kinds = events.types();
    expect(kinds[0]).toBe("start");
    expect(kinds.at(-1)).toBe("done");
    const order = kinds.filter((k) => k !== "poll" && k !== "ended" && k !== "results");
    expect(order.slice(0, 3)).toEqual(["start", "wave", "created"]);
    // Wave 1 is created only after every batch of wave 0 was downloaded.
    const wave1 = events.events.findIndex((e) => e.type === "wave" && e.wave === 1);
    const lastWave0Results = events.events.findLastIndex(
      (e) => e.type === "results" && e.wave === 0,
    );
    expect(lastWave0Results).toBeLessThan(wave1);
  });

  it("keeps ids and counts in run.json, never prompt text or the key", async () => {
    const folder = await planFolder(primedJob(1, 4));
    cleanups.push(folder.cleanup);
    const target = await emulator({ timeScale: 1000, sim: QUICK_SIM });
    const client = clientFor(target, { apiKey: "sk-ant-secret-test-key" });
    await submit(folder.plan, { client, planDir: folder.dir, poll: FAST_POLL });
    const text = await readFile(path.join(folder.dir, "run.json"), "utf8");
    expect(text).toMatch(/"id": "msgbatch_/);
    expect(text).not.toContain("sk-ant-secret-test-key");
    expect(text).not.toContain("rubric0");
    expect(text).not.toContain("Ticket");
    expect(text).not.toContain("custom_id");
  });

  it("run again on a finished run, creates nothing and downloads nothing", async () => {
    const folder = await planFolder(primedJob(2, 3));
    cleanups.push(folder.cleanup);
    const target = await emulator({ timeScale: 1000, sim: QUICK_SIM });
    const client = clientFor(target);
    await submit(folder.plan, { client, planDir: folder.dir, poll: FAST_POLL });
    const before = target.stats();
    const events = recorder();
    const again = await submit(folder.plan, {
      client,
      planDir: folder.dir,
      poll: FAST_POLL,
      onProgress: events.on,
    });
    expect(again.status).toBe("ended");
    expect(events.types()).toEqual(["start", "done"]);
    const after = target.stats();
    expect(after.requests).toEqual(before.requests);
  });

  it("refuses a run.json of another plan", async () => {
    const folder = await planFolder(primedJob(1, 3));
    cleanups.push(folder.cleanup);
    const target = await emulator({ timeScale: 1000, sim: QUICK_SIM });
    const client = clientFor(target);
    await submit(folder.plan, { client, planDir: folder.dir, poll: FAST_POLL });
    const other = await planFolder(primedJob(1, 5));
    cleanups.push(other.cleanup);
    await expect(
      submit(other.plan, { client, planDir: folder.dir, poll: FAST_POLL }),
    ).rejects.toMatchObject({ name: "RunError", code: "plan-changed" });
  });
});

describe("submit: the 1h window between waves", () => {
  it("warns with the cost when wave 1 starts more than 1h after wave 0 was created", async () => {
    const folder = await planFolder(primedJob(2, 6));
    cleanups.push(folder.cleanup);
    // A stopped clock: wave 0's batches end only when the test moves time, 90 simulated minutes.
    const target = await emulator({ timeScale: 0, sim: QUICK_SIM });
    const client = clientFor(target);
    const events = recorder();
    const moved = new Set<string>();
    const result = await submit(folder.plan, {
      client,
      planDir: folder.dir,
      poll: FAST_POLL,
      onProgress: (e) => {
        events.on(e);
        if (e.type === "created" && e.wave === 0 && !moved.has(e.id)) {
          moved.add(e.id);
          target.advance(90 * 60_000);
        }
        if (e.type === "created" && e.wave === 1) target.advance(2 * 60 * 60_000);
      },
    });
    expect(result.status).toBe("ended");
    const warnings = events.events.flatMap((e) => (e.type === "warning" ? [e.warning] : []));
    expect(warnings).toHaveLength(1);
    const [w] = warnings;
    if (w?.kind !== "window") throw new Error("expected a window warning");
    expect(w.wave).toBe(1);
    expect(w.groups).toBe(2);
    expect(w.rewrites).toBe(10); // 5 requests per group, all under the concurrency of 64
    expect(w.extraUsd).toBeGreaterThan(0);
    expect(w.gapMs).toBeGreaterThan(60 * 60_000);
  });
});
