/**
 * Output into a pipe or a file has no terminal escape codes, even where the environment says the
 * terminal could show colours (TERM=xterm-256color, no NO_COLOR, no CI): the CLI's help, errors
 * and progress lines, and the test runner's report (`npm test | tee log`).
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCli, spawnCli } from "../helpers/run-child.js";

const root = path.resolve(import.meta.dirname, "../..");
const ESC = "\u001b";
const COLOUR_ENV = { TERM: "xterm-256color", COLORTERM: "truecolor" };

let cli: Awaited<ReturnType<typeof buildCli>>;
let dir: string;
beforeAll(async () => {
  cli = await buildCli("piped");
  dir = await mkdtemp(path.join(tmpdir(), "cacheplan-piped-"));
}, 120_000);
afterAll(async () => {
  await cli?.remove();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("piped output", () => {
  it.each([
    [["--help"]],
    [["plan", "--help"]],
    [["report", "--help"]],
    [["estimate"]],
    [["report", "--results", "no-such-file.jsonl"]],
    [["no-such-command"]],
  ])("cacheplan %j prints no escape code", async (argv) => {
    const { stdout, stderr } = await spawnCli(cli.main, argv, COLOUR_ENV).done;
    expect(`${stdout}${stderr}`.length).toBeGreaterThan(0);
    // It ran: a crash (a stack trace) would say nothing about escape codes.
    expect(stderr).not.toMatch(/^\s+at /m);
    expect(stdout).not.toContain(ESC);
    expect(stderr).not.toContain(ESC);
  });

  it("cacheplan demo prints its progress as plain lines", { timeout: 60_000 }, async () => {
    const out = path.join(dir, "demo");
    const { code, stdout, stderr } = await spawnCli(cli.main, ["demo", "--out", out], COLOUR_ENV)
      .done;
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/wave 0/i);
    expect(stdout).not.toContain(ESC);
    expect(stdout).not.toContain("\r");
    expect(stderr).not.toContain(ESC);
  });

  it("npm test's vitest report has no colour codes in a pipe", { timeout: 60_000 }, async () => {
    const run = (script: string) =>
      promisify(execFile)(process.execPath, [script, "run", "--passWithNoTests", "zz-no-such"], {
        cwd: root,
        env: { PATH: process.env.PATH ?? "", ...COLOUR_ENV },
      });
    // vitest alone colours its report even into a pipe (the reason for the wrapper) ...
    const bare = await run(path.join(root, "node_modules", "vitest", "vitest.mjs"));
    expect(bare.stdout + bare.stderr).toContain(ESC);
    // ... and `npm test` runs it through scripts/vitest.mjs, which turns colours off there.
    const wrapped = await run(path.join(root, "scripts", "vitest.mjs"));
    expect(wrapped.stdout + wrapped.stderr).toContain("No test files found");
    expect(wrapped.stdout + wrapped.stderr).not.toContain(ESC);
  });
});
