/**
 * What a crashed process left in a plan folder (internal): the temporary files of `run.json`
 * writes (`run.json.tmp-<pid>-<n>`), of the lock (`run.lock.tmp-…`, `run.lock.old-…`,
 * `run.lock.claim-…`) and of results downloads (`results/<batch>-<id>.jsonl.partial-<pid>`).
 * Removed by the next process that takes the lock, and only files of exactly those names whose
 * process is gone: nothing else in the folder is touched.
 */
import { readdir, readFile, rm } from "node:fs/promises";
import path from "node:path";
import { CANCEL_MARKER } from "./_cancel-marker.js";
import { alive, LOCK_FILE } from "./_lock.js";
import { RESULTS_DIR, RUN_STATE_FILE } from "./state.js";

const esc = (s: string) => s.replace(/[.]/g, "\\.");
/** Names cacheplan gives its temporary files, with the pid of the process that wrote them. */
const TOP = [
  new RegExp(`^${esc(RUN_STATE_FILE)}\\.tmp-(\\d+)-\\d+$`),
  new RegExp(`^${esc(LOCK_FILE)}\\.(?:tmp|old)-(\\d+)-[0-9a-f]+$`),
  new RegExp(`^${esc(CANCEL_MARKER)}\\.tmp-(\\d+)-[0-9a-f]+$`),
];
const CLAIM = new RegExp(`^${esc(LOCK_FILE)}\\.claim-[0-9a-f]{20}$`);
/** A results download in progress: `<batch>-<id>.jsonl.partial-<pid>` (ids of any backend, `_ids.ts`). */
const PARTIAL = /^\d{4,}-[A-Za-z0-9][A-Za-z0-9_.-]*\.jsonl\.partial-(\d+)$/;

const gone = (pid: string) => Number(pid) !== process.pid && !alive(Number(pid));

async function names(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => []);
}

/** Pid of the process that holds a claim file, or `null` when it cannot be read. */
async function claimPid(file: string): Promise<string | null> {
  try {
    const pid = (JSON.parse(await readFile(file, "utf8")) as { pid?: unknown }).pid;
    return typeof pid === "number" ? String(pid) : null;
  } catch {
    return null;
  }
}

/**
 * Removes the leftovers of processes that are gone from `planDir`. Call it holding the lock: no
 * live process then writes `run.json` or takes the lock over (`_lock.ts` rule 3). Returns the
 * names removed, relative to `planDir`.
 */
export async function cleanLeftovers(planDir: string): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await names(planDir)) {
    let pid = TOP.map((re) => re.exec(name)?.[1]).find((p) => p !== undefined) ?? null;
    if (pid === null && CLAIM.test(name)) pid = await claimPid(path.join(planDir, name));
    if (pid === null || !gone(pid)) continue;
    await rm(path.join(planDir, name), { force: true });
    removed.push(name);
  }
  const results = path.join(planDir, RESULTS_DIR);
  for (const name of await names(results)) {
    const pid = PARTIAL.exec(name)?.[1];
    if (pid === undefined || !gone(pid)) continue;
    await rm(path.join(results, name), { force: true });
    removed.push(`${RESULTS_DIR}/${name}`);
  }
  return removed;
}
