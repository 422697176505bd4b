/**
 * Money and resumption: the cap is never crossed (a stage whose worst case could cross it is
 * not started, and the probe says so), and a probe stopped anywhere resumes from its folder
 * without sending anything twice.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { probeCost } from "../../src/probe/probe.js";
import { closeEmulators } from "../helpers/emulator.js";
import { probeEmulator } from "./_run.js";

afterEach(closeEmulators);

const MODEL = "claude-haiku-4-5";

describe("probe cap", () => {
  it("does not start the batch steps when their worst case is over the cap", async () => {
    const result = await probeEmulator({}, { probe: { maxUsd: 0.01 } });
    expect(result.status).toBe("capped");
    expect(result.stopped).toMatch(/over the cap of \$0\.01: not started/);
    expect(result.spentUsd).toBe(0);
    const { requests, batchesCreated } = result.emulator.stats();
    expect(batchesCreated).toBe(0);
    expect(requests["messages.create"]).toBe(0); // count_tokens only (free)
    expect(result.measurements.every((m) => m.verdict === "not-measured")).toBe(true);
  });

  it("stops the timed reads before the one that could cross the cap, and spends no more", async () => {
    const long = { visibility: true, ttls: [] } as const;
    // The prefix size the emulator counts (a capped probe sizes its prefixes, then stops).
    const { prefixTokens } = await probeEmulator({}, { probe: { maxUsd: 0.01 } });
    const cost = probeCost(MODEL, { long, prefixTokens });
    const batches = cost.lines.filter((l) => l.step !== "d").reduce((s, l) => s + l.highUsd, 0);
    const point = cost.lines.find((l) => l.step === "d")!.highUsd;
    const maxUsd = batches + 2.5 * point;
    // No batch read: the batch steps spend their worst case, leaving room for two timed pairs.
    const result = await probeEmulator(
      { startDelayMs: 1_000, batchReadRate: 0 },
      { timeScale: 10, probe: { long, maxUsd } },
    );
    expect(result.status).toBe("capped");
    expect(result.spentUsd).toBeLessThanOrEqual(maxUsd);
    const state = JSON.parse(await readFile(path.join(result.dir, "probe.json"), "utf8"));
    const reads = Object.keys(state.calls).filter((id) => /^d-vis-\d-read$/.test(id));
    // Some pairs ran, not all, and it stopped only because the next one could cross the cap.
    expect(reads.length).toBeGreaterThanOrEqual(2);
    expect(reads.length).toBeLessThan(4);
    expect(result.spentUsd + point).toBeGreaterThan(maxUsd);
    expect(result.measurements.find((m) => m.id === "visibility-delay")?.verdict).not.toBe(
      "not-measured",
    );
  });
});

describe("probe resume", () => {
  it("stopped after its first batch was created, resumes without creating or writing twice", async () => {
    const controller = new AbortController();
    const first = await probeEmulator(
      {},
      {
        probe: {
          signal: controller.signal,
          onProgress: (event) => {
            if (event.type === "run" && event.event.type === "created") controller.abort();
          },
        },
      },
    );
    expect(first.status).toBe("interrupted");
    const before = first.emulator.stats();
    expect(before.batchesCreated).toBeGreaterThanOrEqual(1);
    expect(before.batchesCreated).toBeLessThan(4);
    const second = await probeEmulator({}, { emulator: first.emulator, dir: first.dir });
    expect(second.status).toBe("complete");
    const after = second.emulator.stats();
    expect(after.batchesCreated).toBe(4);
    expect(after.requests["messages.create"]).toBe(1); // the synchronous write, once
    expect(second.measurements.find((m) => m.id === "primer-hit-rate")?.rate).toMatchObject({
      hits: 16,
      n: 16,
    });
  });

  it("refuses a target without a probe design, naming those with one", async () => {
    await expect(probeEmulator({}, { probe: { target: "bedrock" } })).rejects.toMatchObject({
      code: "invalid-options",
      message: expect.stringMatching(
        /"bedrock" has no probe design yet; probes exist for anthropic/,
      ),
    });
  });

  it("refuses a folder of another probe, and one that is not a probe's", async () => {
    const done = await probeEmulator({}, { probe: { maxUsd: 0.01 } });
    await expect(
      probeEmulator({}, { emulator: done.emulator, dir: done.dir, probe: { k: 8, maxUsd: 0.01 } }),
    ).rejects.toMatchObject({
      code: "probe-mismatch",
      message: expect.stringMatching(/k 16, not 8/),
    });
    const foreign = path.join(path.dirname(done.dir), "notes");
    await mkdir(foreign);
    await writeFile(path.join(foreign, "mine.txt"), "not a probe");
    await expect(
      probeEmulator({}, { emulator: done.emulator, dir: foreign }),
    ).rejects.toMatchObject({ code: "probe-folder" });
    expect(await readFile(path.join(foreign, "mine.txt"), "utf8")).toBe("not a probe");
  });
});

describe("probe stopped during a synchronous call", () => {
  it("ends interrupted (not failed) and resumes to complete", async () => {
    const controller = new AbortController();
    const first = await probeEmulator(
      {},
      {
        probe: {
          signal: controller.signal,
          onProgress: (event) => {
            // The synchronous write is in flight right after this event.
            if (event.type === "stage" && event.stage === "sync-write") controller.abort();
          },
        },
      },
    );
    expect(first.status).toBe("interrupted");
    expect(first.emulator.stats().batchesCreated).toBe(0);
    const second = await probeEmulator({}, { emulator: first.emulator, dir: first.dir });
    expect(second.status).toBe("complete");
    expect(second.emulator.stats().batchesCreated).toBe(4);
  });
});
