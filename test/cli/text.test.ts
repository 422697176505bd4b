/**
 * Text (issue 11 item 7): no doubled slashes in printed paths, one period after the SDK's
 * messages, a clear message for a missing `--models` file, no "-0.0%" or "+$0.000", plural
 * agreement, and notes that cite public pages rather than the internal reference.
 */
import { APIConnectionError } from "@anthropic-ai/sdk";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { displayPath } from "../../src/cli/_context.js";
import { signedPct, signedUsd, usdFormatter } from "../../src/report/_format.js";
import { explainFailure } from "../../src/run/_api-errors.js";
import { runCli } from "../helpers/cli.js";
import { statusFixture } from "../helpers/run-fixture.js";

describe("paths in messages", () => {
  it("displayPath tidies what the user typed", () => {
    expect(displayPath("plan1/")).toBe("plan1");
    expect(displayPath("./plan1//")).toBe("plan1");
    expect(displayPath("a/../b/")).toBe("b");
    expect(displayPath("/")).toBe("/");
    expect(displayPath(".")).toBe(".");
  });

  let fixture: Awaited<ReturnType<typeof statusFixture>>;
  beforeAll(async () => {
    fixture = await statusFixture();
  });
  afterAll(() => fixture?.cleanup());

  it("`status plan/` prints `plan`, never `plan//…`", async () => {
    const run = await runCli(["status", "plan/"], { cwd: fixture.root });
    expect(run.stdout).toContain("Resume with `cacheplan submit plan`");
    expect(run.stdout + run.stderr).not.toContain("//");
    const fresh = await runCli(["status", "fresh//"], { cwd: fixture.root });
    expect(fresh.stdout).toMatch(/^fresh: not submitted yet/);
  });
});

describe("messages", () => {
  it("the SDK's `Connection error.` is followed by one period, not two", () => {
    const error = explainFailure(new APIConnectionError({ message: undefined }), {
      doing: "creating batch 0 (wave 0, 1 request)",
      planDir: "plan1",
    });
    expect(error.message).toContain("Connection error. ");
    expect(error.message).not.toContain("..");
  });

  it("`--models nope.json`: file not found, naming the flag, not a raw ENOENT", async () => {
    const run = await runCli(["plan", "--sample", "--models", "nope.json"]);
    expect(run.code).toBe(3);
    expect(run.stderr).toBe(
      "cacheplan: `--models nope.json`: file not found. Give the path of a JSON file of model rows.\n",
    );
    const calibration = await runCli(["estimate", "--sample", "--calibration", "examples"]);
    expect(calibration.stderr).toMatch(
      /^cacheplan: `--calibration examples`: a folder, not a file\./,
    );
    expect(calibration.stderr).not.toMatch(/ENOENT|EISDIR|open '/);
  });
});

describe("signed figures", () => {
  it("what rounds to zero has no sign: `0.0%`, `$0.000`", () => {
    expect(signedPct(-0.00001)).toBe("0.0%");
    expect(signedPct(0.00001)).toBe("0.0%");
    expect(signedPct(-4)).toBe("-4.0%");
    expect(signedPct(4)).toBe("+4.0%");
    const usd = usdFormatter(1);
    expect(signedUsd(0.00001, usd)).toBe("$0.000");
    expect(signedUsd(-0.00001, usd)).toBe("$0.000");
    expect(signedUsd(0.5, usd)).toBe("+$0.500");
    expect(signedUsd(-0.5, usd)).toBe("-$0.500");
  });

  it("property: a sign is shown exactly when a non-zero digit is", () => {
    fc.assert(
      fc.property(fc.double({ min: -10, max: 10, noNaN: true }), (x) => {
        const p = signedPct(x);
        expect(/^[+-]/.test(p)).toBe(/[1-9]/.test(p));
        const u = signedUsd(x, usdFormatter(1));
        expect(/^[+-]/.test(u)).toBe(/[1-9]/.test(u));
      }),
    );
  });
});

describe("notes cite public pages, not the internal reference", () => {
  const outputs: Array<[string, string[]]> = [
    ["estimate text", ["estimate", "examples/requests.jsonl"]],
    [
      "report text",
      ["report", "test/fixtures/report/plan", "--results", "test/fixtures/report/complete"],
    ],
    [
      "report md",
      [
        "report",
        "test/fixtures/report/plan",
        "--results",
        "test/fixtures/report/complete",
        "--format",
        "md",
      ],
    ],
    [
      "report json",
      [
        "report",
        "test/fixtures/report/plan",
        "--results",
        "test/fixtures/report/complete",
        "--json",
      ],
    ],
  ];
  for (const [name, argv] of outputs) {
    it(name, async () => {
      const run = await runCli(argv);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).not.toMatch(/reference (fact|§)|\(reference\b/);
      expect(run.stdout).toContain("https://platform.claude.com/docs/en/");
      expect(run.stdout).not.toMatch(/\b1 requests\b|-0\.0%|\+\$0\.0+\b/);
    });
  }
});
