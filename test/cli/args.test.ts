/**
 * Strict parsing (issue 11 item 2): a value-taking flag without its value, an extra argument and
 * an unknown option are usage errors (exit 2) naming the flag as typed; a negative number is a
 * value, range-checked with the flag's name; library option names never reach the user.
 */
import { mkdir, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { defineArgs, normalize, numberOption, parse } from "../../src/cli/_args.js";
import { UsageError } from "../../src/cli/_context.js";
import { OPTION_FLAGS, toCliMessage } from "../../src/cli/_flags.js";
import { runCli, tempDir } from "../helpers/cli.js";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

const table = defineArgs({
  input: { type: "positional", required: false },
  out: { type: "string" },
  "max-requests": { type: "string" },
  strategy: { type: "enum", options: ["auto", "cold"] },
  json: { type: "boolean" },
  report: { type: "boolean", default: true },
});

describe("normalize", () => {
  it("puts every value inline, so a negative number is a value", () => {
    expect(normalize(["x", "--max-requests", "-5", "--out", "dir", "--json"], table)).toEqual([
      "x",
      "--max-requests=-5",
      "--out=dir",
      "--json",
    ]);
    expect(parse(["--max-requests", "-5"], table)["max-requests"]).toBe("-5");
    expect(parse(["--out", "-"], table).out).toBe("-");
  });

  it("refuses a value-taking flag at the end or before another flag, naming it", () => {
    expect(() => normalize(["--out"], table)).toThrow(
      new UsageError("`--out` needs a value, e.g. `--out <dir>`."),
    );
    expect(() => normalize(["--out", "--json"], table)).toThrow(
      /`--out` needs a value, e\.g\. `--out <dir>`; got the option `--json`/,
    );
    expect(() => normalize(["--strategy"], table)).toThrow(/`--strategy <auto\|cold>`/);
  });

  it("refuses an argument beyond the positionals, an unknown option, a value on a switch", () => {
    expect(() => normalize(["a", "b"], table)).toThrow(/Unexpected argument `b`/);
    expect(() => normalize(["--", "a", "b"], table)).toThrow(/Unexpected argument `b`/);
    expect(() => normalize(["--maxRequests", "5"], table)).toThrow(
      /Unknown option `--maxRequests`/,
    );
    expect(() => normalize(["-x"], table)).toThrow(/Unknown option `-x`/);
    expect(() => normalize(["--json=yes"], table)).toThrow(/`--json` takes no value/);
    expect(() => normalize(["--no-json"], table)).not.toThrow();
    expect(normalize(["--no-report"], table)).toEqual(["--no-report"]);
  });

  it("property: `--flag v` and `--flag=v` parse the same for any number v", () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e9, max: 1e9 }), fc.boolean(), (n, spaced) => {
        const argv = spaced ? ["--max-requests", String(n)] : [`--max-requests=${n}`];
        expect(parse(argv, table)["max-requests"]).toBe(String(n));
      }),
    );
  });
});

describe("toCliMessage", () => {
  it("property: every library option in a message becomes its flag", () => {
    fc.assert(
      fc.property(fc.constantFrom(...Object.entries(OPTION_FLAGS)), ([option, flag]) => {
        const flags = new Set(Object.values(OPTION_FLAGS));
        const text = toCliMessage(`\`${option}\` must be a whole number; got 0.`, flags);
        expect(text).toBe(`\`--${flag}\` must be a whole number; got 0.`);
      }),
    );
  });

  it("drops the library's form beside a flag, and advice to use a flag the command lacks", () => {
    const exists =
      "`plan` already holds a plan; pass `--force` (`overwrite: true`) to replace it, or choose another `--out`.";
    expect(toCliMessage(exists, new Set(["out", "force"]))).toBe(
      "`plan` already holds a plan; pass `--force` to replace it, or choose another `--out`.",
    );
    expect(toCliMessage(exists, new Set(["out"]))).toBe(
      "`plan` already holds a plan; choose another `--out`.",
    );
    expect(
      toCliMessage(
        "`d` holds a plan that was submitted; it is not replaced, even with `--force`, so no batch is created twice.",
        new Set(["out"]),
      ),
    ).toBe(
      "`d` holds a plan that was submitted; it is not replaced, so no batch is created twice.",
    );
    expect(toCliMessage("set `ANTHROPIC_API_KEY` (or pass `apiKey`).", new Set())).toBe(
      "set `ANTHROPIC_API_KEY`.",
    );
    expect(
      toCliMessage('`strategy: "primed"` needs `maxWaves` of at least 2.', new Set(["strategy"])),
    ).toBe("`--strategy primed` needs `--max-waves` of at least 2.");
    expect(
      toCliMessage(
        "Supply the prices with `--models file.json` (or `models: createModelTable({...})`), e.g.",
        new Set(["models"]),
      ),
    ).toBe("Supply the prices with `--models file.json`, e.g.");
  });
});

describe("cacheplan: mistakes on the command line exit 2 and name the flag as typed", () => {
  const cases: Array<[string[], RegExp]> = [
    [["plan", "--sample", "--out"], /`--out` needs a value/],
    [["plan", "--sample", "--out", "--json"], /`--out` needs a value.*got the option `--json`/],
    [["plan", "examples/requests.jsonl", "extra.jsonl"], /Unexpected argument `extra\.jsonl`/],
    [["emulate", "4010"], /Unexpected argument `4010`: the command takes no argument/],
    [["plan", "--sample", "--max-requests", "-5"], /^cacheplan: `--max-requests` must be .*got -5/],
    [["plan", "--sample", "--max-requests", "0"], /^cacheplan: `--max-requests` must be .*got 0/],
    [["plan", "--sample", "--max-waves", "9"], /`--max-waves` must be/],
    [
      ["plan", "--sample", "--strategy", "primed", "--max-waves", "1"],
      /`--strategy primed` needs `--max-waves`/,
    ],
    [["estimate", "--sample", "--sample-size", "1"], /`--sample-size` must be/],
    [["estimate", "--sample", "--output-tokens", "-3"], /`--output-tokens` must be 0 or more/],
    [["report", "--results"], /`--results` needs a value/],
    [
      ["estimate", "--sample", "--output-fraction="],
      /`--output-fraction` must be a number from 0 to 1; got ""/,
    ],
    [["plan", "--sample", "--max-requests="], /`--max-requests` must be a whole number; got ""/],
    [["emulate", "--fault-rate="], /`--fault-rate` must be a number; got ""/],
    [["retry", "plan", "other"], /Unexpected argument `other`/],
    [["demo", "--seed"], /`--seed` needs a value/],
  ];
  for (const [argv, expected] of cases) {
    it(argv.join(" "), async () => {
      const run = await runCli(argv);
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toMatch(expected);
      expect(run.stderr).not.toMatch(
        /`(maxRequests|maxWaves|sampleSize|outputTokens|apiKey|overwrite)\b/,
      );
      expect(run.stdout).not.toContain("Nothing written");
    });
  }

  it("demo --out into a used folder: exit 2 naming `--out`, no `--force` offered, nothing touched", async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const out = path.join(dir, "demo");
    await mkdir(out);
    await writeFile(path.join(out, "plan.json"), "{}");
    const run = await runCli(["demo", "--out", "demo", "--quiet"], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/`--out demo` is not empty \(plan\.json\).*Choose another `--out`/);
    expect(run.stderr).not.toContain("--force");
    expect(await readdir(out)).toEqual(["plan.json"]);
  });
});

describe("numberOption: the one numeric option check", () => {
  it("accepts what the rule allows, with digit separators", () => {
    expect(numberOption("1_000", "n", { integer: true })).toBe(1000);
    expect(numberOption("0.25", "f", { range: [0, 1] })).toBe(0.25);
    expect(numberOption("0.5", "s", { above: 0 })).toBe(0.5);
    expect(numberOption(undefined, "n")).toBeUndefined();
  });

  it.each([
    ["", {}, "`--x` must be a number"],
    ["abc", {}, "`--x` must be a number"],
    ["1.5", { integer: true }, "`--x` must be a whole number"],
    ["1.5", { range: [0, 1] as const }, "`--x` must be a number from 0 to 1"],
    ["-1", { range: [0, 1] as const }, "`--x` must be a number from 0 to 1"],
    ["0", { above: 0 }, "`--x` must be a number > 0"],
  ])("refuses %j under %j, naming the flag", (value, rule, message) => {
    expect(() => numberOption(value, "x", rule)).toThrow(UsageError);
    expect(() => numberOption(value, "x", rule)).toThrow(message);
  });
});
