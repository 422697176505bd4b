/**
 * Golden-file tests of the CLI (STYLE item 16): each case writes `$ cacheplan …`, its output and
 * its exit code to `test/snapshots/<name>.md`. Refresh with `npx vitest run test/cli -u` and
 * review the diff.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, transcript } from "../helpers/cli.js";
import { statusFixture } from "../helpers/run-fixture.js";

const cases: Array<{ name: string; argv: string[]; stdin?: string }> = [
  { name: "help", argv: ["--help"] },
  { name: "no-command", argv: [] },
  { name: "unknown-command", argv: ["frobnicate"] },
  { name: "plan-help", argv: ["plan", "--help"] },
  // Issue 11: help before anything runs, strict parsing, clear messages, JSON errors.
  { name: "help-plan", argv: ["help", "plan"] },
  { name: "demo-help", argv: ["demo", "-h"] },
  { name: "emulate-help", argv: ["emulate", "-h"] },
  { name: "plan-out-without-value", argv: ["plan", "--sample", "--out"] },
  { name: "plan-extra-argument", argv: ["plan", "examples/requests.jsonl", "more.jsonl"] },
  { name: "plan-negative-number", argv: ["plan", "--sample", "--max-requests", "-5"] },
  { name: "plan-models-missing", argv: ["plan", "--sample", "--models", "nope.json"] },
  { name: "plan-json-error", argv: ["plan", "--sample", "--max-requests", "0", "--json"] },
  { name: "plan-example", argv: ["plan", "examples/requests.jsonl"] },
  { name: "plan-sample", argv: ["plan", "--sample"] },
  { name: "plan-bad-input", argv: ["plan", "test/fixtures/bad-requests.jsonl"] },
  {
    name: "plan-bad-input-allowed",
    argv: ["plan", "test/fixtures/bad-requests.jsonl", "--allow-rejects", "--quiet"],
  },
  { name: "plan-missing-file", argv: ["plan", "does-not-exist.jsonl"] },
  { name: "plan-no-input", argv: ["plan"] },
  { name: "plan-unknown-option", argv: ["plan", "--sample", "--frobnicate"] },
  { name: "plan-bad-enum", argv: ["plan", "--sample", "--strategy", "eager"] },
  { name: "plan-bad-number", argv: ["plan", "--sample", "--max-requests", "lots"] },
  { name: "plan-out-of-range", argv: ["plan", "--sample", "--max-waves", "9"] },
  { name: "plan-cold", argv: ["plan", "examples/requests.jsonl", "--strategy", "cold"] },
  { name: "estimate-help", argv: ["estimate", "--help"] },
  { name: "estimate-example", argv: ["estimate", "examples/requests.jsonl"] },
  {
    name: "estimate-example-fixed-output",
    argv: ["estimate", "examples/requests.jsonl", "--output-tokens", "10"],
  },
  {
    name: "estimate-exact-without-key",
    argv: ["estimate", "examples/requests.jsonl", "--count", "exact"],
  },
  { name: "estimate-bad-fraction", argv: ["estimate", "--sample", "--output-fraction", "2"] },
  {
    name: "estimate-both-outputs",
    argv: ["estimate", "--sample", "--output-fraction", "0.5", "--output-tokens", "3"],
  },
  {
    name: "plan-stdin",
    argv: ["plan", "-"],
    stdin: `${JSON.stringify({ custom_id: "a", params: { model: "claude-opus-5-5", max_tokens: 5, messages: [{ role: "user", content: "hi" }] } })}\n`,
  },
  { name: "report-help", argv: ["report", "--help"] },
  {
    name: "report-fixture",
    argv: ["report", "test/fixtures/report/plan", "--results", "test/fixtures/report/complete"],
  },
  {
    name: "report-fixture-json",
    argv: [
      "report",
      "test/fixtures/report/plan",
      "--results",
      "test/fixtures/report/complete",
      "--format",
      "json",
    ],
  },
  { name: "report-no-plan", argv: ["report", "--results", "test/fixtures/report/complete"] },
  {
    name: "report-missing-results",
    argv: [
      "report",
      "test/fixtures/report/plan",
      "--results",
      "test/fixtures/report/results.jsonl",
    ],
  },
  {
    name: "report-partial-md",
    argv: [
      "report",
      "test/fixtures/report/plan",
      "--results",
      "test/fixtures/report/results.jsonl",
      "--allow-partial",
      "--format",
      "md",
    ],
  },
  {
    name: "report-bad-truncated",
    argv: [
      "report",
      "test/fixtures/report/plan",
      "--results",
      "test/fixtures/report/bad-truncated.jsonl",
    ],
  },
  {
    name: "report-bad-foreign",
    argv: [
      "report",
      "test/fixtures/report/plan",
      "--results",
      "test/fixtures/report/bad-foreign.jsonl",
    ],
  },
  { name: "report-no-results", argv: ["report", "test/fixtures/report/plan"] },
];

describe("cacheplan CLI transcripts", () => {
  for (const c of cases) {
    it(c.name, async () => {
      const run = await runCli(c.argv, c.stdin === undefined ? {} : { stdin: c.stdin });
      await expect(transcript(c.argv, run)).toMatchFileSnapshot(`../snapshots/${c.name}.md`);
    });
  }
});

// The runner's commands (issue 6). Runs that need a plan folder use one built in a temp folder
// (`statusFixture()`), run from there so the transcript shows relative paths only.
describe("cacheplan runner transcripts", () => {
  let fixture: Awaited<ReturnType<typeof statusFixture>>;
  beforeAll(async () => {
    fixture = await statusFixture();
  });
  afterAll(() => fixture?.cleanup());

  const runnerCases: Array<{ name: string; argv: string[]; inFixture?: boolean }> = [
    { name: "submit-help", argv: ["submit", "--help"] },
    { name: "status-fixture", argv: ["status", "plan"], inFixture: true },
    { name: "status-not-submitted", argv: ["status", "fresh"], inFixture: true },
    { name: "status-no-plan", argv: ["status", "does-not-exist"] },
    { name: "submit-no-plan", argv: ["submit", "does-not-exist"] },
    { name: "submit-no-key", argv: ["submit", "plan"], inFixture: true },
    { name: "submit-no-input", argv: ["submit"] },
    { name: "cancel-no-key", argv: ["cancel", "plan"], inFixture: true },
    { name: "retry-not-finished", argv: ["retry", "plan", "--out", "retry"], inFixture: true },
    { name: "retry-not-submitted", argv: ["retry", "fresh"], inFixture: true },
  ];
  for (const c of runnerCases) {
    it(c.name, async () => {
      const run = await runCli(c.argv, c.inFixture ? { cwd: fixture.root } : {});
      await expect(transcript(c.argv, run)).toMatchFileSnapshot(`../snapshots/${c.name}.md`);
    });
  }
});
