/**
 * What a crashed process leaves in a plan folder, for the lock and leftover tests: a pid that is
 * gone, and a `run.lock` naming it.
 */
import { spawnSync } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import path from "node:path";
import { LOCK_FILE } from "../../src/run/_lock.js";

/** The pid of a process that has exited. */
export function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]);
  return Number(child.stdout.toString());
}

/** A lock left by a process killed with SIGKILL (this machine, a pid that is gone). */
export async function staleLock(dir: string): Promise<void> {
  const info = { pid: deadPid(), host: hostname(), since: "2026-01-01T00:00:00.000Z" };
  await writeFile(path.join(dir, LOCK_FILE), JSON.stringify(info));
}
