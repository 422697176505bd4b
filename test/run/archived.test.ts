/**
 * Results archived before they were downloaded (29 days after a batch's creation, reference
 * §5.2): the Anthropic SDK refuses to download a batch whose `results_url` is null without
 * calling the API (an error with no HTTP status, which the runner retried as "no answer" and then
 * reported as a network failure that every resume repeated: found by the review of issue 14). The
 * Anthropic backend answers it as the results endpoint does, 404; the run then finds the batch
 * archived, records its results as missing with an `archived` warning, and ends.
 */
import { afterEach, describe, expect, it } from "vitest";
import { submit } from "../../src/index.js";
import { BackendCallError, type BatchBackend, type BatchInfo } from "../../src/run/backend.js";
import { readRunState } from "../../src/run/state.js";
import { anthropicBackend } from "../../src/targets/anthropic/backend.js";
import {
  advanceUntilEnded,
  clientFor,
  closeEmulators,
  emulator,
  simpleRequest,
} from "../helpers/emulator.js";
import { flatJob } from "../helpers/flat-job.js";
import { memoryBackend } from "../helpers/memory-backend.js";
import { cleanupAfterEach, FAST_POLL, planFolder, recorder } from "../helpers/run-job.js";

const cleanups = cleanupAfterEach();
afterEach(closeEmulators);

/** The memory backend, whose ended batches are archived and whose results the SDK refuses. */
function archivingBackend(): BatchBackend {
  const base = memoryBackend({ pollsToEnd: 1 });
  const archived = (info: BatchInfo): BatchInfo =>
    info.state === "ended" ? { ...info, archived: true } : info;
  return {
    ...base,
    retrieve: async (id, o) => archived(await base.retrieve(id, o)),
    results: async () => {
      throw new BackendCallError("archived", { status: 404 });
    },
  };
}

describe("results archived before their download", () => {
  it("end the run with the results missing and an archived warning, not a network failure", async () => {
    const folder = await planFolder(flatJob(12), { strategy: "none" });
    cleanups.push(folder.cleanup);
    const rec = recorder();
    const result = await submit(folder.plan, {
      backend: archivingBackend(),
      planDir: folder.dir,
      poll: FAST_POLL,
      onProgress: rec.on,
    });
    expect(result.status).toBe("ended");
    const batch = (await readRunState(folder.dir))!.batches[0]!;
    expect(batch.state).toBe("downloaded");
    if (batch.state === "downloaded") expect(batch.results.missing).toHaveLength(12);
    expect(rec.events.some((e) => e.type === "warning" && e.warning.kind === "archived")).toBe(
      true,
    );
  });
});

describe("the Anthropic backend, through the SDK, on an archived batch", () => {
  it("answers its results with a 404, as the results endpoint does (not an error with no status)", async () => {
    const target = await emulator({ timeScale: 0 });
    const client = clientFor(target);
    const batch = await client.messages.batches.create({ requests: [simpleRequest("old")] });
    await advanceUntilEnded(target, client, batch.id);
    target.advance(30 * 24 * 3_600_000);
    const backend = anthropicBackend(client);
    const call = { signal: new AbortController().signal, timeout: 10_000, maxRetries: 0 as const };
    expect((await backend.retrieve(batch.id, call)).archived).toBe(true);
    const error = await backend.results(batch.id, call).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(BackendCallError);
    expect((error as BackendCallError).status).toBe(404);
  });
});
