import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { PassThrough, Readable } from "node:stream";
import { main } from "../../src/cli/main.js";

export interface CliRun {
  stdout: string;
  stderr: string;
  code: number;
}

/** Runs the CLI in-process with captured streams, like a terminal would, from `cwd`. */
export async function runCli(
  argv: string[],
  options: { cwd?: string; stdin?: string; env?: Record<string, string> } = {},
): Promise<CliRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString("utf8");
  });
  stderr.on("data", (chunk: Buffer) => {
    err += chunk.toString("utf8");
  });
  const code = await main(argv, {
    stdout,
    stderr,
    stdin: Readable.from(options.stdin === undefined ? [] : [options.stdin]),
    env: options.env ?? {},
    cwd: options.cwd ?? process.cwd(),
  });
  return { stdout: out, stderr: err, code };
}

/** A fresh temporary folder, removed by the returned cleanup. */
export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), "cacheplan-test-"));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** The golden-file form of a run: the command, its output and its exit code. */
export function transcript(argv: string[], run: CliRun): string {
  const parts = [`$ cacheplan ${argv.join(" ")}`, ""];
  if (run.stdout) parts.push("stdout:", "```", run.stdout.trimEnd(), "```", "");
  if (run.stderr) parts.push("stderr:", "```", run.stderr.trimEnd(), "```", "");
  parts.push(`Exit code: ${run.code}`, "");
  return parts.join("\n");
}
