/**
 * The one exit-code mapping (`exitCodeOf`, issue 10 item 8, STYLE item 6): every command's
 * outcome and every thrown error, in one table; and a missing API key is an environment error
 * (code `missing-environment`, exit 3), not a wrong command line (exit 2).
 */
import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/cli/_context.js";
import { EXIT, exitCodeOf, type Outcome } from "../../src/cli/_exit.js";
import { describeError } from "../../src/cli/main.js";
import {
  EnvironmentError,
  InputError,
  OptionsError,
  RunError,
  type RunState,
} from "../../src/index.js";
import { runCli } from "../helpers/cli.js";

const requests = (failed: number, missing = 0) => ({
  total: 4,
  ended: 4,
  succeeded: 4 - failed - missing,
  failed,
  missing,
});
const progress = (failed: number, missing = 0) =>
  ({ requests: requests(failed, missing) }) as unknown as Extract<
    Outcome,
    { command: "submit" }
  >["result"]["progress"];

/** A run.json with one downloaded batch whose results are `byType` and `missing`. */
function downloaded(errored: number, missing: string[] = []): RunState {
  const results = {
    byType: { succeeded: 1, errored, canceled: 0, expired: 0 },
    missing,
  };
  return { batches: [{ state: "downloaded", results }] } as unknown as RunState;
}

describe("exitCodeOf: every command's outcome", () => {
  const table: Array<[string, Outcome, number]> = [
    [
      "plan, clean",
      { command: "plan", rejected: 0, planned: 3, allowRejects: false, allowEmpty: false },
      0,
    ],
    [
      "plan, rejects",
      { command: "plan", rejected: 1, planned: 3, allowRejects: false, allowEmpty: false },
      1,
    ],
    [
      "plan, rejects allowed",
      { command: "plan", rejected: 1, planned: 3, allowRejects: true, allowEmpty: false },
      0,
    ],
    [
      "plan, nothing planned",
      { command: "plan", rejected: 0, planned: 0, allowRejects: false, allowEmpty: false },
      1,
    ],
    [
      "plan, empty allowed",
      { command: "plan", rejected: 0, planned: 0, allowRejects: false, allowEmpty: true },
      0,
    ],
    ["estimate, clean", { command: "estimate", rejected: 0, planned: 3 }, 0],
    ["estimate, rejects", { command: "estimate", rejected: 2, planned: 3 }, 1],
    ["estimate, nothing to estimate", { command: "estimate", rejected: 0, planned: 0 }, 1],
    [
      "submit, all succeeded",
      { command: "submit", result: { status: "ended", progress: progress(0) }, signal: null },
      0,
    ],
    [
      "submit, some failed",
      { command: "submit", result: { status: "ended", progress: progress(1) }, signal: null },
      1,
    ],
    [
      "submit, some missing",
      { command: "submit", result: { status: "ended", progress: progress(0, 1) }, signal: null },
      1,
    ],
    [
      "submit, aborted by the caller",
      { command: "submit", result: { status: "interrupted", progress: progress(0) }, signal: null },
      1,
    ],
    [
      "submit, SIGINT",
      {
        command: "submit",
        result: { status: "interrupted", progress: progress(0) },
        signal: "SIGINT",
      },
      130,
    ],
    [
      "submit, SIGTERM",
      {
        command: "submit",
        result: { status: "interrupted", progress: progress(0) },
        signal: "SIGTERM",
      },
      143,
    ],
    ["status, not submitted", { command: "status", state: null }, 0],
    ["status, all succeeded", { command: "status", state: downloaded(0) }, 0],
    ["status, errored", { command: "status", state: downloaded(1) }, 1],
    ["status, missing", { command: "status", state: downloaded(0, ["a"]) }, 1],
    ["cancel, done", { command: "cancel", result: { unknown: [], submitRunning: false } }, 0],
    [
      "cancel, a create in doubt",
      { command: "cancel", result: { unknown: [3], submitRunning: false } },
      1,
    ],
    [
      "cancel, in doubt but a submit runs (it cancels them)",
      { command: "cancel", result: { unknown: [3], submitRunning: true } },
      0,
    ],
    [
      "retry, nothing to retry",
      { command: "retry", result: { toFix: [], plan: null }, written: false },
      0,
    ],
    [
      "retry, plan not written",
      { command: "retry", result: { toFix: [], plan: {} as never }, written: false },
      1,
    ],
    [
      "retry, plan written",
      { command: "retry", result: { toFix: [], plan: {} as never }, written: true },
      0,
    ],
    [
      "retry, requests to fix",
      { command: "retry", result: { toFix: [{}] as never, plan: null }, written: false },
      1,
    ],
    ["demo, done", { command: "demo", stopped: false, signal: null }, 0],
    ["demo, stopped", { command: "demo", stopped: true, signal: null }, 1],
    ["demo, SIGINT", { command: "demo", stopped: true, signal: "SIGINT" }, 130],
    ["demo, SIGTERM", { command: "demo", stopped: true, signal: "SIGTERM" }, 143],
    ["emulate", { command: "done" }, 0],
  ];
  for (const [name, outcome, code] of table) {
    it(`${name}: ${code}`, () => expect(exitCodeOf(outcome)).toBe(code));
  }
});

describe("exitCodeOf: errors", () => {
  const table: Array<[string, unknown, number]> = [
    ["a wrong command line", new UsageError("x"), EXIT.usage],
    ["a bad library option", new OptionsError("x"), EXIT.usage],
    ["a missing API key", new EnvironmentError("x", "ANTHROPIC_API_KEY"), EXIT.failure],
    ["an unusable input", new InputError("x"), EXIT.failure],
    ["a failed run", new RunError("bad-state", "x"), EXIT.failure],
    ["a bug", new TypeError("x"), EXIT.failure],
  ];
  for (const [name, error, code] of table) {
    it(`${name}: ${code}`, () => expect(exitCodeOf({ command: "error", error })).toBe(code));
  }

  it("an environment error keeps its own code in --json", () => {
    const told = describeError(new EnvironmentError("set it", "ANTHROPIC_API_KEY"), new Set());
    expect(told).toEqual({ code: "missing-environment", message: "set it", exitCode: 3 });
  });
});

describe("a missing API key is an environment error", () => {
  it("estimate --count exact: exit 3, not 2, and says which variable to set", async () => {
    const run = await runCli(["estimate", "--sample", "--count", "exact"]);
    expect(run.code, run.stderr).toBe(3);
    expect(run.stderr).toMatch(/^cacheplan: .*set `ANTHROPIC_API_KEY`\. /);
    expect(run.stderr).not.toMatch(/`apiKey`/);
  });

  it("with --json: code `missing-environment`, exitCode 3", async () => {
    const run = await runCli(["estimate", "--sample", "--count", "exact", "--json"]);
    expect(run.code).toBe(3);
    expect(JSON.parse(run.stderr)).toMatchObject({
      type: "error",
      code: "missing-environment",
      exitCode: 3,
    });
  });
});
