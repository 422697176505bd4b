/**
 * Finding batches whose create answer was lost (internal). Before every create the runner records
 * an intent; an intent still open on the next start (a crash, SIGKILL, a dropped connection, a
 * 5xx) means the batch may or may not exist. The list response carries no `custom_id`s, so:
 *
 * The adoption rule. Candidates are the batches the API lists as newer than the wave's
 * `listedBefore` batch (the newest one in the workspace before the wave's first create), minus the
 * ids this run already knows. For each open intent:
 * 1. a candidate that has ended and whose results hold exactly the batch's planned `custom_id`s is
 *    adopted (`match: "results"`): content proof;
 * 2. otherwise, candidates whose `request_counts` sum to the batch's request count, still
 *    processing (their ids cannot be read yet), are adopted only when there is exactly one such
 *    candidate and exactly one open intent of that size (`match: "counts"`); when its results
 *    come and hold none of the batch's `custom_id`s, it was someone else's batch: it is dropped
 *    and the batch is created (`_watch.ts`);
 * 3. no candidate of that size: nothing was created; once `createSettleMs` has passed since the
 *    intent (a create in flight may still land), the batch goes back to pending;
 * 4. anything else is ambiguous (several same-size candidates, or several open intents of one
 *    size): by default (`ambiguous: "wait"`) the runner waits until those candidates have ended
 *    and matches them by rule 1, and an intent none of them matches goes back to pending by
 *    rule 3; with `ambiguous: "stop"`, or when their results cannot be read (archived), it stops
 *    and asks for `adopt` (`--adopt`) or `recreate` (`--recreate`).
 * A batch is never created twice silently.
 *
 * A backend that keeps a tag on each batch (`adoption: "tag"`, `backend.ts`) is given the
 * intent's adoption tag at create; its open intents are resolved by the tag alone: a listed
 * batch carrying it is adopted (`match: "tag"`, the oldest when a late create landed twice), and
 * no such batch is rule 3.
 */

import { sha256Hex } from "../util/hash.js";
import { apiFailure, explainFailure } from "./_api-errors.js";
import type { ApiCaller } from "./_call.js";
import { checkBatchId, notTheApi, showId } from "./_ids.js";
import { hasId, pendingAgain, setFromBatch } from "./_records.js";
import type { StateStore } from "./_store.js";
import { adoptionTag, type BatchBackend, type BatchInfo, totalOf } from "./backend.js";
import { RunError } from "./errors.js";
import type { CreatingBatchRecord, RunState } from "./state.js";

type MessageBatch = BatchInfo;

/** Events the adoption emits (the caller adds `progress`). */
export type AdoptEvent =
  | {
      type: "adopted";
      index: number;
      wave: number;
      id: string;
      match: "results" | "counts" | "user" | "tag";
    }
  | { type: "recreating"; index: number; wave: number; reason: string }
  | { type: "identifying"; indexes: number[]; candidates: string[] };

export interface AdoptContext {
  /** The batch system (`backend.ts`). */
  backend: BatchBackend;
  /** Times and retries the calls (`_call.ts`). */
  api: ApiCaller;
  store: StateStore;
  /** The planned `custom_id`s of a batch, in order (`_source.ts`). */
  ids: (index: number) => Promise<readonly string[]>;
  planDir: string;
  /** Batch index → id to adopt (consumed). */
  adopt: Map<number, string>;
  recreate: boolean | ReadonlySet<number>;
  settleMs: number;
  /** Rule 4: wait for same-size candidates to end, or stop and ask. */
  ambiguous: "wait" | "stop";
  /** How long to wait between looks while identifying. */
  waitMs: number;
  /** Intents already announced as being identified. */
  announced: Set<number>;
  emit: (event: AdoptEvent) => void;
}

function total(batch: MessageBatch): number {
  return totalOf(batch.counts);
}

function idsHash(ids: Iterable<string>): string {
  return sha256Hex([...ids].sort().join("\n"));
}

function resultIds(ctx: AdoptContext, id: string): Promise<string[]> {
  return ctx.api.idempotent(`reading the results of ${id} to identify it`, async (o) => {
    const ids: string[] = [];
    for await (const line of await ctx.backend.results(id, o)) {
      const read = ctx.backend.readResult(line);
      if (read !== undefined) ids.push(read.id);
    }
    return ids;
  });
}

/** Batches newer than `listedBefore` (all of them when it is `null`), newest first. */
async function listSince(ctx: AdoptContext, listedBefore: string | null): Promise<MessageBatch[]> {
  const doing = "listing batches to find a batch whose create answer was lost";
  let out: MessageBatch[];
  try {
    out = await ctx.api.idempotent(doing, (o) => ctx.backend.list(listedBefore, o));
  } catch (error) {
    throw explainFailure(error, {
      system: ctx.backend,
      doing,
      planDir: ctx.planDir,
      retries: ctx.api.policy.maxRetries,
    });
  }
  for (const batch of out) checkBatchId(batch?.id, doing, ctx.backend); // ids go into URLs and file names
  return out;
}

function describe(b: MessageBatch): string {
  return `${b.id} (${b.state}, ${total(b)} requests, created ${b.createdAt})`;
}

/** Adopts the batch the user named for an open intent, after checking it. */
async function adoptNamed(ctx: AdoptContext, intent: CreatingBatchRecord, id: string) {
  let batch: MessageBatch;
  const doing = `checking batch ${id} given to adopt`;
  try {
    batch = await ctx.api.idempotent(doing, (o) => ctx.backend.retrieve(id, o));
  } catch (error) {
    throw explainFailure(error, {
      system: ctx.backend,
      doing,
      planDir: ctx.planDir,
      batchId: id,
      retries: ctx.api.policy.maxRetries,
    });
  }
  const wrong = (why: string) =>
    new RunError(
      "bad-adoption",
      `Batch ${id} cannot be adopted as batch ${intent.index} of \`${ctx.planDir}\`: ${why}. Give the right id, or \`--recreate ${intent.index}\` if none was created.`,
    );
  if (total(batch) !== intent.requestCount) {
    throw wrong(`it has ${total(batch)} requests, the planned batch ${intent.requestCount}`);
  }
  if (batch.state === "ended" && !batch.archived) {
    if (idsHash(await resultIds(ctx, id)) !== idsHash(await ctx.ids(intent.index))) {
      throw wrong("its results hold other custom_ids than the planned batch");
    }
  }
  if (batch?.id !== id) {
    throw new RunError(
      "bad-answer",
      `The API answered ${doing} with batch ${showId(batch?.id)}: ${notTheApi(ctx.backend)}. Nothing was recorded.`,
    );
  }
  setFromBatch(ctx.store.state, intent.index, batch, "user", doing, ctx.backend);
  ctx.emit({ type: "adopted", index: intent.index, wave: intent.wave, id, match: "user" });
}

/** The open intents of the run: creates whose answer was not recorded. */
function openIntents(state: RunState): CreatingBatchRecord[] {
  return state.batches.filter((b): b is CreatingBatchRecord => b.state === "creating");
}

/** The planned `custom_id`s of batch `index`, hashed as {@link idsHash} does. */
async function plannedHash(ctx: AdoptContext, index: number): Promise<string> {
  return idsHash(await ctx.ids(index));
}

function announceAdopted(
  ctx: AdoptContext,
  intent: CreatingBatchRecord,
  batch: MessageBatch,
  match: "results" | "counts" | "tag",
): void {
  setFromBatch(ctx.store.state, intent.index, batch, match, "listing batches", ctx.backend);
  ctx.emit({ type: "adopted", index: intent.index, wave: intent.wave, id: batch.id, match });
}

function backToPending(ctx: AdoptContext, intent: CreatingBatchRecord, reason: string): void {
  ctx.store.state.batches[intent.index] = pendingAgain(intent);
  ctx.emit({ type: "recreating", index: intent.index, wave: intent.wave, reason });
}

/** Stage 1: what the user decided (`adopt`, `recreate`) comes before any rule. */
async function applyUserChoices(ctx: AdoptContext): Promise<void> {
  for (const intent of openIntents(ctx.store.state)) {
    const named = ctx.adopt.get(intent.index);
    if (named !== undefined) {
      await adoptNamed(ctx, intent, named);
      ctx.adopt.delete(intent.index);
    } else if (
      ctx.recreate === true ||
      (ctx.recreate !== false && ctx.recreate.has(intent.index))
    ) {
      backToPending(ctx, intent, "`recreate` was given");
    }
  }
}

/**
 * Stage 2: the candidates, listed once per wave of an open intent (batches newer than the wave's
 * `listedBefore` this run does not know), of a size some open intent has.
 */
async function listCandidates(
  ctx: AdoptContext,
  intents: readonly CreatingBatchRecord[],
): Promise<MessageBatch[]> {
  const { state } = ctx.store;
  const known = new Set(state.batches.flatMap((b) => (hasId(b) ? [b.id] : [])));
  const candidates = new Map<string, MessageBatch>();
  for (const wave of new Set(intents.map((i) => i.wave))) {
    const record = state.waves.find((w) => w.wave === wave);
    for (const batch of await listSince(ctx, record?.listedBefore ?? null)) {
      if (!known.has(batch.id)) candidates.set(batch.id, batch);
    }
  }
  return [...candidates.values()];
}

/** The candidates ({@link listCandidates}) of a size some open intent has. */
async function sizedCandidates(
  ctx: AdoptContext,
  intents: readonly CreatingBatchRecord[],
): Promise<MessageBatch[]> {
  const candidates = await listCandidates(ctx, intents);
  const sizes = new Set(intents.map((i) => i.requestCount));
  return candidates.filter((b) => sizes.has(total(b)));
}

/**
 * Stage 3, rule 1: ended candidates are matched by the `custom_id`s of their results. Returns the
 * candidates whose results cannot be read (processing, archived, or the read failed): only their
 * count can tell them.
 */
async function matchByResults(ctx: AdoptContext, sized: readonly MessageBatch[]) {
  const weak: MessageBatch[] = [];
  for (const batch of sized) {
    if (batch.state !== "ended" || batch.archived) {
      weak.push(batch);
      continue;
    }
    let ids: string[];
    try {
      ids = await resultIds(ctx, batch.id);
    } catch (error) {
      if (apiFailure(error).aborted) throw error;
      weak.push(batch); // unreadable results: fall back on the count
      continue;
    }
    const hash = idsHash(ids);
    let intent: CreatingBatchRecord | undefined;
    for (const i of openIntents(ctx.store.state)) {
      if (i.requestCount !== ids.length || (await plannedHash(ctx, i.index)) !== hash) continue;
      intent = i;
      break;
    }
    if (intent) announceAdopted(ctx, intent, batch, "results");
  }
  return weak;
}

/** What stage 4 (rules 2 to 4, one request count at a time) gathers over every size. */
interface SizePass {
  /** Every intent still open after rule 1. */
  intents: readonly CreatingBatchRecord[];
  /** The milliseconds to wait before looking again (rules 3 and 4); 0: no need. */
  waitMs: number;
  /** One paragraph per intent that only the user can resolve (rule 4, stopping). */
  ambiguous: string[];
}

/** Rule 3: no candidate of the size; back to pending once a create in flight can have landed. */
function settleOrRecreate(
  ctx: AdoptContext,
  pass: SizePass,
  mine: readonly CreatingBatchRecord[],
  size: number,
): void {
  for (const intent of mine) {
    const age = Date.now() - Date.parse(intent.intentAt);
    if (age < ctx.settleMs) {
      pass.waitMs = Math.max(pass.waitMs, ctx.settleMs - age);
      continue;
    }
    backToPending(ctx, intent, `no batch of ${size} requests was created since the wave started`);
  }
}

/** Rule 4, waiting: once the candidates have ended, their results' custom_ids tell them apart. */
function waitToIdentify(
  ctx: AdoptContext,
  pass: SizePass,
  mine: readonly CreatingBatchRecord[],
  theirs: readonly MessageBatch[],
): void {
  pass.waitMs = Math.max(pass.waitMs, ctx.waitMs);
  const fresh = mine.filter((i) => !ctx.announced.has(i.index));
  if (fresh.length === 0) return;
  for (const i of fresh) ctx.announced.add(i.index);
  ctx.emit({
    type: "identifying",
    indexes: mine.map((i) => i.index),
    candidates: theirs.map((b) => b.id),
  });
}

/** Rule 4, stopping: names each intent's candidates with the flag that adopts each. */
function askUser(
  pass: SizePass,
  mine: readonly CreatingBatchRecord[],
  theirs: readonly MessageBatch[],
  size: number,
): void {
  const flag = (id: string, i: CreatingBatchRecord) =>
    pass.intents.length === 1 ? `\`--adopt ${id}\`` : `\`--adopt ${i.index}=${id}\``;
  for (const intent of mine) {
    pass.ambiguous.push(
      `  batch ${intent.index} (wave ${intent.wave}, ${size} requests, create started ${intent.intentAt}) could be any of:\n${theirs.map((b) => `    ${describe(b)}: ${flag(b.id, intent)}`).join("\n")}`,
    );
  }
}

/** Stage 4, rules 2 to 4 for the open intents of one request count and its weak candidates. */
function resolveSize(ctx: AdoptContext, pass: SizePass, size: number, weak: MessageBatch[]): void {
  const mine = pass.intents.filter((i) => i.requestCount === size);
  const theirs = weak.filter((b) => total(b) === size);
  if (theirs.length === 0) settleOrRecreate(ctx, pass, mine, size);
  else if (mine.length === 1 && theirs.length === 1) {
    announceAdopted(ctx, mine[0]!, theirs[0]!, "counts"); // rule 2
  } else if (ctx.ambiguous === "wait" && theirs.every((b) => b.state !== "ended")) {
    waitToIdentify(ctx, pass, mine, theirs);
  } else askUser(pass, mine, theirs, size);
}

function ambiguityError(ctx: AdoptContext, pass: SizePass): RunError {
  const one = pass.intents.length === 1;
  const recreate = one ? "`--recreate`" : "`--recreate INDEX`";
  return new RunError(
    "ambiguous-adoption",
    `Creates got no answer (a crash, a lost connection or a 5xx between the create and its record), and the batches created since do not identify them unambiguously (their custom_ids cannot be read while they are processing, or at all once archived):\n${pass.ambiguous.join("\n")}\ncacheplan never creates a batch twice silently. Adopt the right one with ${one ? "`--adopt ID`" : "`--adopt INDEX=ID`"}, or pass ${recreate} if none of them is it; or wait until they end and run \`cacheplan submit ${ctx.planDir}\` again: an ended batch is matched by its results' custom_ids.`,
  );
}

/**
 * The open intents of a backend that keeps tags: a candidate carrying an intent's adoption tag is
 * it (the oldest, when a create that seemed lost landed twice); none is rule 3.
 */
async function resolveByTag(
  ctx: AdoptContext,
  open: readonly CreatingBatchRecord[],
): Promise<number> {
  const candidates = await listCandidates(ctx, open);
  const pass: SizePass = { intents: open, waitMs: 0, ambiguous: [] };
  for (const intent of open) {
    const tag = adoptionTag(ctx.store.state.plan, intent.index);
    const mine = candidates
      .filter((b) => b.tag === tag)
      .sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt));
    // The tag alone: a batch still validating may report no counts yet (OpenAI, Vertex).
    if (mine.length > 0) {
      announceAdopted(ctx, intent, mine[0]!, "tag");
    } else settleOrRecreate(ctx, pass, [intent], intent.requestCount);
  }
  await ctx.store.save();
  return pass.waitMs;
}

/**
 * Resolves every open intent of the run by the adoption rule above. Returns the milliseconds to
 * wait before calling again when an intent is too recent to decide (rule 3), else 0. The state is
 * saved before returning or throwing.
 *
 * @throws {RunError} `ambiguous-adoption` when an intent matches several batches (rule 4).
 */
export async function resolveIntents(ctx: AdoptContext): Promise<number> {
  await applyUserChoices(ctx);
  const open = openIntents(ctx.store.state);
  if (open.length === 0) {
    await ctx.store.save();
    return 0;
  }
  if (ctx.backend.adoption === "tag") return resolveByTag(ctx, open);
  const weak = await matchByResults(ctx, await sizedCandidates(ctx, open));
  const pass: SizePass = { intents: openIntents(ctx.store.state), waitMs: 0, ambiguous: [] };
  for (const size of new Set(pass.intents.map((i) => i.requestCount))) {
    resolveSize(ctx, pass, size, weak);
  }
  await ctx.store.save();
  if (pass.ambiguous.length > 0) throw ambiguityError(ctx, pass);
  return pass.waitMs;
}
