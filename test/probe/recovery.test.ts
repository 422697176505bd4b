/**
 * The probe as an estimator: against the emulator, whose cache-model parameters the test sets,
 * the probe's stated 95% intervals must contain the configured values, over several seeds and
 * parameter settings. Deterministic quantities (a concurrency with every later reader reading,
 * a rate of exactly 0 or 1) must be recovered every time; random ones (a read probability) in at
 * least 85% of the runs (a 95% interval that covered less would be a broken interval).
 */
import { afterEach, describe, expect, it } from "vitest";
import type { RateEstimate } from "../../src/probe/types.js";
import { closeEmulators } from "../helpers/emulator.js";
import { measurement, probeEmulator } from "./_run.js";

afterEach(closeEmulators);

const K = 16;
const SEEDS = [1, 2, 3, 4, 5, 6];

interface Setting {
  concurrency: number;
  batchReadRate: number;
  syncToBatchVisibility: number;
}

const SETTINGS: Setting[] = [
  { concurrency: 64, batchReadRate: 1, syncToBatchVisibility: 0 },
  { concurrency: 4, batchReadRate: 1, syncToBatchVisibility: 0 },
  { concurrency: 4, batchReadRate: 0.7, syncToBatchVisibility: 0.4 },
  { concurrency: 8, batchReadRate: 0.9, syncToBatchVisibility: 0 },
  { concurrency: 64, batchReadRate: 0.5, syncToBatchVisibility: 0.16 },
];

/** Expected cold hit rate: the first min(k, c) write, each later one reads with the read rate. */
const coldRate = (s: Setting) => (Math.max(0, K - s.concurrency) * s.batchReadRate) / K;

const inside = (r: RateEstimate | undefined, x: number) =>
  r !== undefined && r.low - 1e-9 <= x && x <= r.high + 1e-9;

/** Rows of the recovered-vs-configured table (printed with PROBE_TABLE=1 for the README). */
const rows: string[] = [];

describe("probe recovers the emulator's cache-model parameters", () => {
  let covered = 0;
  let total = 0;
  for (const setting of SETTINGS) {
    it(`concurrency ${setting.concurrency}, batch read rate ${setting.batchReadRate}, sync visibility ${setting.syncToBatchVisibility}, ${SEEDS.length} seeds`, async () => {
      for (const seed of SEEDS) {
        const result = await probeEmulator(setting, { seed });
        expect(result.status).toBe("complete");
        const cold = measurement(result, "cold-hit-rate").rate;
        const primer = measurement(result, "primer-hit-rate").rate;
        const sync = measurement(result, "sync-to-batch").rate;
        // Deterministic: with every later request reading, the cold batch's writes are the concurrency.
        if (setting.batchReadRate === 1 && setting.concurrency < K) {
          expect(result.calibration.cache?.concurrency).toBe(setting.concurrency);
        }
        if (setting.batchReadRate === 1) expect(primer?.hits).toBe(primer?.n);
        if (setting.syncToBatchVisibility === 0 && setting.concurrency >= K) {
          expect(sync?.hits).toBe(0);
        }
        const checks: Array<[RateEstimate | undefined, number]> = [
          [cold, coldRate(setting)],
          [primer, setting.batchReadRate],
          [sync, setting.syncToBatchVisibility],
        ];
        for (const [rate, truth] of checks) {
          total += 1;
          if (inside(rate, truth)) covered += 1;
        }
        const show = (r: RateEstimate | undefined) =>
          r ? `${r.value?.toFixed(2)} [${r.low.toFixed(2)}, ${r.high.toFixed(2)}]` : "—";
        rows.push(
          `| ${setting.concurrency} / ${setting.batchReadRate} / ${setting.syncToBatchVisibility} | ${seed} | ${coldRate(setting).toFixed(2)} | ${show(cold)} | ${show(primer)} | ${show(sync)} | ${result.calibration.cache?.concurrency ?? "—"} |`,
        );
      }
    }, 120_000);
  }

  it("covers the configured values in at least 85% of the runs", () => {
    if (process.env.PROBE_TABLE) console.log(rows.join("\n"));
    expect(total).toBe(SETTINGS.length * SEEDS.length * 3);
    expect(covered / total).toBeGreaterThanOrEqual(0.85);
  });
});
