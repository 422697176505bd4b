/**
 * The calibration file, version 2: read back (version 1 still read), and fed to the planner and
 * to the estimate's simulation, where a measured parameter moves the figures the way it should.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createTiktokenCounter } from "../../src/exports/tokens.js";
import type { EstimateCalibration } from "../../src/index.js";
import {
  estimate,
  mergeCalibration,
  parseCalibration,
  plan,
  planOptionsFromCalibration,
  prepareTokens,
  sampleRequests,
  simParamsFromCalibration,
  simulate,
} from "../../src/index.js";
import { closeEmulators } from "../helpers/emulator.js";
import { probeEmulator } from "./_run.js";

afterEach(closeEmulators);

const V1 = {
  version: 1,
  counter: "tiktoken-estimate",
  models: {
    "claude-opus-5-5": {
      requests: 14,
      actualInputTokens: 16210,
      estimatedInputTokens: 15540,
      factor: 1.0431,
    },
  },
};
const cache = (extra: object) => ({
  source: "probe",
  model: "claude-haiku-4-5",
  measuredAt: "2026-12-01T21:00:00.000Z",
  ...extra,
});

describe("parseCalibration", () => {
  it("reads version 1 as report --write-calibration writes it, and version 2 with a cache section", () => {
    expect(parseCalibration(V1, "cal.json")).toEqual(V1);
    const v2 = {
      ...V1,
      version: 2,
      cache: cache({ concurrency: 4, batchReadRate: 0.5, ttlMs: { "1h": 1_800_000 } }),
    };
    expect(parseCalibration(v2, "cal.json")).toEqual(v2);
  });

  it.each([
    [{ ...V1, version: 3 }, /`version` is 3, and this cacheplan reads 1 and 2/],
    [{ ...V1, cache: cache({}) }, /a version 1 file has no `cache` section/],
    [
      { ...V1, version: 2, cache: cache({ batchReadRate: 1.2 }) },
      /`cache.batchReadRate` must be a probability from 0 to 1; got 1.2/,
    ],
    [
      { ...V1, version: 2, cache: cache({ concurrency: 0 }) },
      /`cache.concurrency` must be an integer ≥ 1; got 0/,
    ],
    [{ ...V1, version: 2, cache: cache({ ttlMs: { "2h": 5 } }) }, /`cache.ttlMs.2h` must be a TTL/],
    [{ version: 2, models: {} }, /`counter` is missing/],
    [[], /not a JSON object/],
  ])("says what is wrong with %j", (value, message) => {
    expect(() => parseCalibration(value, "cal.json")).toThrow(message);
    expect(() => parseCalibration(value, "cal.json")).toThrow(
      /`cal.json` is not a calibration file/,
    );
  });
});

describe("a calibration feeds the planner and the estimate", () => {
  const calibration = (extra: object): EstimateCalibration =>
    parseCalibration({ version: 2, counter: "count_tokens", models: {}, cache: cache(extra) }, "c");

  it("maps the measured parameters to SimParams and the planner's concurrency (an explicit one wins)", () => {
    const c = calibration({
      concurrency: 3,
      batchReadRate: 0.8,
      syncToBatchVisibility: 0.1,
      visibilityDelayMs: 500,
      ttlMs: { "5m": 200_000 },
    });
    expect(simParamsFromCalibration(c)).toEqual({
      concurrency: 3,
      batchReadRate: 0.8,
      syncToBatchVisibility: 0.1,
      visibilityDelayMs: 500,
      ttlMs: { "5m": 200_000 },
    });
    expect(planOptionsFromCalibration(c, {})).toEqual({ concurrency: 3 });
    expect(planOptionsFromCalibration(c, { concurrency: 64 })).toEqual({ concurrency: 64 });
    expect(planOptionsFromCalibration({ ...c, cache: cache({}) as never }, {})).toEqual({});
  });

  it("a probe that measured best-effort batch reads raises the planned cost; an explicit simParams wins", async () => {
    const probed = await probeEmulator({ batchReadRate: 0.5 }, { seed: 3 });
    const measured = probed.calibration.cache?.batchReadRate;
    expect(measured).toBeGreaterThan(0.2);
    expect(measured).toBeLessThan(0.8);
    const planned = await plan(sampleRequests());
    const usd = async (options: Parameters<typeof estimate>[1]) =>
      (await estimate(planned, { sensitivity: false, ...options })).total.scenarios.planned.usd;
    const base = await usd({});
    const withProbe = await usd({ calibration: parseCalibration(probed.calibration, "c") });
    expect(withProbe).toBeGreaterThan(base * 1.5);
    const overridden = await usd({
      calibration: parseCalibration(probed.calibration, "c"),
      simParams: { batchReadRate: 1 },
    });
    expect(overridden).toBeCloseTo(base, 10);
  }, 60_000);

  it("simulate() takes the measured parameters: a 1h lifetime shorter than a wave lowers the hit rate", async () => {
    const planned = await plan(sampleRequests());
    const tokensOf = await prepareTokens(planned, createTiktokenCounter());
    const base = simulate(planned, { tokensOf });
    const short = simulate(planned, {
      tokensOf,
      ...simParamsFromCalibration(calibration({ ttlMs: { "1h": 60_000 } })),
    });
    expect(short.totals.tokenHitRate).toBeLessThan(base.totals.tokenHitRate * 0.6);
  }, 60_000);

  it("a 1h lifetime shorter than the waves raises the planned cost; a higher cold concurrency changes nothing for primed groups", async () => {
    const planned = await plan(sampleRequests());
    const usd = async (c?: EstimateCalibration) =>
      (await estimate(planned, { sensitivity: false, ...(c ? { calibration: c } : {}) })).total
        .scenarios.planned.usd;
    const base = await usd();
    expect(await usd(calibration({ ttlMs: { "1h": 60_000 } }))).toBeGreaterThan(base * 1.5);
    expect(await usd(calibration({ concurrency: 128 }))).toBeCloseTo(base, 10);
  }, 60_000);
});

describe("report --write-calibration over a probe's file", () => {
  it("keeps the probe's cache section (version 2) and takes the report's token factors", () => {
    const probeFile = {
      version: 2,
      counter: "count_tokens",
      models: {},
      cache: cache({ concurrency: 4 }),
    };
    const measured = { version: 1 as const, counter: V1.counter, models: V1.models };
    expect(mergeCalibration(probeFile, measured)).toEqual({
      version: 2,
      counter: V1.counter,
      models: V1.models,
      cache: probeFile.cache,
    });
    expect(mergeCalibration(undefined, measured)).toEqual(measured);
    expect(mergeCalibration(V1, measured)).toEqual(measured);
    expect(parseCalibration(mergeCalibration(probeFile, measured), "c").cache?.concurrency).toBe(4);
  });
});
