/**
 * Which `--out` folders `writePlan()` may replace (internal). The rule: cacheplan only ever removes
 * what it wrote itself: a folder it creates, an empty folder, or a plan folder it recognises by
 * its own `plan.json` and that holds nothing but what `writePlan()` writes. Anything else is
 * refused, even with `--force`, so no file of the user's is ever deleted.
 */
import { lstat, readdir, readFile, rename, rm } from "node:fs/promises";
import path from "node:path";
import { InputError } from "../errors.js";
import { RUN_STATE_FILE } from "./plan-files.js";

/** What `--out` is now: nothing yet, an empty folder, or a plan folder cacheplan wrote. */
export type OutFolder = "absent" | "empty" | "plan";

/** Batch file names `writePlan()` writes (see `batchFileName()`). */
const BATCH_FILE = /^wave-\d+-batch-\d{4,}\.jsonl$/;

/** Names listed in a refusal, at most. */
const LISTED = 5;

/** True when `inner` is `outer` or a folder inside it. */
function within(outer: string, inner: string): boolean {
  const rel = path.relative(outer, inner);
  return rel === "" || (!rel.startsWith(`..${path.sep}`) && rel !== ".." && !path.isAbsolute(rel));
}

async function entries(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort();
}

/** True when `file` parses as a cacheplan `plan.json` (version 1 with a `batches` list). */
async function isOwnPlanJson(file: string): Promise<boolean> {
  try {
    const parsed = JSON.parse(await readFile(file, "utf8")) as {
      version?: unknown;
      batches?: unknown;
    };
    return parsed?.version === 1 && Array.isArray(parsed.batches);
  } catch {
    return false;
  }
}

/** Entries of a plan folder that `writePlan()` did not write, as paths relative to it. */
async function foreignEntries(target: string, names: readonly string[]): Promise<string[]> {
  const foreign = names.filter((n) => n !== "plan.json" && n !== "batches");
  if (names.includes("batches")) {
    const batches = path.join(target, "batches");
    if (!(await lstat(batches)).isDirectory()) foreign.push("batches");
    else
      for (const n of await entries(batches)) if (!BATCH_FILE.test(n)) foreign.push(`batches/${n}`);
  }
  return foreign.sort();
}

function listed(names: readonly string[]): string {
  const shown = names.slice(0, LISTED).map((n) => `\`${n}\``);
  return names.length > LISTED
    ? `${shown.join(", ")} and ${names.length - LISTED} more`
    : shown.join(", ");
}

/**
 * Checks that a plan may be written to `target` (`dir` as the user gave it) and says what is
 * there. Throws an `InputError` saying why not and what to do.
 */
export async function checkOutFolder(
  dir: string,
  target: string,
  options: { overwrite?: boolean; cwd?: string },
): Promise<OutFolder> {
  for (const cwd of new Set([process.cwd(), path.resolve(options.cwd ?? process.cwd())])) {
    if (within(target, cwd)) {
      throw new InputError(
        `\`${dir}\` is the working folder or holds it; a plan is written to a folder of its own, so nothing beside it is touched. Pass a new folder, e.g. \`--out plan\`.`,
        dir,
      );
    }
  }
  const info = await lstat(target).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return undefined;
    throw error;
  });
  if (info === undefined) return "absent";
  if (!info.isDirectory()) {
    throw new InputError(
      `\`${dir}\` is a file, not a folder; cacheplan does not replace it. Choose another \`--out\`.`,
      dir,
    );
  }
  const names = await entries(target);
  if (names.length === 0) return "empty";
  // A submitted plan's folder holds its run state and results: replacing it would make the next
  // `submit` create every batch again, so it is never overwritten.
  if (names.includes(RUN_STATE_FILE) && names.includes("plan.json")) {
    throw new InputError(
      `\`${dir}\` holds a plan that was submitted (\`run.json\`); it is not replaced, even with \`--force\`, so no batch is created twice. Write the new plan to another \`--out\` folder.`,
      dir,
    );
  }
  if (!names.includes("plan.json") || !(await isOwnPlanJson(path.join(target, "plan.json")))) {
    throw new InputError(
      `\`${dir}\` is not empty (${listed(names)}) and is not a cacheplan plan folder (no cacheplan \`plan.json\`). cacheplan never deletes files it did not write, so it does not write there, even with \`--force\`. Choose a new or empty folder for \`--out\`.`,
      dir,
    );
  }
  const foreign = await foreignEntries(target, names);
  if (foreign.length > 0) {
    throw new InputError(
      `\`${dir}\` holds a plan and also files cacheplan did not write (${listed(foreign)}); replacing the plan would delete them, so it is not replaced, even with \`--force\`. Move them out, or choose another \`--out\`.`,
      dir,
    );
  }
  if (!options.overwrite) {
    throw new InputError(
      `\`${dir}\` already holds a plan; pass \`--force\` (\`overwrite: true\`) to replace it, or choose another \`--out\`.`,
      dir,
    );
  }
  return "plan";
}

/** True while a process with this id runs (one that is not ours to signal counts as running). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The staging names `writePlan()` gives `target`'s siblings, with the pid that wrote them. */
export function stagingNames(target: string, pid: number): { partial: string; old: string } {
  return { partial: `${target}.partial-${pid}`, old: `${target}.old-${pid}` };
}

/**
 * Removes what a killed `writePlan()` to `target` left beside it: `<target>.partial-<pid>` (a
 * half-written plan) and `<target>.old-<pid>` (the plan it was replacing) whose process is gone.
 * Only those names. An `.old-<pid>` is put back as `target` when the kill came before the new plan
 * was in place, so the previous plan is never lost.
 */
export async function removeStale(target: string): Promise<void> {
  const parent = path.dirname(target);
  const base = path.basename(target).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const pattern = new RegExp(`^${base}\\.(partial|old)-(\\d+)$`);
  let names: string[];
  try {
    names = await entries(parent);
  } catch {
    return;
  }
  for (const name of names) {
    const m = pattern.exec(name);
    const pid = Number(m?.[2]);
    if (!m || pid === process.pid || alive(pid)) continue;
    const stale = path.join(parent, name);
    if (
      m[1] === "old" &&
      !(await lstat(target).then(
        () => true,
        () => false,
      ))
    ) {
      await rename(stale, target);
      continue;
    }
    await rm(stale, { recursive: true, force: true });
  }
}
