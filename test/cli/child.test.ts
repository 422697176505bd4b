/**
 * The built CLI in a child process (issue 10 item 8): `status` loads no SDK (commands share code
 * only through `cli/_*.ts`, so `status` no longer imports `submit`'s module, which loads it), and
 * `demo` stopped by a signal exits 130 / 143 as `submit` does.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCli, spawnCli } from "../helpers/run-child.js";
import { cleanupAfterEach, planFolder, primedJob } from "../helpers/run-job.js";

let cli: Awaited<ReturnType<typeof buildCli>>;
let hooks: string;
beforeAll(async () => {
  cli = await buildCli("cli-child");
  hooks = await mkdtemp(path.join(tmpdir(), "cacheplan-hooks-"));
  // A module loader hook that appends every module the child loads (its resolved URL) to a file.
  await writeFile(
    path.join(hooks, "hooks.mjs"),
    `import { appendFileSync } from "node:fs";
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(process.env.LOAD_LOG, resolved.url + "\\n");
  return resolved;
}
`,
  );
  await writeFile(
    path.join(hooks, "register.mjs"),
    `import { register } from "node:module";\nregister("./hooks.mjs", import.meta.url);\n`,
  );
}, 120_000);
afterAll(async () => {
  await cli?.remove();
  if (hooks) await rm(hooks, { recursive: true, force: true });
});

const cleanups = cleanupAfterEach();

/** Runs the built CLI with the loader hook; returns the exit code and the modules it loaded. */
async function loadedBy(argv: string[], cwd: string) {
  const log = path.join(hooks, `load-${argv[0]}-${Date.now()}.log`);
  await writeFile(log, "");
  const run = await promisify(execFile)(
    process.execPath,
    ["--import", path.join(hooks, "register.mjs"), cli.main, ...argv],
    { cwd, env: { PATH: process.env.PATH ?? "", LOAD_LOG: log } },
  ).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );
  return { ...run, modules: (await readFile(log, "utf8")).split("\n").filter(Boolean) };
}

describe("the built CLI in a child", () => {
  it("`status` loads no SDK; the log does record package modules (citty)", async () => {
    const folder = await planFolder(primedJob(1, 3));
    cleanups.push(folder.cleanup);
    const status = await loadedBy(["status", "plan"], folder.root);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/^plan: not submitted yet/);
    // The hook sees package imports: citty is loaded by every command.
    expect(status.modules.some((url) => url.includes("/node_modules/citty/"))).toBe(true);
    expect(status.modules.filter((url) => url.includes("@anthropic-ai/sdk"))).toEqual([]);
  });

  for (const [signal, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const) {
    it(`\`demo\` stopped by ${signal} exits ${code}, as \`submit\` does`, async () => {
      // One simulated ms per real ms: the demo's batches take minutes, so it is still submitting.
      const run = spawnCli(cli.main, ["demo", "--time-scale", "1"], {});
      await new Promise<void>((resolve, reject) => {
        let seen = "";
        const timer = setTimeout(() => reject(new Error(`no submit in: ${seen}`)), 30_000);
        run.child.stdout?.on("data", (chunk: Buffer) => {
          seen += chunk.toString("utf8");
          if (/created batch/.test(seen)) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      run.child.kill(signal);
      const stopped = await run.done;
      expect(stopped.signal, stopped.stderr).toBeNull();
      expect(stopped.code, stopped.stderr).toBe(code);
      expect(stopped.stderr).toMatch(/Demo stopped\./);
    });
  }
});
