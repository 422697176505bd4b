/**
 * `cancelRun()`: stops a run. The batches in progress are canceled through the API, and the state
 * is marked canceled so that no further batch is created; `submit()` run again then watches the
 * canceled batches to their end and downloads what they did.
 */
import { apiFailure, explainFailure } from "./_api-errors.js";
import { ApiCaller } from "./_call.js";
import { cleanLeftovers } from "./_leftovers.js";
import { callPolicy, redactError, secretsOf } from "./_options.js";
import { setFromBatch } from "./_records.js";
import { acquireLock, StateStore } from "./_store.js";
import { RunError } from "./errors.js";
import { readRunState } from "./state.js";
import type { CancelOptions, CancelResult } from "./types.js";

/**
 * Cancels the batches of the run recorded in `planDir/run.json` that are still in progress, and
 * marks the run canceled. Requests in flight may still complete (reference §5.1); the others come
 * back `canceled`. Run `submit()` afterwards to download the results, then `retryPlan()` to
 * re-plan what did not run.
 *
 * @throws {RunError} `bad-state` when the plan was never submitted; `locked` while a `submit()`
 * is running on the folder (stop it first); `api` when a cancel call fails.
 */
export async function cancelRun(planDir: string, options: CancelOptions): Promise<CancelResult> {
  const secrets = secretsOf(options?.client);
  try {
    return await cancelLocked(planDir, options, secrets);
  } catch (error) {
    throw redactError(error, secrets);
  }
}

async function cancelLocked(
  planDir: string,
  options: CancelOptions,
  secrets: string[],
): Promise<CancelResult> {
  const api = new ApiCaller(callPolicy(options), options.signal, () => {});
  const release = await acquireLock(planDir);
  try {
    await cleanLeftovers(planDir);
    const state = await readRunState(planDir);
    if (state === null) {
      throw new RunError(
        "bad-state",
        `\`${planDir}\` has no run to cancel: it was never submitted (no \`run.json\`).`,
      );
    }
    const store = new StateStore(planDir, state);
    store.secrets = secrets;
    state.canceledAt ??= new Date().toISOString();
    await store.save();
    const result: CancelResult = { canceled: [], ended: [], notCreated: [], unknown: [], state };
    for (const record of state.batches) {
      if (record.state === "pending") result.notCreated.push(record.index);
      else if (record.state === "creating") result.unknown.push(record.index);
      else if (record.state !== "submitted")
        result.ended.push({ index: record.index, id: record.id });
      else {
        const doing = `canceling batch ${record.index} (${record.id})`;
        try {
          const batch = await api.idempotent(doing, (o) =>
            options.client.messages.batches.cancel(record.id, undefined, o),
          );
          setFromBatch(state, record.index, batch, record.origin, doing);
          result.canceled.push({ index: record.index, id: record.id });
        } catch (error) {
          // Already ended: the API refuses to cancel it; record what it is now.
          if (error instanceof RunError) throw error;
          if (apiFailure(error).status === 400) {
            const batch = await api
              .idempotent(doing, (o) =>
                options.client.messages.batches.retrieve(record.id, undefined, o),
              )
              .catch(() => null);
            if (batch?.processing_status === "ended") {
              setFromBatch(state, record.index, batch, record.origin, doing);
              result.ended.push({ index: record.index, id: record.id });
              continue;
            }
          }
          await store.save();
          throw explainFailure(error, {
            doing,
            planDir,
            batchId: record.id,
            retries: api.policy.maxRetries,
          });
        }
      }
      await store.save();
    }
    result.state = structuredClone(state);
    return result;
  } finally {
    await release();
  }
}
