/**
 * Issue 14: `submit(await openPlanFolder(dir), …)` runs a plan folder without holding its
 * requests: each batch is read from its file for its create (at most two at once), and checked
 * against `plan.json` first, so a batch file edited before, after or during a submit is refused
 * and never sent. Through the memory backend (`test/helpers/memory-backend.ts`).
 */
import { createHash } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  openPlanFolder,
  type PlanFolder,
  type RunWarning,
  readPlanFile,
  readRunState,
  type SubmitOptions,
  submit,
} from "../../src/index.js";
import { missedWindowCost } from "../../src/run/_window.js";
import { adoptionTag, type CreateInput } from "../../src/run/backend.js";
import { initialRunState } from "../../src/run/state.js";
import { clientFor, emulator } from "../helpers/emulator.js";
import { flatJob } from "../helpers/flat-job.js";
import { type MemoryBackend, memoryBackend } from "../helpers/memory-backend.js";
import {
  cleanupAfterEach,
  FAST_POLL,
  planFolder,
  plannedIds,
  primedJob,
  QUICK_SIM,
  resultsOnDisk,
} from "../helpers/run-job.js";

const cleanups = cleanupAfterEach();

/** A plan folder of `n` short requests in batches of 10 (one wave). */
async function folderOf(n: number) {
  const folder = await planFolder(flatJob(n), { strategy: "none", maxRequests: 10 });
  cleanups.push(folder.cleanup);
  return folder;
}

/** A memory backend whose creates take `ms`, counting the creates in flight at once. */
function slowBackend(ms: number): MemoryBackend & { inFlight: number; mostInFlight: number } {
  const inner = memoryBackend({ pollsToEnd: 1 });
  const create = inner.create.bind(inner);
  const backend = Object.assign(inner, { inFlight: 0, mostInFlight: 0 });
  backend.create = async (input: CreateInput, o) => {
    backend.inFlight += 1;
    backend.mostInFlight = Math.max(backend.mostInFlight, backend.inFlight);
    try {
      await new Promise((r) => setTimeout(r, ms));
      return await create(input, o);
    } finally {
      backend.inFlight -= 1;
    }
  };
  return backend;
}

function optionsFor(backend: MemoryBackend, dir: string, extra: Partial<SubmitOptions> = {}) {
  return { backend, planDir: dir, poll: FAST_POLL, ...extra } as SubmitOptions;
}

/** Rewrites line `line` (0-based) of a batch file, changing its content but not its custom_id. */
async function editLine(dir: string, batch: number, line = 0): Promise<string> {
  const file = path.join(dir, (await readPlanFile(dir)).batches[batch]!.file);
  const lines = (await readFile(file, "utf8")).split("\n");
  const request = JSON.parse(lines[line]!);
  request.params.max_tokens += 1;
  lines[line] = JSON.stringify(request);
  await writeFile(file, lines.join("\n"));
  return file;
}

describe("submit(openPlanFolder(dir))", () => {
  it("runs the folder's plan to its end as the plan in memory would: same run.json fingerprint, every result", async () => {
    const folder = await folderOf(60);
    const backend = memoryBackend({ pollsToEnd: 1 });
    const result = await submit(await openPlanFolder(folder.dir), optionsFor(backend, folder.dir));
    expect(result.status).toBe("ended");
    expect(backend.batches).toHaveLength(6);
    expect(backend.batches.flatMap((b) => b.ids).sort()).toEqual(plannedIds(folder.plan));
    // The fingerprint of the in-memory plan: a run begun either way resumes the other way.
    const state = await readRunState(folder.dir);
    expect(state?.plan).toBe(initialRunState(folder.plan, "x").plan);
    expect(state?.batches.every((b) => b.state === "downloaded")).toBe(true);
  });

  it("holds at most two batches' requests: creates of a folder wait for a slot (a plan in memory does not)", async () => {
    const folder = await folderOf(80);
    const fromFolder = slowBackend(30);
    await submit(
      await openPlanFolder(folder.dir),
      optionsFor(fromFolder, folder.dir, { concurrency: 4 }),
    );
    expect(fromFolder.batches).toHaveLength(8);
    expect(fromFolder.mostInFlight).toBe(2);

    const again = await folderOf(80);
    const inMemory = slowBackend(30);
    await submit(again.plan, optionsFor(inMemory, again.dir, { concurrency: 4 }));
    expect(inMemory.mostInFlight).toBe(4);
  });

  it("refuses a batch file edited before the submit: nothing is created", async () => {
    const folder = await folderOf(30);
    const file = await editLine(folder.dir, 2, 4);
    const backend = memoryBackend();
    const error = await submit(
      await openPlanFolder(folder.dir),
      optionsFor(backend, folder.dir),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "InputError" });
    expect((error as Error).message).toContain(file);
    expect((error as Error).message).toMatch(/was edited/);
    expect(backend.batches).toHaveLength(0);
  });

  it("refuses, on resume, a batch file edited after the submit began: nothing more is created", async () => {
    const folder = await folderOf(40);
    const backend = memoryBackend({ pollsToEnd: 1 });
    const stop = new AbortController();
    const first = await submit(
      await openPlanFolder(folder.dir),
      optionsFor(backend, folder.dir, {
        concurrency: 1,
        signal: stop.signal,
        onProgress: (e) => {
          if (e.type === "created") stop.abort();
        },
      }),
    );
    expect(first.status).toBe("interrupted");
    const created = backend.batches.length;
    expect(created).toBeLessThan(4);
    const before = await readFile(path.join(folder.dir, "run.json"), "utf8");
    // A batch not created yet, and one already created.
    for (const batch of [3, 0]) {
      const file = await editLine(folder.dir, batch);
      const error = await submit(
        await openPlanFolder(folder.dir),
        optionsFor(backend, folder.dir),
      ).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: "InputError" });
      expect((error as Error).message).toContain(file);
      expect(backend.batches).toHaveLength(created);
      await writeFile(
        file,
        (await readFile(file, "utf8")).replace('"max_tokens":9', '"max_tokens":8'),
      );
    }
    expect(await readFile(path.join(folder.dir, "run.json"), "utf8")).toBe(before);
    // Restored: the run resumes and ends, each batch created once.
    const resumed = await submit(await openPlanFolder(folder.dir), optionsFor(backend, folder.dir));
    expect(resumed.status).toBe("ended");
    expect(backend.batches.map((b) => b.tag).sort()).toEqual(
      [...new Set(backend.batches.map((b) => b.tag))].sort(),
    );
    expect(backend.batches).toHaveLength(4);
  });

  it("refuses a batch file edited during the run when its turn comes: never sent, left pending", async () => {
    const folder = await folderOf(40);
    const backend = memoryBackend({ pollsToEnd: 1 });
    let edited: Promise<string> | undefined;
    const error = await submit(
      await openPlanFolder(folder.dir),
      optionsFor(backend, folder.dir, {
        concurrency: 1,
        onProgress: (e) => {
          if (e.type === "created" && e.index === 0) edited = editLine(folder.dir, 3, 7);
        },
      }),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "InputError" });
    expect((error as Error).message).toContain(await edited);
    expect(backend.batches.map((b) => b.ids[0])).not.toContain("q30");
    const state = await readRunState(folder.dir);
    expect(state?.batches[3]?.state).toBe("pending");
    expect(state?.lastFailure?.code).toBe("invalid-input");
  });

  it("refuses with plan-changed a folder whose plan.json and batch file were both changed after the submit", async () => {
    const folder = await folderOf(20);
    const backend = memoryBackend({ pollsToEnd: 1 });
    await submit(await openPlanFolder(folder.dir), optionsFor(backend, folder.dir));
    const file = await editLine(folder.dir, 1);
    // plan.json made to agree with the edited file: the folder is a consistent, other plan.
    const opened: PlanFolder = await openPlanFolder(folder.dir);
    const hash = `sha256:${createHash("sha256")
      .update(await readFile(file))
      .digest("hex")}`;
    const planJson = path.join(folder.dir, "plan.json");
    await writeFile(
      planJson,
      (await readFile(planJson, "utf8")).replace(opened.plan.batches[1]!.contentHash!, hash),
    );
    await expect(
      submit(await openPlanFolder(folder.dir), optionsFor(backend, folder.dir)),
    ).rejects.toMatchObject({ name: "RunError", code: "plan-changed" });
    expect(backend.batches).toHaveLength(2);
  });

  it("refuses a planDir other than the folder opened", async () => {
    const folder = await folderOf(10);
    const other = await folderOf(10);
    await expect(
      submit(await openPlanFolder(folder.dir), optionsFor(memoryBackend(), other.dir)),
    ).rejects.toMatchObject({ name: "OptionsError" });
  });

  it("warns of a missed 1h window with the cost the plan in memory gives, reading the wave's custom_ids from its files", async () => {
    const folder = await planFolder(primedJob(2, 6));
    cleanups.push(folder.cleanup);
    // A stopped clock: wave 1 is created 90 simulated minutes after wave 0 (test/run/submit.test.ts).
    const target = await emulator({ timeScale: 0, sim: QUICK_SIM });
    const warnings: RunWarning[] = [];
    const moved = new Set<string>();
    const result = await submit(await openPlanFolder(folder.dir), {
      client: clientFor(target),
      planDir: folder.dir,
      poll: FAST_POLL,
      onProgress: (e) => {
        if (e.type === "warning") warnings.push(e.warning);
        if (e.type === "created" && e.wave === 0 && !moved.has(e.id)) {
          moved.add(e.id);
          target.advance(90 * 60_000);
        }
        if (e.type === "created" && e.wave === 1) target.advance(2 * 60 * 60_000);
      },
    });
    expect(result.status).toBe("ended");
    expect(warnings).toHaveLength(1);
    const [w] = warnings;
    if (w?.kind !== "window") throw new Error("expected a window warning");
    expect({ groups: w.groups, rewrites: w.rewrites, extraUsd: w.extraUsd }).toEqual(
      missedWindowCost(folder.plan, 1),
    );
    expect(w.groups).toBe(2);
  });

  it("runs a plan written before contentHash was recorded, and refuses its batch file edited after the submit (plan-changed)", async () => {
    const folder = await folderOf(30);
    const planJson = path.join(folder.dir, "plan.json");
    const old = JSON.parse(await readFile(planJson, "utf8"));
    for (const b of old.batches) delete b.contentHash;
    await writeFile(planJson, JSON.stringify(old, null, 2));
    const backend = memoryBackend({ pollsToEnd: 1 });
    const stop = new AbortController();
    await submit(
      await openPlanFolder(folder.dir),
      optionsFor(backend, folder.dir, {
        concurrency: 1,
        signal: stop.signal,
        onProgress: (e) => {
          if (e.type === "created") stop.abort();
        },
      }),
    );
    expect((await readRunState(folder.dir))?.plan).toBe(initialRunState(folder.plan, "x").plan);
    const created = backend.batches.length;
    await editLine(folder.dir, 2);
    await expect(
      submit(await openPlanFolder(folder.dir), optionsFor(backend, folder.dir)),
    ).rejects.toMatchObject({ name: "RunError", code: "plan-changed" });
    expect(backend.batches).toHaveLength(created);
  });
});

describe("a folder run's invariants (property)", () => {
  it("any batch sizes, queue, pace and concurrency: at most two creates hold requests, each batch once, within maxQueued, every result", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 3, max: 20 }),
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 6 }),
        async (n, perBatch, extra, pollsToEnd, concurrency) => {
          const folder = await planFolder(flatJob(n), { strategy: "none", maxRequests: perBatch });
          try {
            const maxQueued = Math.min(perBatch, n) + extra;
            const inner = memoryBackend({ pollsToEnd });
            const create = inner.create.bind(inner);
            let inFlight = 0;
            let most = 0;
            const backend: MemoryBackend = Object.assign(inner, {
              create: async (input: CreateInput, o: Parameters<MemoryBackend["create"]>[1]) => {
                most = Math.max(most, ++inFlight);
                try {
                  await new Promise((r) => setTimeout(r, 2));
                  return await create(input, o);
                } finally {
                  inFlight -= 1;
                }
              },
            });
            const result = await submit(await openPlanFolder(folder.dir), {
              backend,
              planDir: folder.dir,
              poll: { intervalMs: 1, maxIntervalMs: 2, factor: 1.5 },
              maxQueued,
              concurrency,
            });
            expect(result.status).toBe("ended");
            expect(most).toBeLessThanOrEqual(Math.min(2, concurrency));
            expect(inner.peak).toBeLessThanOrEqual(maxQueued);
            expect(inner.batches.map((b) => b.tag).sort()).toEqual(
              folder.plan.batches.map((b) => adoptionTag(result.state.plan, b.index)),
            );
            expect(result.state.plan).toBe(initialRunState(folder.plan, "x").plan);
            const { lines } = await resultsOnDisk(folder.dir);
            expect(lines.map((l) => l.custom_id).sort()).toEqual(plannedIds(folder.plan));
          } finally {
            await folder.cleanup();
          }
        },
      ),
      { numRuns: 10, seed: 1414 },
    );
  }, 120_000);
});
