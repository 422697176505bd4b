/**
 * The submit lock of a plan folder (internal): `run.lock`, held by the one process that submits
 * or cancels the folder, so that two processes never create the same batches.
 *
 * Why it is safe (every step is one atomic filesystem operation, and every decision is checked
 * again after the step that could have changed it):
 *
 * 1. Taking a free lock. The content (pid, host, time, a random token) is written to a temporary
 *    file of our own, flushed, then `link()`ed to `run.lock`. `link()` fails with `EEXIST` when
 *    `run.lock` exists, atomically, so exactly one of any number of takers wins; and a reader can
 *    never see a half-written lock, since the file is complete before it has that name.
 * 2. Judging a lock. A lock naming a live process (or another machine, where its pid cannot be
 *    checked) is held. A lock naming a process of this machine that is gone (a crash, SIGKILL) is
 *    stale. A lock that cannot be parsed can only be an old-format lock (opened, then written)
 *    caught half-written, or damage: it is stale only once it is older than
 *    {@link UNPARSABLE_STALE_MS}, by when a writer would have finished.
 * 3. Taking over a stale lock S. Several takers may judge S stale at once, and a taker that
 *    removes `run.lock` after another taker already replaced S would remove a live lock. So the
 *    right to replace S is itself a lock: `run.lock.claim-<hash of S's bytes>`, taken by rule 1.
 *    Exactly one taker gets it. While it is held nobody else can change `run.lock`: S's owner is
 *    gone, other takers of S have no claim, and fresh takers (rule 1) only succeed while
 *    `run.lock` is absent. The claim holder then checks that `run.lock` is still S (a slow taker
 *    that judged S stale long ago finds the winner's lock instead, and backs off), renames it to
 *    a name of its own (checking the moved bytes are S, else putting them back), and takes the
 *    free lock by rule 1 (a fresh taker may beat it in that instant: then that one holds it, and
 *    still exactly one does). The claim is removed only after `run.lock` is no longer S, so a
 *    taker that gets the claim later always finds S gone.
 * 4. A claim whose holder died (between rules 3's steps) is stale in turn, and is taken over by
 *    the same rule one level down (`claim-<hash of the claim>`), so nothing waits forever.
 * 5. Release removes `run.lock` only while it still holds our token: nobody else can have
 *    replaced it while we live (our pid is alive, so rule 2 never judges it stale).
 *
 * Every temporary file is named `run.lock.tmp-<pid>-…` or `run.lock.old-<pid>-…` and is cleaned
 * by the next taker once its process is gone (see `_leftovers.ts`).
 */
import { randomBytes } from "node:crypto";
import { link, open, readFile, rename, rm, stat } from "node:fs/promises";
import { hostname } from "node:os";
import path from "node:path";
import { sha256Hex } from "../util/hash.js";
import { RunError } from "./errors.js";

/** Lock file of a plan folder while a process submits it. */
export const LOCK_FILE = "run.lock";

/** An unparsable lock (an old-format one caught half-written, or damage) is stale after this. */
export const UNPARSABLE_STALE_MS = 5000;

/** What a lock file holds. */
export interface LockInfo {
  pid: number;
  host: string;
  since: string;
  /** Random, unique per lock taken (absent in locks of older versions). */
  token?: string;
}

/** Whether process `pid` of this machine is alive. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** What a lock file says: held by someone, stale, or absent. */
type Judged =
  | { kind: "absent" }
  | { kind: "held"; info: LockInfo }
  | { kind: "stale"; bytes: Buffer };

function parse(bytes: Buffer): LockInfo | null {
  try {
    const info = JSON.parse(bytes.toString("utf8")) as LockInfo;
    if (typeof info?.pid !== "number" || typeof info.host !== "string") return null;
    return info;
  } catch {
    return null;
  }
}

async function judge(file: string): Promise<Judged> {
  let bytes: Buffer;
  let mtimeMs: number;
  try {
    [bytes, { mtimeMs }] = await Promise.all([readFile(file), stat(file)]);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { kind: "absent" };
    throw error;
  }
  const info = parse(bytes);
  if (info === null) {
    if (Date.now() - mtimeMs < UNPARSABLE_STALE_MS) {
      return { kind: "held", info: { pid: 0, host: "?", since: "a moment ago" } };
    }
    return { kind: "stale", bytes };
  }
  if (info.host !== hostname() || info.pid === process.pid || alive(info.pid)) {
    return { kind: "held", info };
  }
  return { kind: "stale", bytes };
}

const unique = () => `${process.pid}-${randomBytes(6).toString("hex")}`;

/** Rule 1: links `content` to `file` if it is absent. True when we got it. */
async function linkInPlace(dir: string, file: string, content: string): Promise<boolean> {
  const temp = path.join(dir, `${LOCK_FILE}.tmp-${unique()}`);
  const handle = await open(temp, "wx");
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(temp, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  } finally {
    await rm(temp, { force: true });
  }
}

function claimOf(file: string, stale: Buffer): string {
  const hash = sha256Hex(stale).slice(0, 20);
  return `${path.join(path.dirname(file), LOCK_FILE)}.claim-${hash}`;
}

/** Rule 3: moves `file` away if it still holds `stale`; true when it did. */
async function removeIfStill(dir: string, file: string, stale: Buffer): Promise<boolean> {
  const current = await readFile(file).catch(() => null);
  if (current === null || !current.equals(stale)) return false;
  const moved = path.join(dir, `${LOCK_FILE}.old-${unique()}`);
  try {
    await rename(file, moved);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
  const bytes = await readFile(moved);
  if (!bytes.equals(stale)) {
    // Cannot happen while we hold the claim (see rule 3); never lose someone's lock regardless.
    await link(moved, file).catch(() => {});
    await rm(moved, { force: true });
    return false;
  }
  await rm(moved, { force: true });
  return true;
}

/**
 * Takes `file` with `content` (rules 1 to 4); returns `null` when we got it, else who holds it.
 * `depth` bounds the claims of claims.
 */
async function take(
  dir: string,
  file: string,
  content: string,
  depth = 0,
): Promise<LockInfo | null> {
  for (let attempt = 0; attempt < 8; attempt++) {
    if (await linkInPlace(dir, file, content)) return null;
    const judged = await judge(file);
    if (judged.kind === "absent") continue;
    if (judged.kind === "held") return judged.info;
    if (depth >= 4) return { pid: 0, host: "?", since: "?" };
    const claim = claimOf(file, judged.bytes);
    const claimant = await take(dir, claim, content, depth + 1);
    if (claimant !== null) return claimant; // another process is taking the stale lock over
    try {
      await removeIfStill(dir, file, judged.bytes);
      // Free now (or taken by a fresh taker in this instant): rule 1 decides.
      if (await linkInPlace(dir, file, content)) return null;
    } finally {
      await rm(claim, { force: true });
    }
  }
  return { pid: 0, host: "?", since: "?" };
}

/** Who holds the lock of `dir`, when a live process (or one on another machine) does. */
export async function lockHolder(dir: string): Promise<LockInfo | null> {
  const judged = await judge(path.join(dir, LOCK_FILE));
  return judged.kind === "held" ? judged.info : null;
}

/**
 * Takes the lock of a plan folder; returns its release. A lock left by a process that died (a
 * crash, SIGKILL) on this machine is taken over, atomically (see the rules above).
 *
 * @throws {RunError} `locked` when a live process holds it.
 */
export async function acquireLock(dir: string): Promise<() => Promise<void>> {
  const file = path.join(dir, LOCK_FILE);
  const mine: LockInfo = {
    pid: process.pid,
    host: hostname(),
    since: new Date().toISOString(),
    token: randomBytes(12).toString("hex"),
  };
  const content = JSON.stringify(mine);
  const holder = await take(dir, file, content);
  if (holder !== null) {
    const who =
      holder.pid === 0
        ? "(a lock being written or taken over)"
        : `(pid ${holder.pid}${holder.host === mine.host ? "" : ` on ${holder.host}`}, since ${holder.since})`;
    throw new RunError(
      "locked",
      `Another cacheplan ${who} is submitting \`${dir}\`. Let it finish, or stop it (Ctrl-C) first; if no such process exists, delete \`${file}\`.`,
    );
  }
  return async () => {
    const current = await readFile(file, "utf8").catch(() => null);
    if (current === content) await rm(file, { force: true });
  };
}
