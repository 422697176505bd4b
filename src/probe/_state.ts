/**
 * The probe's folder (internal): `probe.json` holds its design (model, k, nonce, prefix size) and
 * every synchronous call it made, saved after each call, so a probe stopped anywhere resumes
 * with the same prefixes and never sends a call twice; `plan/` is the plan of its batches, run by
 * `submit()` (with its own `run.json` and results). Nothing else is written; nothing is deleted.
 */
import { mkdir, readdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import type { ResolvedLong } from "./_design.js";
import { ProbeError } from "./errors.js";

/** The state file's name. */
export const PROBE_STATE_FILE = "probe.json";
/** The plan folder inside the probe folder. */
export const PROBE_PLAN_DIR = "plan";
/** The calibration written at the end. */
export const PROBE_CALIBRATION_FILE = "calibration.json";

/** One synchronous call: when it was sent and answered (ms, this machine's clock) and its usage. */
export interface CallRecord {
  sentAt: number;
  doneAt: number;
  /** The response's `usage`. */
  usage: unknown;
  /** Provider ms per local ms while it ran: 1 on the API, the emulator's time scale on it. */
  scale: number;
}

/** `probe.json`. */
export interface ProbeState {
  version: 1;
  target: "anthropic";
  model: string;
  k: number;
  nonce: string;
  long: ResolvedLong;
  /** Filler words per prefix, once sized. */
  words: number | null;
  /** Tokens of a prefix (count_tokens), once sized. */
  prefixTokens: number | null;
  /** Synchronous calls by custom id. */
  calls: Record<string, CallRecord>;
}

/** Reads the state of a probe folder: `null` when the folder is absent or empty. */
export async function readProbeState(dir: string): Promise<ProbeState | null> {
  const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return null;
    throw error;
  });
  if (names === null || names.length === 0) return null;
  if (!names.includes(PROBE_STATE_FILE)) {
    throw new ProbeError(
      "probe-folder",
      `\`${dir}\` is not empty and holds no \`${PROBE_STATE_FILE}\`: it is not a probe folder, and cacheplan never writes into a folder of other files. Choose a new folder for \`--out\`.`,
    );
  }
  const file = path.join(dir, PROBE_STATE_FILE);
  try {
    const state = JSON.parse(await readFile(file, "utf8")) as ProbeState;
    if (state?.version !== 1 || typeof state.nonce !== "string")
      throw new Error("not a probe state");
    return state;
  } catch (error) {
    throw new ProbeError(
      "probe-folder",
      `\`${file}\` is not a probe state written by \`cacheplan probe\` (${(error as Error).message}). Restore it, or probe into a new folder.`,
      { cause: error },
    );
  }
}

/** Checks that a saved probe is the one asked for. */
export function checkSame(
  dir: string,
  saved: ProbeState,
  asked: Omit<ProbeState, "words" | "prefixTokens" | "calls" | "nonce">,
): void {
  const differs: string[] = [];
  if (saved.model !== asked.model) differs.push(`model ${saved.model}, not ${asked.model}`);
  if (saved.k !== asked.k) differs.push(`k ${saved.k}, not ${asked.k}`);
  if (JSON.stringify(saved.long) !== JSON.stringify(asked.long))
    differs.push("another `--long` choice");
  if (differs.length > 0) {
    throw new ProbeError(
      "probe-mismatch",
      `\`${dir}\` holds a probe with ${differs.join(", ")}. Run it again as it was to resume it, or probe into a new folder.`,
    );
  }
}

/** Saves the state: written beside, then renamed over, so a crash never leaves half a file. */
export async function saveProbeState(dir: string, state: ProbeState): Promise<void> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, PROBE_STATE_FILE);
  const partial = `${file}.partial-${process.pid}`;
  await writeFile(partial, `${JSON.stringify(state, null, 2)}\n`);
  await rename(partial, file);
}
