import { describe, expect, it } from "vitest";
import { runCli } from "../../helpers/cli.js";

describe("cacheplan demo --target openai", () => {
  it("runs plan, estimate, submit and report offline and compares with the requests as given", async () => {
    const run = await runCli(["demo", "--target", "openai"]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/1\. Job: +the built-in OpenAI sample, 240 requests over 3 models/);
    expect(run.stdout).toMatch(/240 of 240 requests succeeded/);
    expect(run.stdout).toMatch(/Run status: ended/);
    const cost = (label: RegExp) =>
      Number(new RegExp(`${label.source}\\s+\\$(\\d+\\.\\d+)`).exec(run.stdout)![1]);
    expect(cost(/cacheplan: this run/)).toBeLessThan(
      cost(/as given: one wave, input order, default mode/),
    );
    expect(cost(/as given: one wave, input order, default mode/)).toBeLessThanOrEqual(
      cost(/Batch API, no caching/) * 1.3,
    );
  }, 120_000);
});
