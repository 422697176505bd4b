/**
 * Bad results input never gives a silently wrong total: each case is a problem naming the file and
 * line (the report is then incomplete, and the CLI exits 1 unless `--allow-partial`).
 */
import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { exitCodeOf } from "../../src/cli/_exit.js";
import {
  estimate,
  formatProblem,
  plan as makePlan,
  OptionsError,
  readJsonl,
  readPlan,
  report,
} from "../../src/index.js";
import { runCli, tempDir } from "../helpers/cli.js";

const FIXTURES = "test/fixtures/report";
const plan = await readPlan(`${FIXTURES}/plan`);
const clean = await report(readJsonl(`${FIXTURES}/results.jsonl`), { plan });
const reportOf = (...files: string[]) =>
  report(
    (async function* () {
      for (const f of files) yield* readJsonl(`${FIXTURES}/${f}`);
    })(),
    { plan },
  );

function usage(model: string, tokens: number) {
  return {
    type: "succeeded",
    message: {
      model,
      usage: { input_tokens: tokens, output_tokens: 1, service_tier: "batch" },
    },
  };
}

describe("bad lines", () => {
  it("a truncated last line: invalid-line with file and line, and its request missing", async () => {
    const r = await reportOf("bad-truncated.jsonl");
    expect(r.complete).toBe(false);
    const invalid = r.problems.find((p) => p.kind === "invalid-line");
    expect(invalid).toMatchObject({
      count: 1,
      examples: [{ source: `${FIXTURES}/bad-truncated.jsonl`, line: 8 }],
    });
    expect(formatProblem(invalid!).join("\n")).toMatch(
      /`test\/fixtures\/report\/bad-truncated.jsonl` line 8: not valid JSON/,
    );
    // h-0's line was cut, so h-0 has no result: it is missing, not silently dropped.
    expect(r.problems.find((p) => p.kind === "missing-results")).toMatchObject({
      count: 2,
      customIds: ["b-2", "h-0"],
    });
    expect(r.overall.requests.missing).toBe(2);
  });

  it("a duplicated custom_id: counted once, the repeat named with where the first was", async () => {
    const r = await reportOf("bad-duplicate.jsonl");
    const dup = r.problems.find((p) => p.kind === "duplicate-custom-id");
    expect(dup).toMatchObject({
      count: 1,
      examples: [
        {
          source: `${FIXTURES}/bad-duplicate.jsonl`,
          line: 9,
          customId: "a-0",
          detail: `appeared before, at \`${FIXTURES}/bad-duplicate.jsonl\` line 3`,
        },
      ],
    });
    expect(r.overall.tokens).toEqual(clean.overall.tokens);
    expect(r.overall.usd).toBe(clean.overall.usd);
  });

  it("an unknown custom_id: not counted, named with file and line", async () => {
    const r = await reportOf("bad-unknown.jsonl");
    expect(r.problems.find((p) => p.kind === "unknown-custom-id")).toMatchObject({
      count: 1,
      examples: [{ source: `${FIXTURES}/bad-unknown.jsonl`, line: 9, customId: "zz-9" }],
    });
    expect(r.overall.tokens).toEqual(clean.overall.tokens);
  });

  it("a results file of another plan: foreign-results for that file, and every planned request missing", async () => {
    const r = await reportOf("bad-foreign.jsonl");
    expect(r.problems[0]).toEqual({
      kind: "foreign-results",
      source: `${FIXTURES}/bad-foreign.jsonl`,
      unknown: 6,
      lines: 6,
    });
    expect(formatProblem(r.problems[0]!)[0]).toMatch(
      /6 of 6 custom_ids are not in this plan, so these look like the results of another plan/,
    );
    expect(r.overall.requests.missing).toBe(9);
    expect(r.overall.usd).toBe(0);
  });

  it("another plan's file among the right ones is named on its own", async () => {
    const r = await reportOf("results.jsonl", "bad-foreign.jsonl");
    expect(r.problems.map((p) => p.kind)).toEqual(["foreign-results", "missing-results"]);
    expect(r.overall.tokens).toEqual(clean.overall.tokens);
  });

  it("JSON that is not a batch result, in an iterable of objects and strings", async () => {
    const r = await report([
      { custom_id: "x", params: { model: "claude-opus-5-5" } },
      '{"custom_id":"y","result":{"type":"succeeded","message":{}}}',
      "{oops",
      { custom_id: "z", result: usage("claude-opus-5-5", 10) },
    ]);
    expect(r.problems).toMatchObject([
      { kind: "invalid-line", examples: [{ line: 3 }] },
      {
        kind: "invalid-result",
        count: 2,
        examples: [
          { line: 1, customId: "x", detail: "`result` is missing or not an object" },
          { line: 2, customId: "y", detail: "a `succeeded` result has no `message.usage`" },
        ],
      },
    ]);
    expect(formatProblem(r.problems[0]!)[1]).toMatch(/^input line 3: not valid JSON/);
    expect(r.overall.requests.succeeded).toBe(1);
  });

  it("a model without prices: its USD is left out, and said so", async () => {
    const r = await report([{ custom_id: "a", result: usage("claude-unknown-9", 100) }]);
    expect(r.problems).toEqual([{ kind: "unknown-model", model: "claude-unknown-9", requests: 1 }]);
    expect(r.overall.tokens.input).toBe(100);
    expect(r.overall.usd).toBe(0);
  });
});

describe("usage shapes", () => {
  const line = (usage: Record<string, unknown>) => ({
    custom_id: "u",
    result: {
      type: "succeeded",
      message: { model: "claude-opus-5-5", usage: { input_tokens: 1, output_tokens: 1, ...usage } },
    },
  });

  it("a breakdown that does not sum to the total: the total wins, the rest is 5m, and a note", async () => {
    const r = await report([
      line({
        cache_creation_input_tokens: 100,
        cache_creation: { ephemeral_5m_input_tokens: 10, ephemeral_1h_input_tokens: 60 },
      }),
    ]);
    expect(r.overall.tokens).toMatchObject({ cacheWrite5m: 40, cacheWrite1h: 60 });
    expect(r.notes.join("\n")).toMatch(/does not sum to `cache_creation_input_tokens`/);
  });

  it("a breakdown with a null total: the breakdown is the total", async () => {
    const r = await report([
      line({
        cache_creation_input_tokens: null,
        cache_creation: { ephemeral_5m_input_tokens: 30, ephemeral_1h_input_tokens: 70 },
      }),
    ]);
    expect(r.overall.tokens).toMatchObject({ cacheWrite5m: 30, cacheWrite1h: 70 });
  });

  it("not the batch tier: standard prices, and a note", async () => {
    const r = await report([line({ service_tier: "standard" })]);
    // Opus 5.5 at standard prices (reference §7): 1 × $4/M + 1 × $20/M.
    expect(r.overall.usd).toBeCloseTo(0.000024, 12);
    expect(r.notes.join("\n")).toMatch(/did not report `usage.service_tier: "batch"`/);
  });
});

describe("without a plan", () => {
  it("gives totals per model only, and still catches duplicates", async () => {
    const lines = [
      { custom_id: "a", result: usage("claude-opus-5-5", 10) },
      { custom_id: "b", result: { type: "expired" } },
      { custom_id: "a", result: usage("claude-opus-5-5", 10) },
    ];
    const r = await report(lines);
    expect(r.groups).toEqual([]);
    expect(r.waves).toEqual([]);
    expect(r.ungrouped).toBeNull();
    expect(r.calibration).toBeNull();
    expect(r.overall.requests).toMatchObject({ succeeded: 1, expired: 1, missing: 0 });
    expect(r.models.map((m) => m.model)).toEqual(["(no model)", "claude-opus-5-5"]);
    expect(r.problems.map((p) => p.kind)).toEqual(["duplicate-custom-id"]);
    expect(r.notes[0]).toMatch(/^No plan given: totals per model only/);
  });
});

describe("options", () => {
  it("refuses an estimate without its plan, or of another plan", async () => {
    const e = await estimate(plan);
    await expect(report([], { estimate: e })).rejects.toThrow(OptionsError);
    const other = await makePlan([
      {
        custom_id: "x",
        params: {
          model: "claude-opus-5-5",
          max_tokens: 5,
          messages: [{ role: "user", content: "hi" }],
        },
      },
    ]);
    await expect(report([], { plan: other, estimate: e })).rejects.toThrow(
      /`estimate` does not belong to `plan`/,
    );
  });
});

describe("the CLI on bad input", () => {
  let cleanup: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await cleanup?.();
    cleanup = undefined;
  });

  it("exits 1 without a report, and 0 with `--allow-partial`", async () => {
    const argv = ["report", `${FIXTURES}/plan`, "--results", `${FIXTURES}/bad-duplicate.jsonl`];
    const blocked = await runCli(argv);
    expect(blocked.code).toBe(1);
    expect(blocked.stdout).toBe("");
    expect(blocked.stderr).toMatch(/bad-duplicate.jsonl` line 9: custom_id "a-0"/);
    const allowed = await runCli([...argv, "--allow-partial", "--format", "json"]);
    expect(allowed.code).toBe(0);
    expect(JSON.parse(allowed.stdout).complete).toBe(false);
    expect(allowed.stderr).toMatch(/The report is partial/);
  });

  it("the exit code is a pure function of the problems", () => {
    const code = (report: Pick<typeof clean, "problems">, allowPartial: boolean) =>
      exitCodeOf({ command: "report", report, allowPartial });
    expect(code({ problems: [] }, false)).toBe(0);
    expect(code(clean, false)).toBe(1);
    expect(code(clean, true)).toBe(0);
  });

  it("reads every *.jsonl of a folder, sorted, and refuses an empty folder or no plan", async () => {
    const tmp = await tempDir();
    cleanup = tmp.cleanup;
    const results = await runCli([
      "report",
      `${FIXTURES}/plan`,
      "--results",
      `${FIXTURES}/complete`,
      "--json",
    ]);
    expect(results.code).toBe(0);
    expect(JSON.parse(results.stdout).overall.requests.succeeded).toBe(8);
    await mkdir(path.join(tmp.dir, "empty"));
    const empty = await runCli(["report", "--results", path.join(tmp.dir, "empty")]);
    expect(empty.code).toBe(3);
    expect(empty.stderr).toMatch(/holds no `\*\.jsonl` results file/);
    const noPlan = await runCli([
      "report",
      path.join(tmp.dir, "nope"),
      "--results",
      `${FIXTURES}/results.jsonl`,
    ]);
    expect(noPlan.code).toBe(3);
    expect(noPlan.stderr).toMatch(/is not a plan folder/);
    const noResults = await runCli(["report", `${FIXTURES}/plan`]);
    expect(noResults.code).toBe(2);
  });

  it("accepts `--results` more than once, and writes the report and the calibration to files", async () => {
    const tmp = await tempDir();
    cleanup = tmp.cleanup;
    const out = path.join(tmp.dir, "report.md");
    const calibration = path.join(tmp.dir, "calibration.json");
    const run = await runCli([
      "report",
      `${FIXTURES}/plan`,
      "--results",
      `${FIXTURES}/complete/wave-0.jsonl`,
      "--results",
      `${FIXTURES}/complete/wave-1.jsonl`,
      "--format",
      "md",
      "--out",
      out,
      "--write-calibration",
      calibration,
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Wrote ${out} (md).`);
    expect(await readFile(out, "utf8")).toMatch(/^## cacheplan report/);
    const written = JSON.parse(await readFile(calibration, "utf8"));
    expect(written).toMatchObject({ version: 1, counter: "tiktoken-estimate" });
    expect(Object.keys(written.models)).toEqual([
      "claude-haiku-4-5",
      "claude-opus-5-5",
      "claude-sonnet-4-6",
    ]);
  });
});
