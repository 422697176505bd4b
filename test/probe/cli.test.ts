/**
 * `cacheplan probe`: money first (the price table, nothing sent without `--yes`, a cap the batch
 * steps cannot fit refused), against `cacheplan emulate`'s engine with no key, the calibration it
 * writes read back by `estimate --calibration` and `plan --calibration`.
 */
import { access, readFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { tempDir } from "../helpers/cli.js";
import { closeEmulators, emulator } from "../helpers/emulator.js";
import { runCliEnv } from "../helpers/run-cli.js";
import { FAST_BATCHES, TEST_PROBE_SCALE } from "./_run.js";

afterEach(closeEmulators);

const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );

describe("cacheplan probe", () => {
  it("without --yes prints the price table, sends nothing and exits 1", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const e = await emulator();
      const argv = ["probe", "--model", "claude-haiku-4-5", "--out", "p", "--base-url", e.url];
      const run = await runCliEnv(argv, dir, {});
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/cold batch of 16/);
      expect(run.stdout).toMatch(/total\s+\$\d/);
      expect(run.stderr).toMatch(/Nothing sent\. Run again with `--yes`/);
      expect(Object.values(e.stats().requests).reduce((a, b) => a + b, 0)).toBe(0);
      expect(await exists(path.join(dir, "p"))).toBe(false);
    } finally {
      await cleanup();
    }
  });

  it("refuses, before sending anything, a cap the batch steps could cross", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const e = await emulator();
      const argv = [
        "probe",
        "--model",
        "claude-opus-4-6",
        "--out",
        "p",
        "--yes",
        "--base-url",
        e.url,
      ];
      const run = await runCliEnv([...argv, "--max-usd", "0.05"], dir, {});
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(
        /could cost \$[\d.]+, over `--max-usd 0.05`: raise it or lower `--k`/,
      );
      expect(Object.values(e.stats().requests).reduce((a, b) => a + b, 0)).toBe(0);
    } finally {
      await cleanup();
    }
  });

  it("needs a key for anything but an emulator on this machine", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const argv = ["probe", "--model", "claude-haiku-4-5", "--out", "p", "--yes"];
      const run = await runCliEnv([...argv, "--base-url", "https://api.example.invalid"], dir, {});
      expect(run.code).toBe(3);
      expect(run.stderr).toMatch(/ANTHROPIC_API_KEY/);
      expect(await exists(path.join(dir, "p"))).toBe(false);
    } finally {
      await cleanup();
    }
  });

  it("--yes against the emulator with no key measures, writes the calibration, and estimate and plan use it", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      // The emulator runs a batch's requests one at a time: each reads the one before's write.
      const e = await emulator({
        timeScale: TEST_PROBE_SCALE,
        sim: { ...FAST_BATCHES, concurrency: 1 },
      });
      const argv = [
        "probe",
        "--model",
        "claude-haiku-4-5",
        "--out",
        "p",
        "--yes",
        "--base-url",
        e.url,
      ];
      const run = await runCliEnv([...argv, "--write-calibration", "cal.json"], dir, {});
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(
        /Cold batch: requests reading each other's writes \(k = 16\): 94% \(95%: 72%–99%\) \[CONTRADICTS THE MODEL\]/,
      );
      expect(run.stdout).toMatch(/measured: {3}15 of 16 read, 1 wrote/);
      expect(run.stdout).toMatch(/calibration sets concurrency 1/);
      expect(run.stdout).toMatch(
        /Primer batch, then 16 readers in the next batch: 100% \(95%: 81%–100%\) \[consistent\]/,
      );
      const file = JSON.parse(await readFile(path.join(dir, "p", "calibration.json"), "utf8"));
      expect(file).toMatchObject({
        version: 2,
        models: {},
        cache: { source: "probe", model: "claude-haiku-4-5", concurrency: 1 },
      });
      // Measured as the model assumes: not written, so the defaults stay.
      expect(file.cache.batchReadRate).toBeUndefined();
      expect(file.cache.syncToBatchVisibility).toBeUndefined();
      expect(JSON.parse(await readFile(path.join(dir, "cal.json"), "utf8"))).toEqual(file);

      // plan: with concurrency 1 a cold group writes once, so priming no longer pays.
      const plain = JSON.parse((await runCliEnv(["plan", "--sample", "--json"], dir, {})).stdout);
      const calibrated = JSON.parse(
        (await runCliEnv(["plan", "--sample", "--json", "--calibration", "cal.json"], dir, {}))
          .stdout,
      );
      const modes = (p: { groups: Array<{ breakpoints: Array<{ mode: string }> }> }) =>
        new Set(p.groups.flatMap((g) => g.breakpoints.map((b) => b.mode)));
      expect(modes(plain)).toEqual(new Set(["primed"]));
      expect(modes(calibrated)).toEqual(new Set(["cold"]));
      expect(calibrated.options.concurrency).toBe(1);
      // --concurrency given on the command line wins over the calibration.
      const explicit = JSON.parse(
        (
          await runCliEnv(
            ["plan", "--sample", "--json", "--calibration", "cal.json", "--concurrency", "64"],
            dir,
            {},
          )
        ).stdout,
      );
      expect(modes(explicit)).toEqual(new Set(["primed"]));

      // estimate: the calibrated plan and simulation; the note says where the figures come from.
      const est = async (extra: string[]) =>
        JSON.parse((await runCliEnv(["estimate", "--sample", "--json", ...extra], dir, {})).stdout);
      const before = await est([]);
      const after = await est(["--calibration", "cal.json"]);
      expect(after.total.scenarios.planned.usd).toBeLessThan(before.total.scenarios.planned.usd);
      expect(after.notes.join(" ")).toMatch(
        /measured by `cacheplan probe` on claude-haiku-4-5 .*concurrency 1/,
      );
    } finally {
      await cleanup();
    }
  }, 60_000);
});
