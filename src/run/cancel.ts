/**
 * `cancelRun()`: stops a run. The batches in progress are canceled through the API, and the state
 * is marked canceled so that no further batch is created; `submit()` run again then watches the
 * canceled batches to their end and downloads what they did.
 */

import { apiFailure, explainFailure } from "./_api-errors.js";
import { backendFor } from "./_backend.js";
import { ApiCaller } from "./_call.js";
import { pickUpCancel, writeCancelMarker } from "./_cancel-marker.js";
import { cleanLeftovers } from "./_leftovers.js";
import { callPolicy, redactError } from "./_options.js";
import { setFromBatch } from "./_records.js";
import { acquireLock, StateStore } from "./_store.js";
import type { BatchBackend, BatchInfo } from "./backend.js";
import { RunError } from "./errors.js";
import { type RunState, readRunState, type SubmittedBatchRecord } from "./state.js";
import type { CancelOptions, CancelResult } from "./types.js";

/**
 * Cancels the batches of the run recorded in `planDir/run.json` that are still in progress, and
 * marks the run canceled. Requests in flight may still complete (reference §5.1); the others come
 * back `canceled`. Run `submit()` afterwards to download the results, then `retryPlan()` to
 * re-plan what did not run.
 *
 * While a `submit()` runs on the folder (it holds the lock), the cancel is asked of it instead:
 * the batches `run.json` lists are canceled through the API, a `cancel-requested` marker tells
 * the submit to create nothing more and to cancel what it created meanwhile, and `run.json` is
 * left to the submit (`submitRunning: true`; see `_cancel-marker.ts`).
 *
 * @throws {RunError} `bad-state` when the plan was never submitted; `api` when a cancel call
 * fails.
 */
export async function cancelRun(planDir: string, options: CancelOptions): Promise<CancelResult> {
  const recorded = await readRunState(planDir).catch(() => null);
  const backend = await backendFor(recorded?.target ?? "anthropic", options);
  const secrets = [...backend.secrets];
  try {
    return await cancelLocked(planDir, options, backend, secrets);
  } catch (error) {
    throw redactError(error, secrets);
  }
}

const NEVER_SUBMITTED = (planDir: string) =>
  new RunError(
    "bad-state",
    `Nothing to cancel: \`${planDir}\` was never submitted (it has no \`run.json\`), so no batch of it exists.`,
  );

async function cancelLocked(
  planDir: string,
  options: CancelOptions,
  backend: BatchBackend,
  secrets: string[],
): Promise<CancelResult> {
  const api = new ApiCaller(callPolicy(options), options.signal, () => {});
  let release: () => Promise<void>;
  try {
    release = await acquireLock(planDir);
  } catch (error) {
    // A submit runs on the folder: ask it to stop, never touching its run.json.
    if (error instanceof RunError && error.code === "locked")
      return cancelBeside(planDir, backend, api);
    throw error;
  }
  try {
    await cleanLeftovers(planDir);
    const state = await readRunState(planDir);
    if (state === null) throw NEVER_SUBMITTED(planDir);
    const store = new StateStore(planDir, state);
    store.secrets = secrets;
    state.canceledAt ??= new Date().toISOString();
    await store.save();
    await pickUpCancel(store); // a marker left by an earlier cancel: recorded now, removed
    const result = await cancelEach(state, false, async (record) => {
      const batch = await cancelOne(api, backend, planDir, record);
      setFromBatch(state, record.index, batch.batch, record.origin, batch.doing, backend);
      await store.save();
      return batch.ended;
    });
    return { ...result, state: structuredClone(state) };
  } finally {
    await release();
  }
}

/**
 * Cancel beside a running submit (see `_cancel-marker.ts` for why it is race-free): the marker
 * first, then the API's cancel for every batch `run.json` lists as created; `run.json` is only
 * read. The submit records the cancel, creates nothing more, cancels what it created meanwhile,
 * and watches the batches to their end.
 */
async function cancelBeside(
  planDir: string,
  backend: BatchBackend,
  api: ApiCaller,
): Promise<CancelResult> {
  const state = await readRunState(planDir);
  if (state === null) {
    // The lock is held but run.json is not written yet: a submit is starting this instant.
    throw new RunError(
      "locked",
      `A submit of \`${planDir}\` is starting and has not recorded its run yet: run the cancel again in a moment.`,
    );
  }
  const canceledAt = await writeCancelMarker(planDir);
  const result = await cancelEach(
    state,
    true,
    async (record) => (await cancelOne(api, backend, planDir, record)).ended,
  );
  return { ...result, state: { ...state, canceledAt: state.canceledAt ?? canceledAt } };
}

/**
 * Sorts the run's batches into the result, calling `cancel` for each one still processing
 * (`true` when the batch had already ended). Both ways of cancelling share it.
 */
async function cancelEach(
  state: RunState,
  submitRunning: boolean,
  cancel: (record: SubmittedBatchRecord) => Promise<boolean>,
): Promise<CancelResult> {
  const result: CancelResult = {
    canceled: [],
    ended: [],
    notCreated: [],
    unknown: [],
    submitRunning,
    state,
  };
  for (const record of state.batches) {
    if (record.state === "pending") result.notCreated.push(record.index);
    else if (record.state === "creating") result.unknown.push(record.index);
    else if (record.state !== "submitted")
      result.ended.push({ index: record.index, id: record.id });
    else
      ((await cancel(record)) ? result.ended : result.canceled).push({
        index: record.index,
        id: record.id,
      });
  }
  return result;
}

/** Cancels one batch; an ended batch (the API answers 400) is retrieved instead. */
async function cancelOne(
  api: ApiCaller,
  backend: BatchBackend,
  planDir: string,
  record: SubmittedBatchRecord,
): Promise<{ batch: BatchInfo; ended: boolean; doing: string }> {
  const doing = `canceling batch ${record.index} (${record.id})`;
  try {
    const batch = await api.idempotent(doing, (o) => backend.cancel(record.id, o));
    return { batch, ended: false, doing };
  } catch (error) {
    if (error instanceof RunError) throw error;
    if (apiFailure(error).status === 400) {
      // Already ended: the API refuses to cancel it; record what it is now.
      const batch = await api
        .idempotent(doing, (o) => backend.retrieve(record.id, o))
        .catch(() => null);
      if (batch?.state === "ended") return { batch, ended: true, doing };
    }
    throw explainFailure(error, {
      system: backend,
      doing,
      planDir,
      batchId: record.id,
      retries: api.policy.maxRetries,
    });
  }
}
