/**
 * The CLI in a child process, for tests that kill it: the sources are compiled once per test
 * file into a private folder (not `dist/`, which other work may be rebuilding) under
 * `node_modules/.cache`, where Node still finds the dependencies.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";

const root = path.resolve(import.meta.dirname, "../..");

/**
 * Compiles `src/` to a private folder laid out like the package (`package.json` beside `dist/`,
 * which the CLI reads its version from); returns the path of its `dist/cli/main.js`.
 */
export async function buildCli(
  name: string,
): Promise<{ main: string; remove: () => Promise<void> }> {
  const out = path.join(root, "node_modules", ".cache", `cacheplan-${name}-${process.pid}`);
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });
  await writeFile(path.join(out, "package.json"), await readFile(path.join(root, "package.json")));
  await promisify(execFile)(
    path.join(root, "node_modules", ".bin", "tsc"),
    ["-p", path.join(root, "tsconfig.build.json"), "--outDir", path.join(out, "dist")],
    { cwd: root },
  );
  return {
    main: path.join(out, "dist", "cli", "main.js"),
    remove: () => rm(out, { recursive: true, force: true }),
  };
}

export interface ChildRun {
  child: ChildProcess;
  /** Resolves when the child has exited, with its output. */
  done: Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
  }>;
}

/** Runs `node main …argv` with only `env` (and PATH) in its environment. */
export function spawnCli(main: string, argv: string[], env: Record<string, string>): ChildRun {
  const child = spawn(process.execPath, [main, ...argv], {
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString("utf8");
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  const done = new Promise<Awaited<ChildRun["done"]>>((resolve) => {
    child.once("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done };
}
