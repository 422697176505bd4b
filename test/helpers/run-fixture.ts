/**
 * A plan folder with a hand-written `run.json` in every batch state, for the `status` golden
 * transcript: built in a temp folder (fixed ids and times, fingerprints computed from the plan),
 * so the transcript is the same on every machine.
 */
import { rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { RunState } from "../../src/index.js";
import { batchFingerprint, planFingerprint } from "../../src/run/state.js";
import { planFolder, primedJob } from "./run-job.js";

const counts = (c: Partial<Record<"succeeded" | "errored" | "canceled" | "expired", number>>) => ({
  processing: 0,
  succeeded: c.succeeded ?? 0,
  errored: c.errored ?? 0,
  canceled: c.canceled ?? 0,
  expired: c.expired ?? 0,
});

/**
 * `root/plan`: 2 groups of 4 (one primer batch of 2, then 3 batches of 2), with a run in which
 * batch 0 is downloaded, batch 1 downloaded with an error and a missing result, batch 2 still in
 * progress and batch 3's create in doubt. Also `root/fresh`: a plan never submitted.
 */
export async function statusFixture(): Promise<{ root: string; cleanup: () => Promise<void> }> {
  const folder = await planFolder(primedJob(2, 4), { maxRequests: 2 });
  const { plan, dir, root } = folder;
  const prints = plan.batches.map((b) => batchFingerprint(b.requests));
  const ids = plan.batches.map((b) => b.requests.map((r) => r.custom_id));
  const base = (i: number) => ({
    index: i,
    wave: plan.batches[i]!.wave,
    requestCount: plan.batches[i]!.requestCount,
    fingerprint: prints[i]!,
  });
  const created = (i: number, minute: number) => ({
    ...base(i),
    id: `msgbatch_01Fixture${String(i).padStart(15, "0")}`,
    created_at: `2026-11-22T10:${String(minute).padStart(2, "0")}:00.000Z`,
    expires_at: `2026-11-23T10:${String(minute).padStart(2, "0")}:00.000Z`,
    origin: "created" as const,
  });
  const tokens = { input: 40, cacheWrite5m: 1000, cacheWrite1h: 2000, cacheRead: 0, output: 30 };
  const state: RunState = {
    version: 1,
    plan: planFingerprint(prints),
    startedAt: "2026-11-22T10:00:00.000Z",
    updatedAt: "2026-11-22T10:31:07.000Z",
    canceledAt: null,
    waves: [
      {
        wave: 0,
        listedBefore: null,
        startedAt: "2026-11-22T10:00:00.000Z",
        firstCreatedAt: "2026-11-22T10:00:00.000Z",
        endedAt: "2026-11-22T10:12:30.000Z",
      },
      {
        wave: 1,
        listedBefore: "msgbatch_01Fixture000000000000000",
        startedAt: "2026-11-22T10:13:00.000Z",
        firstCreatedAt: "2026-11-22T10:13:00.000Z",
        endedAt: null,
      },
    ],
    batches: [
      {
        ...created(0, 0),
        state: "downloaded",
        ended_at: "2026-11-22T10:12:30.000Z",
        request_counts: counts({ succeeded: 2 }),
        results: {
          file: `results/0000-${created(0, 0).id}.jsonl`,
          lines: 2,
          byType: { succeeded: 2, errored: 0, canceled: 0, expired: 0 },
          errors: {},
          missing: [],
          unexpected: 0,
          tokens,
          downloadedAt: "2026-11-22T10:12:40.000Z",
        },
      },
      {
        ...created(1, 13),
        state: "downloaded",
        ended_at: "2026-11-22T10:29:00.000Z",
        request_counts: counts({ errored: 1 }),
        results: {
          file: `results/0001-${created(1, 13).id}.jsonl`,
          lines: 1,
          byType: { succeeded: 0, errored: 1, canceled: 0, expired: 0 },
          errors: { overloaded_error: 1 },
          missing: [ids[1]![1]!],
          unexpected: 0,
          tokens: { input: 0, cacheWrite5m: 0, cacheWrite1h: 0, cacheRead: 0, output: 0 },
          downloadedAt: "2026-11-22T10:29:05.000Z",
        },
      },
      {
        ...created(2, 13),
        state: "submitted",
        processing_status: "in_progress",
        cancel_initiated_at: null,
      },
      { ...base(3), state: "creating", intentAt: "2026-11-22T10:13:01.000Z", attempts: 1 },
    ],
  };
  await writeFile(path.join(dir, "run.json"), `${JSON.stringify(state, null, 2)}\n`);
  const fresh = await planFolder(primedJob(1, 3));
  await rename(fresh.dir, path.join(root, "fresh"));
  await rm(fresh.root, { recursive: true, force: true });
  return { root, cleanup: folder.cleanup };
}
