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
 */

import type Anthropic from "@anthropic-ai/sdk";
import type { Plan } from "../types.js";
import { sha256Hex } from "../util/hash.js";
import { apiFailure, explainFailure } from "./_api-errors.js";
import type { ApiCaller } from "./_call.js";
import { checkBatchId, showId } from "./_ids.js";
import { hasId, pendingAgain, setFromBatch } from "./_records.js";
import type { StateStore } from "./_store.js";
import { RunError } from "./errors.js";
import type { CreatingBatchRecord } from "./state.js";

type MessageBatch = Anthropic.Messages.Batches.MessageBatch;

/** Events the adoption emits (the caller adds `progress`). */
export type AdoptEvent =
  | {
      type: "adopted";
      index: number;
      wave: number;
      id: string;
      match: "results" | "counts" | "user";
    }
  | { type: "recreating"; index: number; wave: number; reason: string }
  | { type: "identifying"; indexes: number[]; candidates: string[] };

export interface AdoptContext {
  client: Anthropic;
  /** Times and retries the calls (`_call.ts`). */
  api: ApiCaller;
  store: StateStore;
  plan: Plan;
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
  const c = batch.request_counts;
  return c.processing + c.succeeded + c.errored + c.canceled + c.expired;
}

function idsHash(ids: Iterable<string>): string {
  return sha256Hex([...ids].sort().join("\n"));
}

function resultIds(ctx: AdoptContext, id: string): Promise<string[]> {
  return ctx.api.idempotent(`reading the results of ${id} to identify it`, async (o) => {
    const ids: string[] = [];
    for await (const line of await ctx.client.messages.batches.results(id, undefined, o)) {
      ids.push(line.custom_id);
    }
    return ids;
  });
}

/** Batches newer than `listedBefore` (all of them when it is `null`), newest first. */
async function listSince(ctx: AdoptContext, listedBefore: string | null): Promise<MessageBatch[]> {
  const query = listedBefore === null ? { limit: 100 } : { before_id: listedBefore, limit: 100 };
  const doing = "listing batches to find a batch whose create answer was lost";
  let out: MessageBatch[];
  try {
    out = await ctx.api.idempotent(doing, async (o) => {
      const all: MessageBatch[] = [];
      for await (const batch of ctx.client.messages.batches.list(query, o)) all.push(batch);
      return all;
    });
  } catch (error) {
    throw explainFailure(error, {
      doing,
      planDir: ctx.planDir,
      retries: ctx.api.policy.maxRetries,
    });
  }
  for (const batch of out) checkBatchId(batch?.id, doing); // ids go into URLs and file names
  return out;
}

function describe(b: MessageBatch): string {
  return `${b.id} (${b.processing_status}, ${total(b)} requests, created ${b.created_at})`;
}

/** Adopts the batch the user named for an open intent, after checking it. */
async function adoptNamed(ctx: AdoptContext, intent: CreatingBatchRecord, id: string) {
  let batch: MessageBatch;
  const doing = `checking batch ${id} given to adopt`;
  try {
    batch = await ctx.api.idempotent(doing, (o) =>
      ctx.client.messages.batches.retrieve(id, undefined, o),
    );
  } catch (error) {
    throw explainFailure(error, {
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
  if (batch.processing_status === "ended" && batch.archived_at === null) {
    const planned = ctx.plan.batches[intent.index]!.requests.map((r) => r.custom_id);
    if (idsHash(await resultIds(ctx, id)) !== idsHash(planned)) {
      throw wrong("its results hold other custom_ids than the planned batch");
    }
  }
  if (batch?.id !== id) {
    throw new RunError(
      "bad-answer",
      `The API answered ${doing} with batch ${showId(batch?.id)}: the server is not the Anthropic API (check \`ANTHROPIC_BASE_URL\`). Nothing was recorded.`,
    );
  }
  setFromBatch(ctx.store.state, intent.index, batch, "user", doing);
  ctx.emit({ type: "adopted", index: intent.index, wave: intent.wave, id, match: "user" });
}

/**
 * Resolves every open intent of the run by the adoption rule above. Returns the milliseconds to
 * wait before calling again when an intent is too recent to decide (rule 3), else 0.
 *
 * @throws {RunError} `ambiguous-adoption` when an intent matches several batches (rule 4).
 */
export async function resolveIntents(ctx: AdoptContext): Promise<number> {
  const { state } = ctx.store;
  const open = () => state.batches.filter((b): b is CreatingBatchRecord => b.state === "creating");
  for (const intent of open()) {
    const named = ctx.adopt.get(intent.index);
    if (named !== undefined) {
      await adoptNamed(ctx, intent, named);
      ctx.adopt.delete(intent.index);
    } else if (
      ctx.recreate === true ||
      (ctx.recreate !== false && ctx.recreate.has(intent.index))
    ) {
      state.batches[intent.index] = pendingAgain(intent);
      ctx.emit({
        type: "recreating",
        index: intent.index,
        wave: intent.wave,
        reason: "`recreate` was given",
      });
    }
  }
  let intents = open();
  if (intents.length === 0) {
    await ctx.store.save();
    return 0;
  }

  const known = new Set(state.batches.flatMap((b) => (hasId(b) ? [b.id] : [])));
  const candidates = new Map<string, MessageBatch>();
  for (const wave of new Set(intents.map((i) => i.wave))) {
    const record = state.waves.find((w) => w.wave === wave);
    for (const batch of await listSince(ctx, record?.listedBefore ?? null)) {
      if (!known.has(batch.id)) candidates.set(batch.id, batch);
    }
  }
  const sizes = new Set(intents.map((i) => i.requestCount));
  const sized = [...candidates.values()].filter((b) => sizes.has(total(b)));

  // Rule 1: ended candidates are matched by the custom_ids of their results.
  const weak: MessageBatch[] = [];
  for (const batch of sized) {
    if (batch.processing_status !== "ended" || batch.archived_at !== null) {
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
    const intent = open().find(
      (i) =>
        i.requestCount === ids.length &&
        idsHash(ctx.plan.batches[i.index]!.requests.map((r) => r.custom_id)) === hash,
    );
    if (intent) {
      setFromBatch(state, intent.index, batch, "results", "listing batches");
      ctx.emit({
        type: "adopted",
        index: intent.index,
        wave: intent.wave,
        id: batch.id,
        match: "results",
      });
    }
  }

  // Rules 2 to 4, per request count.
  intents = open();
  let waitMs = 0;
  const ambiguous: string[] = [];
  for (const size of new Set(intents.map((i) => i.requestCount))) {
    const mine = intents.filter((i) => i.requestCount === size);
    const theirs = weak.filter((b) => total(b) === size);
    if (theirs.length === 0) {
      for (const intent of mine) {
        const age = Date.now() - Date.parse(intent.intentAt);
        if (age < ctx.settleMs) {
          waitMs = Math.max(waitMs, ctx.settleMs - age);
          continue;
        }
        state.batches[intent.index] = pendingAgain(intent);
        ctx.emit({
          type: "recreating",
          index: intent.index,
          wave: intent.wave,
          reason: `no batch of ${size} requests was created since the wave started`,
        });
      }
    } else if (mine.length === 1 && theirs.length === 1) {
      const [intent] = mine as [CreatingBatchRecord];
      const [batch] = theirs as [MessageBatch];
      setFromBatch(state, intent.index, batch, "counts", "listing batches");
      ctx.emit({
        type: "adopted",
        index: intent.index,
        wave: intent.wave,
        id: batch.id,
        match: "counts",
      });
    } else if (ctx.ambiguous === "wait" && theirs.every((b) => b.processing_status !== "ended")) {
      // Rule 4, waiting: once they have ended, their results' custom_ids tell them apart.
      waitMs = Math.max(waitMs, ctx.waitMs);
      const fresh = mine.filter((i) => !ctx.announced.has(i.index));
      if (fresh.length > 0) {
        for (const i of fresh) ctx.announced.add(i.index);
        ctx.emit({
          type: "identifying",
          indexes: mine.map((i) => i.index),
          candidates: theirs.map((b) => b.id),
        });
      }
    } else {
      const flag = (id: string, i: CreatingBatchRecord) =>
        intents.length === 1 ? `\`--adopt ${id}\`` : `\`--adopt ${i.index}=${id}\``;
      for (const intent of mine) {
        ambiguous.push(
          `  batch ${intent.index} (wave ${intent.wave}, ${size} requests, create started ${intent.intentAt}) could be any of:\n${theirs.map((b) => `    ${describe(b)}: ${flag(b.id, intent)}`).join("\n")}`,
        );
      }
    }
  }
  await ctx.store.save();
  if (ambiguous.length > 0) {
    const recreate = intents.length === 1 ? "`--recreate`" : "`--recreate INDEX`";
    throw new RunError(
      "ambiguous-adoption",
      `Creates got no answer (a crash, a lost connection or a 5xx between the create and its record), and the batches created since do not identify them unambiguously (their custom_ids cannot be read while they are processing, or at all once archived):\n${ambiguous.join("\n")}\ncacheplan never creates a batch twice silently. Adopt the right one with ${intents.length === 1 ? "`--adopt ID`" : "`--adopt INDEX=ID`"}, or pass ${recreate} if none of them is it; or wait until they end and run \`cacheplan submit ${ctx.planDir}\` again: an ended batch is matched by its results' custom_ids.`,
    );
  }
  return waitMs;
}
