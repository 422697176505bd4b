/**
 * A batch the system ended without running it (issue 15, item 4: a Bedrock job under the
 * 100-record minimum ends `Failed` with a `message`): the backend's reason (`BatchInfo.failure`)
 * is kept in run.json and shown by the `ended` event and by `status`, not only "(0 lines, 60
 * missing)".
 */
import { describe, expect, it } from "vitest";
import { renderRunEvent, renderRunStatus } from "../../src/exports/run.js";
import { submit } from "../../src/index.js";
import type { BatchBackend, BatchInfo } from "../../src/run/backend.js";
import { readRunState } from "../../src/run/state.js";
import { flatJob } from "../helpers/flat-job.js";
import { memoryBackend } from "../helpers/memory-backend.js";
import { cleanupAfterEach, FAST_POLL, planFolder, recorder } from "../helpers/run-job.js";
import { expectValidRunJson } from "./_schema.js";

const cleanups = cleanupAfterEach();

const REASON =
  "The number of records in the input file (60) is less than the minimum of 100 records per job.";

/** The memory backend, whose batches end failed with `failure` and no results. */
function failingBackend(failure: string): BatchBackend {
  const base = memoryBackend({ pollsToEnd: 1 });
  const failed = (info: BatchInfo): BatchInfo =>
    info.state === "ended"
      ? {
          ...info,
          counts: { processing: 0, succeeded: 0, errored: 0, canceled: 0, expired: 0 },
          failure,
        }
      : info;
  return {
    ...base,
    retrieve: async (id, o) => failed(await base.retrieve(id, o)),
    results: async () => (async function* () {})(),
  };
}

describe("a batch the system failed keeps its reason", () => {
  it("run.json, the ended event and status carry the backend's failure message", async () => {
    const folder = await planFolder(flatJob(60), { strategy: "none" });
    cleanups.push(folder.cleanup);
    const rec = recorder();
    const result = await submit(folder.plan, {
      backend: failingBackend(REASON),
      planDir: folder.dir,
      poll: FAST_POLL,
      onProgress: rec.on,
    });
    expect(result.status).toBe("ended");
    const state = await readRunState(folder.dir);
    const batch = state!.batches[0]!;
    expect(batch.state).toBe("downloaded");
    expect(batch).toMatchObject({ failure: REASON });
    if (batch.state === "downloaded") expect(batch.results.missing).toHaveLength(60);
    await expectValidRunJson(folder.dir);

    const ended = rec.events.find((e) => e.type === "ended");
    expect(renderRunEvent(ended!)).toContain(`failed by the system: ${REASON}`);
    const status = renderRunStatus(folder.dir, state, {
      batches: 1,
      waves: 1,
      requests: 60,
    });
    expect(status).toContain(`failed by the system: ${REASON}`);
  });

  it("a batch that ran records no failure", async () => {
    const folder = await planFolder(flatJob(5), { strategy: "none" });
    cleanups.push(folder.cleanup);
    await submit(folder.plan, {
      backend: memoryBackend({ pollsToEnd: 1 }),
      planDir: folder.dir,
      poll: FAST_POLL,
    });
    const state = await readRunState(folder.dir);
    expect(state!.batches[0]).not.toHaveProperty("failure");
  });
});
