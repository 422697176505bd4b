/**
 * Help (issue 11 item 1): `-h`/`--help` on every command prints that command's help and does
 * nothing else; `cacheplan help <command>` prints the same; usage lines read `cacheplan <name> …`,
 * required arguments are marked, and each help ends with examples.
 */
import { access } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { COMMANDS } from "../../src/cli/_commands.js";
import { thousands } from "../../src/cli/_help.js";
import { runCli, tempDir } from "../helpers/cli.js";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

const names = Object.keys(COMMANDS);

describe("cacheplan <command> --help", () => {
  it("lists every command", () => {
    expect(names.sort()).toEqual(
      [
        "cancel",
        "demo",
        "emulate",
        "estimate",
        "plan",
        "probe",
        "report",
        "retry",
        "status",
        "submit",
      ].sort(),
    );
  });

  for (const name of names) {
    it(`${name}: -h, --help and \`help ${name}\` print the same help, exit 0, and run nothing`, async () => {
      const short = await runCli([name, "-h"]);
      const long = await runCli([name, "--help"]);
      const viaHelp = await runCli(["help", name]);
      for (const run of [short, long, viaHelp]) {
        expect(run.code, run.stderr).toBe(0);
        expect(run.stderr).toBe("");
      }
      expect(long.stdout).toBe(short.stdout);
      expect(viaHelp.stdout).toBe(short.stdout);
      const text = short.stdout;
      expect(text.startsWith(`cacheplan ${name}: `)).toBe(true);
      // Every usage line names the program and the command.
      const usage = text.split("\n\n")[1]!.split("\n");
      expect(usage[0]).toBe("Usage:");
      for (const line of usage.slice(1)) expect(line).toMatch(new RegExp(`^  cacheplan ${name} `));
      // It ends with examples of this command.
      const examples = text.slice(text.lastIndexOf("Examples:\n"));
      expect(examples).toMatch(new RegExp(`\\n {2}(ANTHROPIC_API_KEY=… )?cacheplan ${name}\\b`));
      expect(text.indexOf("Examples:")).toBeGreaterThan(text.indexOf("Options:"));
      expect(text).toContain("-h, --help");
    });
  }

  it("marks required arguments as required", async () => {
    for (const name of ["submit", "status", "cancel"]) {
      const run = await runCli([name, "--help"]);
      expect(run.stdout).toContain(`cacheplan ${name} <plan-dir>`);
      expect(run.stdout).toMatch(/<plan-dir>\s+Plan folder written by `plan --out` \(required\)/);
    }
    const plan = await runCli(["plan", "--help"]);
    expect(plan.stdout).toContain("cacheplan plan <requests.jsonl | -> [options]");
    expect(plan.stdout).toContain("(required unless --sample)");
    const report = await runCli(["report", "--help"]);
    expect(report.stdout).toContain(
      "cacheplan report [plan-dir] [--results <file.jsonl | folder>]",
    );
  });

  it("help wins over everything else on the line: no plan written, no input read", async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const out = path.join(dir, "plan");
    const run = await runCli(["plan", "does-not-exist.jsonl", "--out", out, "--frobnicate", "-h"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^cacheplan plan: /);
    await expect(access(out)).rejects.toThrow();
  });

  it("demo -h does not run the demo and emulate -h does not start a server", async () => {
    const demo = await runCli(["demo", "-h"]);
    expect(demo.stdout).not.toMatch(/Submit:|Wave 0/);
    // Were a server started, this would wait for Ctrl-C and time out.
    const emulate = await runCli(["emulate", "--help"]);
    expect(emulate.stdout).not.toContain("listening");
  });

  it("`--` ends the options: `-h` after it is an argument, not help", async () => {
    const run = await runCli(["plan", "--", "-h"]);
    expect(run.stdout).not.toMatch(/^cacheplan plan: /);
    expect(run.stderr).toMatch(/Cannot read|not found|no such/i);
  });

  it("help of an unknown command is a usage error", async () => {
    const run = await runCli(["help", "frobnicate"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("Unknown command `frobnicate`");
  });

  it("numbers in the help have thousands separators, as in every other output", async () => {
    const run = await runCli(["plan", "--help"]);
    expect(run.stdout).toContain("(default 100,000)");
    expect(run.stdout).not.toMatch(/\b\d{5,}\b/);
    expect(thousands("default 256000000; model claude-x-20251101 at 1.25000")).toBe(
      "default 256,000,000; model claude-x-20251101 at 1.25000",
    );
  });
});
