/**
 * `long`: timed synchronous pairs bound the visibility delay and the TTLs. Against the emulator
 * with known `visibilityDelayMs` and `ttlMs`, the stated bounds must contain the configured
 * values. The emulator's clock runs faster than real time (its scale is read from its answers);
 * the probe's bounds are computed from the times it measured, so they stay valid at any scale.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { ProbeMeasurement } from "../../src/probe/types.js";
import { closeEmulators } from "../helpers/emulator.js";
import { measurement, probeEmulator } from "./_run.js";

afterEach(closeEmulators);

function within(m: ProbeMeasurement, truth: number) {
  const { lowMs, highMs } = m.bounds!;
  // PROBE_TABLE=1 prints the recovered-vs-configured rows for the README.
  if (process.env.PROBE_TABLE)
    console.log(
      `| ${m.id} | ${truth} | (${lowMs?.toFixed(0) ?? "—"}, ${highMs?.toFixed(0) ?? "—"}] | ${m.verdict} |`,
    );
  expect(lowMs === null || lowMs < truth, `${m.id}: ${lowMs} < ${truth}`).toBe(true);
  expect(highMs === null || truth <= highMs, `${m.id}: ${truth} ≤ ${highMs}`).toBe(true);
}

describe("probe --long", () => {
  for (const delay of [0, 2_000, 5_000]) {
    it(`bounds a visibility delay of ${delay} ms`, async () => {
      // 10 simulated ms per real ms: even a first call slowed to 100 real ms (cold start, load)
      // is one simulated second; batches start 1 simulated second after their creation.
      const result = await probeEmulator(
        { visibilityDelayMs: delay, startDelayMs: 1_000 },
        { timeScale: 10, probe: { long: { visibility: true, ttls: [] } } },
      );
      const m = measurement(result, "visibility-delay");
      within(m, delay);
      // A miss after the write returned contradicts "readable once the response starts"; with no
      // delay every read hits. (A 2 s or 5 s delay is missed by the 0 s read at any load.)
      expect(m.verdict, JSON.stringify(m)).toBe(delay === 0 ? "consistent" : "contradicts");
      if (delay > 0) {
        expect(result.calibration.cache?.visibilityDelayMs).toBeGreaterThanOrEqual(delay);
      } else expect(result.calibration.cache?.visibilityDelayMs).toBeUndefined();
    }, 60_000);
  }

  // A call of ~10 real ms under load is 20 simulated s at scale 2000 and 6 s at 600: the shorter
  // TTLs run at 600 so that their bounds can fall below the documented lifetime.
  for (const [ttl5m, ttl1h, timeScale] of [
    [300_000, 3_600_000, 600],
    [180_000, 2_400_000, 600],
  ] as const) {
    it(`bounds TTLs of ${ttl5m / 60_000} min and ${ttl1h / 60_000} min`, async () => {
      const result = await probeEmulator(
        { ttlMs: { "5m": ttl5m, "1h": ttl1h } },
        { timeScale, probe: { long: { visibility: false, ttls: ["5m", "1h"] } } },
      );
      const five = measurement(result, "ttl-5m");
      const hour = measurement(result, "ttl-1h");
      within(five, ttl5m);
      within(hour, ttl1h);
      // The verdict follows the bounds: gone within less than the documented lifetime is a
      // contradiction. (Under heavy load a late read can widen the bounds past it; the bounds
      // above still hold, and the verdict must then say "consistent".)
      for (const [m, life] of [
        [five, 300_000],
        [hour, 3_600_000],
      ] as const) {
        const short = m.bounds!.highMs !== null && m.bounds!.highMs < life;
        expect(m.verdict).toBe(short ? "contradicts" : "consistent");
      }
      const documented = ttl5m === 300_000;
      if (documented) {
        expect(five.verdict).toBe("consistent");
        expect(hour.verdict).toBe("consistent");
        expect(result.calibration.cache?.ttlMs).toBeUndefined();
      } else {
        // The figure written: the longest lifetime seen alive (below the true one), or without
        // one the bound the entry was seen gone by.
        for (const [m, ttl] of [
          [five, "5m"],
          [hour, "1h"],
        ] as const) {
          const { lowMs, highMs } = m.bounds!;
          // Written only where the verdict contradicts the model (a load-widened "consistent"
          // leaves the documented lifetime in place).
          expect(result.calibration.cache?.ttlMs?.[ttl]).toBe(
            m.verdict === "contradicts" ? Math.round(lowMs ?? highMs!) : undefined,
          );
        }
      }
    }, 60_000);
  }
});
