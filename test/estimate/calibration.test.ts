import { writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { estimate, plan, readJsonl } from "../../src/index.js";
import { runCli, tempDir } from "../helpers/cli.js";

const temp = await tempDir();
afterAll(() => temp.cleanup());

describe("estimate calibration", () => {
  it("multiplies every input-side token figure of a calibrated model by its factor", async () => {
    const planned = await plan(readJsonl("examples/requests.jsonl"));
    const base = await estimate(planned, { plannedModel: "expected" });
    const model = "claude-opus-5-5";
    const doubled = await estimate(planned, {
      plannedModel: "expected",
      calibration: { counter: base.counter, models: { [model]: { factor: 2 } } },
    });
    for (const scenario of ["standard", "batch", "ideal", "planned", "worst"] as const) {
      const a = base.total.scenarios[scenario].tokens;
      const b = doubled.total.scenarios[scenario].tokens;
      for (const kind of ["input", "cacheWrite5m", "cacheWrite1h", "cacheRead"] as const) {
        expect(b[kind]).toBeCloseTo(a[kind] * 2, 6);
      }
      expect(b.output).toBe(a.output);
    }
    expect(doubled.notes[0]).toContain(`${model} ×2.0000`);
  });

  it("leaves models without an entry alone, and rejects a factor that is not positive", async () => {
    const planned = await plan(readJsonl("examples/requests.jsonl"));
    const base = await estimate(planned, { plannedModel: "expected" });
    const other = await estimate(planned, {
      plannedModel: "expected",
      calibration: { counter: base.counter, models: { "claude-haiku-4-5": { factor: 3 } } },
    });
    expect(other.total.scenarios.standard.tokens).toEqual(base.total.scenarios.standard.tokens);
    await expect(
      estimate(planned, {
        calibration: { counter: base.counter, models: { "claude-opus-5-5": { factor: 0 } } },
      }),
    ).rejects.toThrow('`calibration.models["claude-opus-5-5"].factor` must be a positive number');
  });

  it("reads a file written by report --write-calibration, and says what is wrong with another file", async () => {
    const good = path.join(temp.dir, "calibration.json");
    await writeFile(
      good,
      JSON.stringify({
        version: 1,
        counter: "tiktoken-estimate",
        models: {
          "claude-opus-5-5": {
            requests: 15,
            actualInputTokens: 20000,
            estimatedInputTokens: 16000,
            factor: 1.25,
          },
        },
      }),
    );
    const run = await runCli(["estimate", "examples/requests.jsonl", "--calibration", good]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("claude-opus-5-5 ×1.2500");
    const bad = path.join(temp.dir, "not-calibration.json");
    await writeFile(bad, JSON.stringify({ hello: "world" }));
    const wrong = await runCli(["estimate", "examples/requests.jsonl", "--calibration", bad]);
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toContain("is not a calibration file");
  });
});
