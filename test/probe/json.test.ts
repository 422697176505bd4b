/**
 * `cacheplan probe --json`: the price table (nothing sent) and the result validate against their
 * schemas in schemas/, and so does the calibration file the probe writes.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { Ajv } from "ajv";
import { afterEach, describe, expect, it } from "vitest";
import { tempDir } from "../helpers/cli.js";
import { closeEmulators, emulator } from "../helpers/emulator.js";
import { runCliEnv } from "../helpers/run-cli.js";
import { FAST_BATCHES, TEST_PROBE_SCALE } from "./_run.js";

afterEach(closeEmulators);

const root = path.resolve(import.meta.dirname, "../..");
const ajv = new Ajv({ allErrors: true, strict: true });
const validator = async (name: string) =>
  ajv.compile(JSON.parse(await readFile(path.join(root, "schemas", name), "utf8")));

describe("cacheplan probe --json", () => {
  it("prints the price table and the result as schemas/probe-*.schema.json describe them", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const e = await emulator({ timeScale: TEST_PROBE_SCALE, sim: FAST_BATCHES });
      const argv = [
        "probe",
        "--model",
        "claude-haiku-4-5",
        "--out",
        "p",
        "--base-url",
        e.url,
        "--json",
      ];
      const preview = await runCliEnv(argv, dir, {});
      expect(preview.code).toBe(1);
      const costOk = await validator("probe-cost-output.schema.json");
      expect(costOk(JSON.parse(preview.stdout)), JSON.stringify(costOk.errors)).toBe(true);

      const run = await runCliEnv([...argv, "--yes"], dir, {});
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toBe(""); // --json: no progress lines
      const result = JSON.parse(run.stdout);
      const resultOk = await validator("probe-output.schema.json");
      expect(resultOk(result), JSON.stringify(resultOk.errors)).toBe(true);
      expect(result.status).toBe("complete");
      const calibrationOk = await validator("probe-calibration.schema.json");
      const file = JSON.parse(await readFile(path.join(dir, "p", "calibration.json"), "utf8"));
      expect(calibrationOk(file), JSON.stringify(calibrationOk.errors)).toBe(true);
      expect(file).toEqual(result.calibration);
      expect(result.calibrationFile).toBe(path.join("p", "calibration.json"));
      expect(Object.keys(file.cache.measured)).not.toContain("cacheable");
      // The schemas can fail: a missing field, a field too many, a rate out of range.
      const { spentUsd: _spent, ...withoutSpent } = result;
      expect(resultOk(withoutSpent)).toBe(false);
      expect(resultOk({ ...result, extra: 1 })).toBe(false);
      const bad = structuredClone(file);
      bad.cache.batchReadRate = 1.5;
      expect(calibrationOk(bad)).toBe(false);
    } finally {
      await cleanup();
    }
  }, 60_000);
});
