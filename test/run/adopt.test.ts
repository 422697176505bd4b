/**
 * Lost create answers in-process (the emulator's opt-in `"lost-response"` fault: the batch is
 * created, the answer dropped): the adoption rule of `_adopt.ts`, `adopt` and `recreate`.
 */
import { describe, expect, it } from "vitest";
import { readRunState, submit } from "../../src/index.js";
import { clientFor, emulator, simpleRequest } from "../helpers/emulator.js";
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

const LOST = { rate: 1, kinds: ["lost-response"], routes: ["batches.create"] } as const;

describe("a create whose answer is lost", () => {
  it("is found by listing and adopted, never created again", async () => {
    const folder = await planFolder(primedJob(2, 8));
    cleanups.push(folder.cleanup);
    const target = await emulator({ timeScale: 1000, sim: QUICK_SIM, faults: LOST });
    const events = recorder();
    const result = await submit(folder.plan, {
      client: clientFor(target, { maxRetries: 2 }),
      planDir: folder.dir,
      poll: FAST_POLL,
      createSettleMs: 0,
      onProgress: events.on,
    });
    expect(result.status).toBe("ended");
    const stats = target.stats();
    expect(stats.lostResponses).toHaveLength(folder.plan.batches.length);
    expect(stats.batchesCreated).toBe(folder.plan.batches.length);
    const adopted = events.events.flatMap((e) => (e.type === "adopted" ? [e.id] : []));
    expect(adopted.sort()).toEqual(stats.lostResponses.map((l) => l.batchId).sort());
    const { lines } = await resultsOnDisk(folder.dir);
    expect(lines.map((l) => l.custom_id).sort()).toEqual(plannedIds(folder.plan));
  });

  it("survives a crash between create and record (simulated by an abort) and resumes", async () => {
    const folder = await planFolder(primedJob(1, 6));
    cleanups.push(folder.cleanup);
    const target = await emulator({ timeScale: 1000, sim: QUICK_SIM, faults: LOST });
    const client = clientFor(target);
    const controller = new AbortController();
    const first = await submit(folder.plan, {
      client,
      planDir: folder.dir,
      poll: FAST_POLL,
      concurrency: 1,
      signal: controller.signal,
      onProgress: (e) => {
        if (e.type === "retrying") controller.abort(); // the create's answer was lost
      },
    });
    expect(first.status).toBe("interrupted");
    expect((await readRunState(folder.dir))?.batches[0]?.state).toBe("creating");
    expect(target.stats().batchesCreated).toBe(1);

    target.setFaults(undefined);
    const events = recorder();
    const second = await submit(folder.plan, {
      client,
      planDir: folder.dir,
      poll: FAST_POLL,
      onProgress: events.on,
    });
    expect(second.status).toBe("ended");
    expect(events.events.find((e) => e.type === "adopted")).toMatchObject({ index: 0 });
    expect(target.stats().batchesCreated).toBe(folder.plan.batches.length);
    const { lines } = await resultsOnDisk(folder.dir);
    expect(lines.map((l) => l.custom_id).sort()).toEqual(plannedIds(folder.plan));
  });

  it('with `ambiguous: "stop"`, stops and asks when same-size batches are processing; later matches them by results', async () => {
    // One group of 16: wave 0 is the primer, wave 1 has 15 requests in 3 batches of 5.
    const folder = await planFolder(primedJob(1, 16), { maxRequests: 5 });
    cleanups.push(folder.cleanup);
    const wave1 = folder.plan.batches.filter((b) => b.wave === 1);
    expect(wave1.map((b) => b.requestCount)).toEqual([5, 5, 5]);
    const target = await emulator({ timeScale: 0, sim: QUICK_SIM });
    const client = clientFor(target);
    const poll = { ...FAST_POLL };
    let advanced = false;
    const error = await submit(folder.plan, {
      client,
      planDir: folder.dir,
      poll,
      createSettleMs: 0,
      ambiguous: "stop",
      onProgress: (e) => {
        // Wave 0 ends when time moves; wave 1's answers are then lost.
        if (e.type === "created" && e.wave === 0 && !advanced) {
          advanced = true;
          target.advance(10 * 60_000);
        }
        if (e.type === "results" && e.wave === 0) target.setFaults(LOST);
      },
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "RunError", code: "ambiguous-adoption" });
    expect(String((error as Error).message)).toMatch(/--adopt \d=msgbatch_/);
    expect(target.stats().batchesCreated).toBe(1 + wave1.length);

    // Once they have ended, their results' custom_ids tell them apart.
    target.setFaults(undefined);
    target.advance(60 * 60_000);
    const result = await submit(folder.plan, { client, planDir: folder.dir, poll });
    expect(result.status).toBe("ended");
    expect(result.state.batches.map((b) => "origin" in b && b.origin)).toEqual([
      "created",
      "results",
      "results",
      "results",
    ]);
    expect(target.stats().batchesCreated).toBe(folder.plan.batches.length);
    const { lines } = await resultsOnDisk(folder.dir);
    expect(lines.map((l) => l.custom_id).sort()).toEqual(plannedIds(folder.plan));
  });

  it("by default waits for same-size batches to end, then matches them by results", async () => {
    const folder = await planFolder(primedJob(1, 16), { maxRequests: 5 });
    cleanups.push(folder.cleanup);
    const target = await emulator({ timeScale: 0, sim: QUICK_SIM });
    const events = recorder();
    let advanced = false;
    const result = await submit(folder.plan, {
      client: clientFor(target),
      planDir: folder.dir,
      poll: FAST_POLL,
      createSettleMs: 0,
      onProgress: (e) => {
        events.on(e);
        if (e.type === "created" && e.wave === 0 && !advanced) {
          advanced = true;
          target.advance(10 * 60_000);
        }
        if (e.type === "results" && e.wave === 0) target.setFaults(LOST);
        if (e.type === "identifying") {
          target.setFaults(undefined);
          target.advance(60 * 60_000);
        }
      },
    });
    expect(result.status).toBe("ended");
    const identifying = events.events.filter((e) => e.type === "identifying");
    expect(identifying).toHaveLength(1);
    expect(identifying[0]).toMatchObject({ indexes: [1, 2, 3] });
    const adopted = events.events.flatMap((e) => (e.type === "adopted" ? [e.match] : []));
    expect(adopted).toEqual(["results", "results", "results"]);
    expect(target.stats().batchesCreated).toBe(folder.plan.batches.length);
    const { lines } = await resultsOnDisk(folder.dir);
    expect(lines.map((l) => l.custom_id).sort()).toEqual(plannedIds(folder.plan));
  });

  it("drops a batch adopted by its count whose results are not ours, and creates the batch", async () => {
    const folder = await planFolder(primedJob(1, 4));
    cleanups.push(folder.cleanup);
    const target = await emulator({
      timeScale: 1000,
      sim: QUICK_SIM,
      faults: { rate: 1, kinds: ["drop"], routes: ["batches.create"] },
    });
    const client = clientFor(target);
    const controller = new AbortController();
    await submit(folder.plan, {
      client,
      planDir: folder.dir,
      poll: FAST_POLL,
      signal: controller.signal,
      onProgress: (e) => {
        if (e.type === "retrying") controller.abort(); // the create never reached the API
      },
    });
    target.setFaults(undefined);
    expect(target.stats().batchesCreated).toBe(0);
    // Someone else's batch of the same size: the only candidate, so it is adopted by its count.
    await client.messages.batches.create({ requests: [simpleRequest("someone-else")] });
    const events = recorder();
    const result = await submit(folder.plan, {
      client,
      planDir: folder.dir,
      poll: FAST_POLL,
      onProgress: events.on,
    });
    expect(result.status).toBe("ended");
    expect(events.events.find((e) => e.type === "adopted")).toMatchObject({ match: "counts" });
    const recreating = events.events.find((e) => e.type === "recreating");
    expect(recreating).toMatchObject({
      index: 0,
      reason: expect.stringMatching(/none of the batch/),
    });
    expect(target.stats().batchesCreated).toBe(folder.plan.batches.length + 1);
    const { lines } = await resultsOnDisk(folder.dir);
    expect(lines.map((l) => l.custom_id).sort()).toEqual(plannedIds(folder.plan));
  });

  it("takes `adopt` (checked) and `recreate` from the user", async () => {
    const folder = await planFolder(primedJob(1, 4));
    cleanups.push(folder.cleanup);
    const target = await emulator({ timeScale: 0, sim: QUICK_SIM, faults: LOST });
    const client = clientFor(target);
    const primer = folder.plan.batches[0]!;
    const controller = new AbortController();
    await submit(folder.plan, {
      client,
      planDir: folder.dir,
      poll: FAST_POLL,
      signal: controller.signal,
      onProgress: (e) => {
        if (e.type === "retrying") controller.abort();
      },
    });
    target.setFaults(undefined);
    const lost = target.stats().lostResponses[0]!.batchId!;
    // A batch of the same size by someone else in the workspace: two candidates.
    const decoy = await client.messages.batches.create({
      requests: primer.requests.map((_, i) => simpleRequest(`decoy-${i}`)),
    });
    const options = { client, planDir: folder.dir, poll: FAST_POLL, ambiguous: "stop" } as const;
    await expect(submit(folder.plan, options)).rejects.toMatchObject({
      code: "ambiguous-adoption",
    });
    const wrongSize = await client.messages.batches.create({
      requests: [simpleRequest("x"), ...primer.requests.map((_, i) => simpleRequest(`y${i}`))],
    });
    await expect(
      submit(folder.plan, { ...options, adopt: { 0: wrongSize.id } }),
    ).rejects.toMatchObject({
      code: "bad-adoption",
    });
    expect(decoy.id).not.toBe(lost);

    const controller2 = new AbortController();
    const adopted = await submit(folder.plan, {
      ...options,
      adopt: { 0: lost },
      signal: controller2.signal,
      onProgress: (e) => {
        if (e.type === "adopted") controller2.abort();
      },
    });
    expect(adopted.state.batches[0]).toMatchObject({ id: lost, origin: "user" });

    // `recreate` on another lost create: a second batch is created on purpose.
    const again = await planFolder(primedJob(1, 3));
    cleanups.push(again.cleanup);
    target.setFaults(LOST);
    const controller3 = new AbortController();
    await submit(again.plan, {
      client,
      planDir: again.dir,
      poll: FAST_POLL,
      signal: controller3.signal,
      onProgress: (e) => {
        if (e.type === "retrying") controller3.abort();
      },
    });
    target.setFaults(undefined);
    const before = target.stats().batchesCreated;
    const events = recorder();
    const controller4 = new AbortController();
    await submit(again.plan, {
      client,
      planDir: again.dir,
      poll: FAST_POLL,
      recreate: true,
      signal: controller4.signal,
      onProgress: (e) => {
        events.on(e);
        if (e.type === "created") controller4.abort();
      },
    });
    expect(events.types()).toContain("recreating");
    expect(target.stats().batchesCreated).toBe(before + 1);
  });
});
