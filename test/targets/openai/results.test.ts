import { describe, expect, it } from "vitest";
import {
  readOpenAIResult,
  OPENAI_USAGE_FIELDS as USAGE_FIELDS,
} from "../../../src/targets/openai/index.js";
import { readUsage } from "../../../src/usage.js";

describe("OpenAI result lines (reference §4.4)", () => {
  it("reads the documented output line (OA-B) and its usage through the one usage reader", () => {
    const line = {
      id: "batch_req_123",
      custom_id: "request-2",
      response: {
        status_code: 200,
        request_id: "req_123",
        body: {
          id: "chatcmpl-123",
          object: "chat.completion",
          created: 1711652795,
          model: "gpt-3.5-turbo-0125",
          choices: [
            {
              index: 0,
              message: { role: "assistant", content: "Hello." },
              logprobs: null,
              finish_reason: "stop",
            },
          ],
          usage: { prompt_tokens: 22, completion_tokens: 2, total_tokens: 24 },
          system_fingerprint: "fp_123",
        },
      },
      error: null,
    };
    const r = readOpenAIResult(line)!;
    expect(r).toMatchObject({ id: "request-2", status: "succeeded" });
    const u = readUsage((r as { usage: unknown }).usage, USAGE_FIELDS);
    expect(u).toMatchObject({
      ok: true,
      tokens: { input: 22, cacheRead: 0, cacheWrite5m: 0, output: 2 },
    });
  });

  it("counts cached and written tokens out of the prompt (Chat and Responses shapes)", () => {
    const chat = {
      custom_id: "a",
      response: {
        status_code: 200,
        body: {
          usage: {
            prompt_tokens: 2600,
            completion_tokens: 5,
            prompt_tokens_details: { cached_tokens: 2000, cache_write_tokens: 400 },
          },
        },
      },
      error: null,
    };
    const resp = {
      custom_id: "b",
      response: {
        status_code: 200,
        body: {
          usage: {
            input_tokens: 2600,
            output_tokens: 5,
            input_tokens_details: { cached_tokens: 2000, cache_write_tokens: 400 },
          },
        },
      },
      error: null,
    };
    for (const line of [chat, resp]) {
      const r = readOpenAIResult(line) as { usage: unknown };
      expect(readUsage(r.usage, USAGE_FIELDS)).toMatchObject({
        ok: true,
        tokens: { input: 200, cacheRead: 2000, cacheWrite5m: 400, output: 5 },
      });
    }
  });

  it("maps error lines: expired, cancelled, refused with the error code", () => {
    expect(
      readOpenAIResult({
        custom_id: "e",
        response: null,
        error: { code: "batch_expired", message: "…" },
      }),
    ).toMatchObject({ status: "expired" });
    expect(
      readOpenAIResult({
        custom_id: "c",
        response: null,
        error: { code: "batch_cancelled", message: "…" },
      }),
    ).toMatchObject({ status: "cancelled" });
    expect(
      readOpenAIResult({
        custom_id: "f",
        response: {
          status_code: 404,
          body: {
            error: { type: "invalid_request_error", code: "model_not_found", message: "no" },
          },
        },
        error: null,
      }),
    ).toMatchObject({ status: "failed", errorType: "model_not_found" });
    expect(
      readOpenAIResult({ custom_id: "g", response: { status_code: 500, body: {} }, error: null }),
    ).toMatchObject({ status: "failed", errorType: "http_500" });
    expect(readOpenAIResult({ nope: 1 })).toBeUndefined();
  });
});
