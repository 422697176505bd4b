/**
 * Runs vitest with the given arguments, without colour codes when standard output is not a
 * terminal: vitest colours its output whenever TERM is not "dumb", even into a pipe or a log file
 * (its colour library does not look at isTTY), so `npm test | tee log` would be full of escape
 * codes. NO_COLOR turns them off; FORCE_COLOR, if set, wins.
 */
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const manifest = createRequire(path.join(root, "package.json")).resolve("vitest/package.json");
const vitest = path.join(path.dirname(manifest), "vitest.mjs");

const env = { ...process.env };
if (!process.stdout.isTTY && env.FORCE_COLOR === undefined) env.NO_COLOR = "1";

const child = spawn(process.execPath, [vitest, ...process.argv.slice(2)], {
  cwd: root,
  env,
  stdio: "inherit",
});
// Ctrl-C reaches vitest too (the terminal signals the whole group): let it stop its workers and
// report, then pass its exit on. A SIGTERM sent to this process alone is passed to vitest.
process.on("SIGINT", () => {});
process.on("SIGTERM", () => child.kill("SIGTERM"));
child.on("exit", (code, signal) => process.exit(code ?? (signal === "SIGTERM" ? 143 : 130)));
