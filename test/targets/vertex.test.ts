import { describe, expect, it } from "vitest";
import { MODEL_TABLE } from "../../src/targets/anthropic/models.js";
import { loadTarget } from "../../src/targets/index.js";
import vertex, {
  fromVertexLine,
  toVertexLine,
  VERTEX_MAX_CONCURRENT_JOBS,
  VERTEX_REGIONAL_UPLIFT,
} from "../../src/targets/vertex/index.js";

// other-batch-systems.md §3.1 (VX-B): the documented input line.
const DOCUMENTED =
  '{"custom_id":"request-1","request":{"messages":[{"role":"user","content":"Hello"}],"anthropic_version":"vertex-2023-10-16","max_tokens":50}}';

describe("vertex target: record format (§3.1)", () => {
  it("writes the documented line: model moved to the job, anthropic_version added", () => {
    const line = toVertexLine({
      custom_id: "request-1",
      params: {
        model: "claude-sonnet-4-6",
        messages: [{ role: "user", content: "Hello" }],
        max_tokens: 50,
      },
    });
    expect(line).toEqual(JSON.parse(DOCUMENTED));
    expect(line.request).not.toHaveProperty("model");
  });

  it("keeps cache_control, system and tools as they are (the Anthropic body passes through)", () => {
    const params = {
      model: "claude-opus-4-6",
      system: [{ type: "text", text: "S", cache_control: { type: "ephemeral", ttl: "1h" } }],
      tools: [{ name: "t", input_schema: { type: "object" } }],
      messages: [{ role: "user", content: "q" }],
      max_tokens: 5,
    };
    const { model: _m, ...rest } = params;
    expect(toVertexLine({ custom_id: "a", params }).request).toEqual({
      anthropic_version: "vertex-2023-10-16",
      ...rest,
    });
  });

  it("reads a line back to its id and body; anything else is not a line", () => {
    expect(fromVertexLine(JSON.parse(DOCUMENTED))).toEqual({
      id: "request-1",
      body: JSON.parse(DOCUMENTED).request,
    });
    expect(fromVertexLine({ custom_id: "a", params: {} })).toBeUndefined();
    expect(fromVertexLine(null)).toBeUndefined();
  });
});

describe("vertex target: limits, caching, prices", () => {
  it("is registered and states its facts", async () => {
    expect(await loadTarget("vertex")).toBe(vertex);
    expect(vertex.limits).toMatchObject({
      maxRequests: 100_000,
      maxBytes: 256_000_000,
      minRequests: 1,
      oneModelPerBatch: true,
      maxConcurrentJobs: 4,
    });
    expect(VERTEX_MAX_CONCURRENT_JOBS).toBe(4);
    expect(vertex.caching.markers).toBe("explicit");
    expect(vertex.caching.maxBreakpoints).toBe(4);
  });

  it("stacked prices are VX-PX's: batch write 0.625x/1.0x and batch hit 0.05x of list input", () => {
    const p = vertex.prices;
    expect(p.batch * p.write["5m"]).toBeCloseTo(0.625);
    expect(p.batch * p.write["1h"]).toBeCloseTo(1.0);
    const opus = vertex.models["claude-opus-4-6"]!;
    // VX-PX: Opus 4.6 input $5 (global); the row is regional (× 1.1, uncertain).
    expect(opus.inputPerMTok).toBeCloseTo(5 * VERTEX_REGIONAL_UPLIFT);
    expect(p.batch * opus.readMultiplier).toBeCloseTo(0.05);
    expect(opus.priceConfidence).toBe("secondary");
  });

  it("every row is dated, sourced, reachable by its Vertex id, and keeps Anthropic's minimum", () => {
    for (const [id, row] of Object.entries(vertex.models)) {
      expect(row.checked).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(row.sources.length).toBeGreaterThan(0);
      expect(row.minCacheableTokens).toBe(
        MODEL_TABLE[id as keyof typeof MODEL_TABLE].minCacheableTokens,
      );
    }
    expect(vertex.models["claude-haiku-4-5"]!.aliases).toContain("claude-haiku-4-5@20251001");
  });
});

describe("vertex target: result lines (§3.4)", () => {
  const usage = { input_tokens: 3, output_tokens: 2, cache_read_input_tokens: 10 };
  it("reads `response` and `response.body` lines as succeeded, `status` as failed", () => {
    expect(
      vertex.readResult({
        custom_id: "a",
        request: {},
        response: { type: "message", usage },
        status: "",
      }),
    ).toMatchObject({ id: "a", status: "succeeded", usage });
    expect(
      vertex.readResult({ custom_id: "b", response: { body: { type: "message", usage } } }),
    ).toMatchObject({ id: "b", status: "succeeded", usage });
    expect(
      vertex.readResult({ custom_id: "c", request: {}, status: "Bad Request: invalid" }),
    ).toMatchObject({ id: "c", status: "failed" });
    expect(
      vertex.readResult({
        custom_id: "d",
        response: { type: "error", error: { type: "invalid_request_error" } },
      }),
    ).toMatchObject({ id: "d", status: "failed", errorType: "invalid_request_error" });
    expect(vertex.readResult({ custom_id: "e" })).toBeUndefined();
    expect(vertex.readResult({ result: {} })).toBeUndefined();
  });
});
