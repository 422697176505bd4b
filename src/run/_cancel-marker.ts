/**
 * A cancel asked for beside a running submit (internal): `cancel-requested` in the plan folder.
 *
 * Why a marker and not a write to `run.json`: `run.json` has one writer, the process that holds
 * `run.lock` (a submit, or a cancel with nothing running). A second process that rewrote it while
 * the submitter holds the state in memory would be overwritten at the submitter's next save, or
 * would overwrite a batch id the submitter just recorded: a batch created and then forgotten,
 * created again on resume. So a cancel that finds the lock held never writes `run.json`:
 *
 * 1. it writes the marker first (a temporary file renamed into place: atomic, never half-read);
 * 2. then asks the API to cancel the batches `run.json` lists as created (a cancel is idempotent,
 *    and an ended batch answers 400, which is fine);
 * 3. the lock holder looks for the marker before every create and every round of polls, records
 *    the request (`canceledAt`) in `run.json` itself, and only then removes the marker. From then
 *    on it creates nothing and cancels every batch still in progress at its next poll: that
 *    covers a batch whose create was in flight while step 2 read `run.json` (creates are checked
 *    against the marker before their intent is written, so none starts after step 1).
 *
 * The marker only ever moves a run towards canceled, so reading it late or twice is harmless; a
 * marker left by a submit that exited before seeing it is picked up by the next `submit` or
 * `cancel` that takes the lock.
 */
import { randomBytes } from "node:crypto";
import { readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { StateStore } from "./_store.js";

/** File name of the marker inside the plan folder. */
export const CANCEL_MARKER = "cancel-requested";

/** When a cancel was requested, from the marker; `null` without one (or an unreadable one). */
export async function readCancelMarker(dir: string): Promise<string | null> {
  try {
    const text = await readFile(path.join(dir, CANCEL_MARKER), "utf8");
    const at = (JSON.parse(text) as { requestedAt?: unknown }).requestedAt;
    return typeof at === "string" && !Number.isNaN(Date.parse(at)) ? at : null;
  } catch {
    return null;
  }
}

/** Writes the marker (atomically); keeps the time of an earlier request. Returns that time. */
export async function writeCancelMarker(dir: string): Promise<string> {
  const requestedAt = (await readCancelMarker(dir)) ?? new Date().toISOString();
  const file = path.join(dir, CANCEL_MARKER);
  const temp = `${file}.tmp-${process.pid}-${randomBytes(6).toString("hex")}`;
  await writeFile(temp, `${JSON.stringify({ requestedAt, pid: process.pid })}\n`);
  await rename(temp, file);
  return requestedAt;
}

/**
 * For the lock holder only: records a requested cancel in the state (saved before the marker is
 * removed). True when the run is canceled (now or before).
 */
export async function pickUpCancel(store: StateStore): Promise<boolean> {
  const at = await readCancelMarker(store.dir);
  if (at !== null && store.state.canceledAt === null) {
    store.state.canceledAt = at;
    await store.save();
  }
  if (at !== null) await rm(path.join(store.dir, CANCEL_MARKER), { force: true });
  return store.state.canceledAt !== null;
}
