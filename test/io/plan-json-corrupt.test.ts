/**
 * A corrupt plan.json (not JSON, cut short, wrong shape) is an InputError naming the file and
 * where it breaks, in submit, estimate, status and report: never "unexpected failure" with a
 * stack (issue 9, item 9).
 */
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { jsonErrorOffset, lineColumn } from "../../src/io/_json-position.js";
import { readPlanFile } from "../../src/io/plan-dir.js";
import { runCli } from "../helpers/cli.js";
import { cleanupAfterEach, planFolder, primedJob } from "../helpers/run-job.js";

const cleanups = cleanupAfterEach();

async function withPlanJson(change: (text: string) => string) {
  const f = await planFolder(primedJob(1, 3));
  cleanups.push(f.cleanup);
  const file = path.join(f.dir, "plan.json");
  await writeFile(file, change(await readFile(file, "utf8")));
  return f;
}

const COMMANDS: string[][] = [
  ["submit", "plan"],
  ["estimate", "plan"],
  ["status", "plan"],
  ["report", "plan", "--results", "plan/plan.json"],
];

describe("a corrupt plan.json is named, with where it breaks", () => {
  const cases: Array<[string, (t: string) => string, RegExp]> = [
    [
      "a stray character",
      (t) => t.replace('"version": 1,', '"version": 1,,'),
      /plan\/plan\.json` is not valid JSON: the error is at line 2, column 16/,
    ],
    [
      "cut short",
      (t) => t.slice(0, Math.floor(t.length / 2)),
      /plan\/plan\.json` is not valid JSON: it ends early \(line \d+\), as if cut short/,
    ],
    [
      "the wrong shape",
      (t) => t.replace('"requestCount": ', '"requestCount": "x", "was": '),
      /plan\/plan\.json` is not a cacheplan plan: `batches\[0\]\.requestCount` should be a whole number ≥ 0 but is a string/,
    ],
    ["not an object", () => "[]", /plan\/plan\.json` is not a cacheplan plan: it holds a list/],
  ];
  for (const [name, change, message] of cases) {
    it(`${name}: submit, estimate, status and report exit 3 with the file and place`, async () => {
      const f = await withPlanJson(change);
      for (const argv of COMMANDS) {
        const run = await runCli(argv, { cwd: f.root });
        expect(run.stderr, argv.join(" ")).toMatch(message);
        expect(run.stderr).not.toMatch(/unexpected failure|SyntaxError|TypeError|\n\s+at /);
        expect(run.code, argv.join(" ")).toBe(3);
      }
    });
  }

  it("readPlanFile: an InputError with the path, for a missing batches list too", async () => {
    const f = await withPlanJson((t) => JSON.stringify({ ...JSON.parse(t), batches: undefined }));
    await expect(readPlanFile(f.dir)).rejects.toMatchObject({
      name: "InputError",
      path: path.join(f.dir, "plan.json"),
      message: expect.stringMatching(/`batches` should be a list but is missing/),
    });
  });
});

describe("jsonErrorOffset", () => {
  it("is -1 exactly for text JSON.parse accepts", () => {
    const valid = (t: string) => {
      try {
        JSON.parse(t);
        return true;
      } catch {
        return false;
      }
    };
    fc.assert(
      fc.property(
        fc.oneof(
          fc.json(),
          fc.json().map((t) => t.slice(0, -1)),
          fc
            .tuple(fc.json(), fc.nat(), fc.constantFrom(",", "}", "]", "x", '"', ":", "\u0001"))
            .map(
              ([t, at, c]) => t.slice(0, at % (t.length + 1)) + c + t.slice(at % (t.length + 1)),
            ),
        ),
        (text) => {
          expect(jsonErrorOffset(text) === -1).toBe(valid(text));
        },
      ),
      { numRuns: 500 },
    );
  });

  it("finds the first wrong character, and gives line and column", () => {
    expect(jsonErrorOffset('{"a": 1e}')).toBe(7); // the "e" without digits (V8 says 8, after it)
    expect(jsonErrorOffset('{"a": 1}}')).toBe(8);
    expect(jsonErrorOffset("[1,")).toBe(3);
    expect(lineColumn('{\n  "a": x\n}', jsonErrorOffset('{\n  "a": x\n}'))).toEqual({
      line: 2,
      column: 8,
    });
    // Deep nesting is scanned without recursion.
    expect(jsonErrorOffset(`${"[".repeat(100_000)}x`)).toBe(100_000);
  });
});

describe("jsonErrorOffset on long strings (a property run hung on an unterminated one)", () => {
  it("names an unterminated long string, and reads a valid long string whole", () => {
    const body = "word ".repeat(20_000);
    // Before: `(?:[^"]+)*` backtracked through every split of the 100,000 characters (a hang).
    expect(jsonErrorOffset(`{"a": "${body}`)).toBe(6); // the string that never ends
    expect(jsonErrorOffset(`{"a": "${body}\\n${body}", "b": [1, "x\\u00e9"]}`)).toBe(-1);
    expect(jsonErrorOffset(`["${"x".repeat(2_000_000)}"]`)).toBe(-1);
  });

  it("agrees with JSON.parse on strings with escapes and raw control characters", () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom("a", " ", "\\", '"', "n", "u", "0", "\n", "é"), { maxLength: 40 }),
        (chars) => {
          const text = `["${chars.join("")}"]`;
          let valid = true;
          try {
            JSON.parse(text);
          } catch {
            valid = false;
          }
          expect(jsonErrorOffset(text) === -1).toBe(valid);
        },
      ),
      { numRuns: 500 },
    );
  });
});
