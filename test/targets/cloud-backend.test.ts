import { describe, expect, it } from "vitest";
import { BackendCallError, type CreateInput } from "../../src/run/backend.js";
import { newestFirst, notCreatedIfFailed, placeBatch } from "../../src/targets/_cloud-backend.js";
import type { BatchRequest } from "../../src/types.js";

const request = (model: string) =>
  ({ custom_id: model, params: { model, max_tokens: 1, messages: [] } }) as unknown as BatchRequest;

const input = (models: string[], model?: string): CreateInput => ({
  index: 3,
  wave: 0,
  requests: models.map(request),
  file: "/plans/p/batches/batch-0003.jsonl",
  bytes: 10,
  model,
  tag: "cacheplan-9f3a2b1c4d5e-0003",
});

const where = { bucket: "s3://b/some/prefix/", scheme: "s3" as const, ready: true, missing: "M" };
const job = { noun: "Bedrock job", target: "bedrock" };

describe("placeBatch", () => {
  it("places the file under <prefix>cacheplan/<tag>/ and takes the requests' one model", () => {
    expect(placeBatch(input(["m1", "m1"]), where, job)).toEqual({
      bucket: "b",
      keys: {
        input: "some/prefix/cacheplan/cacheplan-9f3a2b1c4d5e-0003/input/batch-0003.jsonl",
        output: "some/prefix/cacheplan/cacheplan-9f3a2b1c4d5e-0003/output/",
      },
      model: "m1",
    });
  });

  it("prefers the batch's model when the plan sets one", () => {
    expect(placeBatch(input(["m1", "m2"], "m3"), where, job).model).toBe("m3");
  });

  it.each([
    ["no bucket", { ...where, bucket: undefined }],
    ["another scheme", { ...where, bucket: "gs://b/p" }],
    ["a setting missing", { ...where, ready: false }],
  ])("throws the missing-settings message (400) with %s", (_, w) => {
    const error = (() => {
      try {
        placeBatch(input(["m1"]), w, job);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(BackendCallError);
    expect(error).toMatchObject({ message: "M", status: 400, type: "invalid_request_error" });
  });

  it("refuses a batch that mixes models, naming the job and the --target to plan with", () => {
    expect(() => placeBatch(input(["m1", "m2"]), where, job)).toThrow(
      "The batch mixes models, but a Bedrock job takes one: plan again with `--target bedrock`.",
    );
  });
});

describe("notCreatedIfFailed", () => {
  const outcome = notCreatedIfFailed("PutObject");
  it("says not-created for a failed upload call only", () => {
    expect(outcome(new BackendCallError("PutObject: denied", { status: 403 }))).toBe("not-created");
    expect(outcome(new BackendCallError("CreateJob: denied", { status: 403 }))).toBeUndefined();
    expect(outcome(new Error("PutObject: denied"))).toBeUndefined();
  });
});

describe("newestFirst", () => {
  it("lists the jobs and gives the first one's id as the newest, or null", async () => {
    const jobs = [{ id: "b" }, { id: "a" }] as never[];
    const some = newestFirst(async () => jobs);
    const none = newestFirst(async () => []);
    const o = { signal: new AbortController().signal, timeout: 1000, maxRetries: 0 as const };
    expect(await some.list(null, o)).toBe(jobs);
    expect(await some.newest(o)).toBe("b");
    expect(await none.newest(o)).toBeNull();
  });
});
