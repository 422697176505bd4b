/** Runs a probe against a fresh in-process emulator with known cache-model parameters. */
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Emulator, EmulatorSimParams } from "../../src/index.js";
import { probe } from "../../src/probe/probe.js";
import type { ProbeOptions, ProbeResult } from "../../src/probe/types.js";
import { clientFor, emulator } from "../helpers/emulator.js";

/**
 * Simulated ms per real ms for the probe's emulators: 1 simulated hour is 18 real seconds, so the
 * primer's 1h entry outlives the runner's polls between the waves even on a loaded machine (at
 * 1000 it lived 3.6 real seconds, and a slow poll let it expire).
 */
export const TEST_PROBE_SCALE = 200;

/** Fast batches: each starts 30 simulated seconds after its creation. */
export const FAST_BATCHES: EmulatorSimParams = { startDelayMs: 30_000, startDelayJitterMs: 0 };

export async function probeEmulator(
  sim: EmulatorSimParams,
  options: {
    seed?: number;
    timeScale?: number;
    probe?: Partial<ProbeOptions>;
    emulator?: Emulator;
    dir?: string;
  } = {},
): Promise<ProbeResult & { dir: string; emulator: Emulator }> {
  const e =
    options.emulator ??
    (await emulator({
      sim: { ...FAST_BATCHES, ...sim },
      seed: options.seed ?? 1,
      timeScale: options.timeScale ?? TEST_PROBE_SCALE,
    }));
  const dir =
    options.dir ?? path.join(await mkdtemp(path.join(os.tmpdir(), "cacheplan-probe-")), "probe");
  const result = await probe({
    client: clientFor(e, { maxRetries: 2 }),
    model: "claude-haiku-4-5",
    out: dir,
    nonce: `seed${options.seed ?? 1}`,
    maxUsd: 5,
    submit: { poll: { intervalMs: 10 } },
    ...options.probe,
  });
  return { ...result, dir, emulator: e };
}

/** A measurement of a result, by id. */
export function measurement(result: ProbeResult, id: string) {
  const m = result.measurements.find((x) => x.id === id);
  if (!m) throw new Error(`no measurement ${id}`);
  return m;
}
