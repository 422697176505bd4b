/**
 * Keeping `run.json` (internal): atomic, serialized writes of the state, and a lock file so that
 * two processes never submit the same plan folder at once.
 */
import { open, readFile, rename, rm } from "node:fs/promises";
import { hostname } from "node:os";
import path from "node:path";
import { RunError } from "./errors.js";
import { RUN_STATE_FILE, type RunState } from "./state.js";

/** Lock file of a plan folder while a process submits it. */
export const LOCK_FILE = "run.lock";

/** The run state in memory and on disk: every `save()` writes the state as it is at that moment. */
export class StateStore {
  readonly dir: string;
  state: RunState;
  #chain: Promise<void> = Promise.resolve();
  #seq = 0;

  constructor(dir: string, state: RunState) {
    this.dir = dir;
    this.state = state;
  }

  /**
   * Writes the state: to a temporary file, flushed, then renamed over `run.json`, so a crash
   * leaves either the old or the new state, never half of one. Calls are serialized.
   */
  save(): Promise<void> {
    const next = this.#chain.then(() => this.#write());
    this.#chain = next.catch(() => {});
    return next;
  }

  async #write(): Promise<void> {
    this.state.updatedAt = new Date().toISOString();
    const text = `${JSON.stringify(this.state, null, 2)}\n`;
    const file = path.join(this.dir, RUN_STATE_FILE);
    const temp = `${file}.tmp-${process.pid}-${this.#seq++}`;
    const handle = await open(temp, "w");
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

interface LockInfo {
  pid: number;
  host: string;
  since: string;
}

/** Who holds the lock of `dir`, when a live process on this machine does. */
export async function lockHolder(dir: string): Promise<LockInfo | null> {
  try {
    const info = JSON.parse(await readFile(path.join(dir, LOCK_FILE), "utf8")) as LockInfo;
    if (info.host === hostname() && info.pid !== process.pid && !alive(info.pid)) return null;
    return info;
  } catch {
    return null;
  }
}

/**
 * Takes the lock of a plan folder; returns its release. A lock left by a process that died (a
 * crash, SIGKILL) on this machine is taken over.
 *
 * @throws {RunError} `locked` when a live process holds it.
 */
export async function acquireLock(dir: string): Promise<() => Promise<void>> {
  const file = path.join(dir, LOCK_FILE);
  const mine: LockInfo = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(file, "wx");
      await handle.writeFile(JSON.stringify(mine));
      await handle.close();
      return async () => {
        await rm(file, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const holder = await lockHolder(dir);
      if (holder !== null) {
        const where = holder.host === mine.host ? "" : ` on ${holder.host}`;
        throw new RunError(
          "locked",
          `Another cacheplan (pid ${holder.pid}${where}, since ${holder.since}) is submitting \`${dir}\`. Let it finish, or stop it (Ctrl-C) first; if no such process exists, delete \`${file}\`.`,
        );
      }
      await rm(file, { force: true });
    }
  }
  throw new RunError("locked", `Cannot take the lock \`${file}\`; delete it and try again.`);
}
