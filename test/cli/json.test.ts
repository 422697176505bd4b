/**
 * Machine-readable output (issue 11 item 9): with `--json`, errors are one JSON object with a
 * stable `code`, `message` and `exitCode`; every `--json` output names the package version; the
 * JSON Schemas in `schemas/` (shipped in the package) match real outputs of every command.
 */
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { Ajv, type ValidateFunction } from "ajv";
import { beforeAll, describe, expect, it } from "vitest";
import { describeError } from "../../src/cli/main.js";
import { OptionsError } from "../../src/index.js";
import { runCli, tempDir } from "../helpers/cli.js";
import { emulator } from "../helpers/emulator.js";
import { runCliEnv } from "../helpers/run-cli.js";
import { cleanupAfterEach, planFolder, primedJob, QUICK_SIM } from "../helpers/run-job.js";

const cleanups = cleanupAfterEach();
const pkg = JSON.parse(await readFile("package.json", "utf8")) as {
  version: string;
  files: string[];
};
const SCHEMAS = "schemas";
const schemaNames = [
  "plan",
  "run",
  "plan-output",
  "estimate-output",
  "report-output",
  "status-output",
  "cancel-output",
  "retry-output",
  "error-output",
  "submit-line",
  // `cacheplan probe`: validated against real outputs in test/probe/json.test.ts.
  "probe-output",
  "probe-cost-output",
  "probe-calibration",
] as const;
type SchemaName = (typeof schemaNames)[number];
const validators = {} as Record<SchemaName, ValidateFunction>;

beforeAll(async () => {
  const ajv = new Ajv({ allErrors: true, strict: true });
  for (const name of schemaNames) {
    const schema = JSON.parse(await readFile(path.join(SCHEMAS, `${name}.schema.json`), "utf8"));
    validators[name] = ajv.compile(schema);
  }
});

function expectValid(name: SchemaName, value: unknown): void {
  const validate = validators[name];
  const ok = validate(value);
  expect(ok, `${name}: ${JSON.stringify(validate.errors?.slice(0, 3), null, 1)}`).toBe(true);
}

/** Tweaks that a schema must refuse, so a test of a schema is not one that cannot fail. */
function expectInvalid(name: SchemaName, value: Record<string, unknown>): void {
  expect(validators[name](value)).toBe(false);
}

describe("the package ships its JSON Schemas", () => {
  it("package.json `files` holds schemas/, and schemas/ holds exactly the documented schemas", async () => {
    expect(pkg.files).toContain("schemas");
    const files = (await readdir(SCHEMAS)).filter((f) => f.endsWith(".json")).sort();
    expect(files).toEqual(schemaNames.map((n) => `${n}.schema.json`).sort());
  });
});

describe("--json errors", () => {
  const cases: Array<{ argv: string[]; code: string; exitCode: number; on: "stdout" | "stderr" }> =
    [
      { argv: ["plan", "--sample", "--out", "--json"], code: "usage", exitCode: 2, on: "stderr" },
      { argv: ["plan", "--json", "--frobnicate"], code: "usage", exitCode: 2, on: "stderr" },
      {
        argv: ["plan", "--sample", "--json", "--max-requests", "-5"],
        code: "invalid-options",
        exitCode: 2,
        on: "stderr",
      },
      { argv: ["plan", "nope.jsonl", "--json"], code: "invalid-input", exitCode: 3, on: "stderr" },
      { argv: ["estimate", "--json"], code: "usage", exitCode: 2, on: "stderr" },
      {
        argv: ["report", "--results", "nope.jsonl", "--format", "json"],
        code: "invalid-input",
        exitCode: 3,
        on: "stderr",
      },
      { argv: ["status", "nope", "--json"], code: "invalid-input", exitCode: 3, on: "stderr" },
      // submit's standard output is a stream of JSON lines: the error ends it there.
      { argv: ["submit", "--json"], code: "usage", exitCode: 2, on: "stdout" },
    ];
  for (const c of cases) {
    it(`${c.argv.join(" ")}: one JSON object on ${c.on}, code ${c.code}`, async () => {
      const run = await runCli(c.argv);
      expect(run.code).toBe(c.exitCode);
      const text = c.on === "stdout" ? run.stdout : run.stderr;
      expect(c.on === "stdout" ? run.stderr : run.stdout).toBe("");
      expect(text.endsWith("\n")).toBe(true);
      expect(text.trimEnd().split("\n")).toHaveLength(1);
      const error = JSON.parse(text);
      expect(error).toMatchObject({
        cacheplanVersion: pkg.version,
        type: "error",
        code: c.code,
        exitCode: c.exitCode,
      });
      expect(error.message).not.toMatch(/^cacheplan:/);
      expectValid("error-output", error);
      if (c.on === "stdout") expectValid("submit-line", error);
    });
  }

  it("without --json, errors stay plain text", async () => {
    const run = await runCli(["plan", "--sample", "--out"]);
    expect(run.stderr).toBe("cacheplan: `--out` needs a value, e.g. `--out <dir>`.\n");
  });

  it("an unexpected failure has the code `unexpected`; a library option error names the flag", () => {
    expect(describeError(new TypeError("boom"), new Set())).toEqual({
      code: "unexpected",
      message: "boom",
      exitCode: 3,
    });
    expect(describeError(new OptionsError("`maxBytes` must be …"), new Set())).toEqual({
      code: "invalid-options",
      message: "`--max-bytes` must be …",
      exitCode: 2,
    });
  });

  it("the error schema refuses an error without its code", () => {
    expectInvalid("error-output", {
      cacheplanVersion: "0.1.0",
      type: "error",
      message: "x",
      exitCode: 2,
    });
  });
});

describe("every --json output carries the version and matches its schema", () => {
  it("plan: plan.json on disk and `plan --json`", async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const out = path.join(dir, "p");
    const run = await runCli(["plan", "examples/requests.jsonl", "--out", out, "--json"]);
    expect(run.code, run.stderr).toBe(0);
    const printed = JSON.parse(run.stdout);
    expect(printed.cacheplanVersion).toBe(pkg.version);
    expectValid("plan-output", printed);
    const onDisk = JSON.parse(await readFile(path.join(out, "plan.json"), "utf8"));
    expect(onDisk.cacheplanVersion).toBeUndefined();
    expectValid("plan", onDisk);
    expectInvalid("plan", { ...onDisk, version: 2 });
    expectInvalid("plan-output", onDisk);
  });

  it("estimate --json, of a file and of the sample", async () => {
    for (const argv of [["examples/requests.jsonl"], ["--sample"]]) {
      const run = await runCli(["estimate", ...argv, "--json"]);
      expect(run.code, run.stderr).toBe(0);
      const printed = JSON.parse(run.stdout);
      expect(printed.cacheplanVersion).toBe(pkg.version);
      expectValid("estimate-output", printed);
      expectInvalid("estimate-output", { ...printed, total: undefined });
    }
  });

  it("report --json and --format json", async () => {
    for (const format of [["--json"], ["--format", "json"]]) {
      const run = await runCli([
        "report",
        "test/fixtures/report/plan",
        "--results",
        "test/fixtures/report/complete",
        ...format,
      ]);
      expect(run.code, run.stderr).toBe(0);
      const printed = JSON.parse(run.stdout);
      expect(printed.cacheplanVersion).toBe(pkg.version);
      expectValid("report-output", printed);
    }
  });

  it("a run against the emulator: submit --json lines, run.json, status, cancel and retry --json", async () => {
    const folder = await planFolder(primedJob(2, 4));
    cleanups.push(folder.cleanup);
    const target = await emulator({ timeScale: 1000, sim: QUICK_SIM });
    const env = { ANTHROPIC_API_KEY: "test", ANTHROPIC_BASE_URL: target.url };

    const fresh = await runCliEnv(["status", "plan", "--json"], folder.root, {});
    expect(JSON.parse(fresh.stdout)).toEqual({ cacheplanVersion: pkg.version, submitted: false });
    expectValid("status-output", JSON.parse(fresh.stdout));

    const submitted = await runCliEnv(
      ["submit", "plan", "--json", "--poll-interval", "5"],
      folder.root,
      env,
    );
    expect(submitted.code, submitted.stderr).toBe(0);
    const lines = submitted.stdout
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.type)).toContain("report");
    for (const line of lines) {
      expect(line.cacheplanVersion).toBe(pkg.version);
      expectValid("submit-line", line);
    }

    const runJson = JSON.parse(await readFile(path.join(folder.dir, "run.json"), "utf8"));
    expectValid("run", runJson);
    expectInvalid("run", { ...runJson, batches: "none" });

    const status = await runCliEnv(["status", "plan", "--json"], folder.root, {});
    const statusOut = JSON.parse(status.stdout);
    expect(statusOut).toEqual({ cacheplanVersion: pkg.version, submitted: true, ...runJson });
    expectValid("status-output", statusOut);

    const cancel = await runCliEnv(["cancel", "plan", "--json"], folder.root, env);
    expect(cancel.code, cancel.stderr).toBe(0);
    const canceled = JSON.parse(cancel.stdout);
    expect(canceled.cacheplanVersion).toBe(pkg.version);
    expectValid("cancel-output", canceled);

    const retry = await runCliEnv(["retry", "plan", "--json"], folder.root, {});
    const retried = JSON.parse(retry.stdout);
    expect(retried.cacheplanVersion).toBe(pkg.version);
    expectValid("retry-output", retried);
  });
});
