/**
 * Helpers of the runner tests: small primed jobs, a plan folder in a temp dir, fast polling, an
 * event recorder and the results of a run read back from disk.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import type Anthropic from "@anthropic-ai/sdk";
import { afterEach } from "vitest";
import {
  type BatchRequest,
  type Plan,
  type PlanOptions,
  plan,
  type RunEvent,
  type RunState,
  readRunState,
  writePlan,
} from "../../src/index.js";
import { tempDir } from "./cli.js";
import { closeEmulators, sharedCounter } from "./emulator.js";
import { words } from "./word-counter.js";

type IndividualResponse = Anthropic.Messages.Batches.MessageBatchIndividualResponse;

/** Polling for tests: a few ms, growing to 20 ms. */
export const FAST_POLL = { intervalMs: 5, maxIntervalMs: 20, factor: 1.5 } as const;

/**
 * Emulator processing for tests: batches start 1 to 2 simulated minutes after creation, so that
 * at `timeScale` 1,000 a batch ends within about 150 ms of real time.
 */
export const QUICK_SIM = { startDelayMs: 60_000, startDelayJitterMs: 60_000 } as const;

/**
 * `groups` groups of `perGroup` requests, each group under its own ~1,500-token system prompt
 * (above the 1,024-token minimum of claude-sonnet-4-6, reference §2): a primed plan has a wave 0
 * of one primer per group and a wave 1 of the rest.
 */
export function primedJob(groups: number, perGroup: number): BatchRequest[] {
  const out: BatchRequest[] = [];
  for (let g = 0; g < groups; g++) {
    const system = `Classify the ticket. ${words(`rubric${g}`, 1500)}`;
    for (let i = 0; i < perGroup; i++) {
      out.push({
        custom_id: `g${g}-r${i}`,
        params: {
          model: "claude-sonnet-4-6",
          max_tokens: 32,
          system,
          messages: [{ role: "user", content: `Ticket ${i}: ${words(`t${g}x${i}`, 20)}` }],
        },
      });
    }
  }
  return out;
}

/** A plan of `requests`, written to a fresh temp folder (`dir/plan`). */
export async function planFolder(
  requests: BatchRequest[],
  options: PlanOptions = {},
): Promise<{ plan: Plan; dir: string; root: string; cleanup: () => Promise<void> }> {
  const planned = await plan(requests, { strategy: "primed", counter: sharedCounter, ...options });
  const { dir: root, cleanup } = await tempDir();
  const dir = path.join(root, "plan");
  await writePlan(planned, dir);
  return { plan: planned, dir, root, cleanup };
}

/** Records events; `types()` lists their types in order. */
export function recorder(): {
  events: RunEvent[];
  on: (e: RunEvent) => void;
  types: () => string[];
} {
  const events: RunEvent[] = [];
  return { events, on: (e) => events.push(e), types: () => events.map((e) => e.type) };
}

/** Every result line of a run, read back from its results files. */
export async function resultsOnDisk(
  dir: string,
): Promise<{ state: RunState; lines: IndividualResponse[] }> {
  const state = await readRunState(dir);
  if (state === null) throw new Error(`no run.json in ${dir}`);
  const lines: IndividualResponse[] = [];
  for (const b of state.batches) {
    if (b.state !== "downloaded") continue;
    const text = await readFile(path.join(dir, b.results.file), "utf8");
    for (const line of text.split("\n")) if (line) lines.push(JSON.parse(line));
  }
  return { state, lines };
}

/** The `custom_id`s of a plan, sorted. */
export function plannedIds(p: Plan): string[] {
  return p.batches.flatMap((b) => b.requests.map((r) => r.custom_id)).sort();
}

/**
 * Registers, for the calling test file, an `afterEach` that closes every emulator and runs the
 * cleanups tests pushed; returns the list to push them to.
 */
export function cleanupAfterEach(): Array<() => Promise<void>> {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    await closeEmulators();
    await Promise.all(cleanups.splice(0).map((c) => c()));
  });
  return cleanups;
}
