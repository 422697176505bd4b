/**
 * Keeping `run.json` (internal): atomic, serialized writes of the state, and a lock file so that
 * two processes never submit the same plan folder at once (`_lock.ts`).
 */
import { open, rename } from "node:fs/promises";
import path from "node:path";
import { redactSecrets } from "./redact.js";
import { RUN_STATE_FILE, type RunState } from "./state.js";

/** The run state in memory and on disk: every `save()` writes the state as it is at that moment. */
export class StateStore {
  readonly dir: string;
  state: RunState;
  /** Redacted from every string written (`redact.ts`); the state holds no message, but still. */
  secrets: readonly string[] = [];
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
    const redact = (_: string, v: unknown) =>
      typeof v === "string" ? redactSecrets(v, this.secrets) : v;
    const text = `${JSON.stringify(this.state, redact, 2)}\n`;
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

export { acquireLock, LOCK_FILE, lockHolder } from "./_lock.js";
