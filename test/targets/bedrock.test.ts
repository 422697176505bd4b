import fc from "fast-check";
import { describe, expect, it } from "vitest";
import bedrock, {
  BEDROCK_REGIONAL_UPLIFT,
  customIdOf,
  fromBedrockLine,
  RECORD_ID_PATTERN,
  recordIdOf,
  toBedrockLine,
} from "../../src/targets/bedrock/index.js";
import { loadTarget } from "../../src/targets/index.js";

// other-batch-systems.md §2.1 (BR-DATA): the documented example record `CALL0000001`.
const DOCUMENTED =
  '{"recordId":"CALL0000001","modelInput":{"anthropic_version":"bedrock-2023-05-31","max_tokens":1024,"messages":[{"role":"user","content":[{"type":"text","text":"Summarize the following call transcript: ..."}]}]}}';

describe("bedrock target: record format (§2.1)", () => {
  it("writes the documented line: model moved to the job, anthropic_version added", () => {
    const line = toBedrockLine({
      custom_id: "CALL0000001",
      params: {
        model: "claude-sonnet-4-6",
        max_tokens: 1024,
        messages: [
          {
            role: "user",
            content: [{ type: "text", text: "Summarize the following call transcript: ..." }],
          },
        ],
      },
    });
    expect(line).toEqual(JSON.parse(DOCUMENTED));
    expect(line.modelInput).not.toHaveProperty("model");
  });

  it("strips every cache_control: batch inference does not cache (§2.6)", () => {
    const line = toBedrockLine({
      custom_id: "a",
      params: {
        model: "m",
        max_tokens: 5,
        cache_control: { type: "ephemeral" },
        system: [{ type: "text", text: "S", cache_control: { type: "ephemeral", ttl: "1h" } }],
        tools: [{ name: "t", input_schema: {}, cache_control: { type: "ephemeral" } }],
        messages: [
          {
            role: "user",
            content: [{ type: "text", text: "q", cache_control: { type: "ephemeral" } }],
          },
        ],
      },
    });
    expect(JSON.stringify(line)).not.toContain("cache_control");
    expect(line.modelInput.system).toEqual([{ type: "text", text: "S" }]);
  });

  it("recordId is alphanumeric and maps back to the custom_id, for any custom_id (property)", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-zA-Z0-9_-]{1,64}$/), (id) => {
        const record = recordIdOf(id);
        expect(record).toMatch(RECORD_ID_PATTERN);
        expect(customIdOf(record)).toBe(id);
      }),
    );
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-zA-Z0-9_-]{1,64}$/),
        fc.stringMatching(/^[a-zA-Z0-9_-]{1,64}$/),
        (a, b) => a === b || recordIdOf(a) !== recordIdOf(b),
      ),
    );
    expect(recordIdOf("CALL0000001")).toBe("CALL0000001");
    expect(recordIdOf("req-1")).toBe("X7265712d31");
    expect(recordIdOf("X1")).toBe("X5831");
  });

  it("reads a line back to its custom_id and body", () => {
    expect(
      fromBedrockLine(toBedrockLine({ custom_id: "req_7", params: { model: "m", max_tokens: 1 } })),
    ).toEqual({
      id: "req_7",
      body: { anthropic_version: "bedrock-2023-05-31", max_tokens: 1 },
    });
    expect(fromBedrockLine({ custom_id: "a", params: {} })).toBeUndefined();
    expect(fromBedrockLine({ recordId: "bad-id", modelInput: {} })).toBeUndefined();
  });
});

describe("bedrock target: limits, caching, prices (§2.3, §2.6, §2.7)", () => {
  it("is registered with the quota defaults and no markers", async () => {
    expect(await loadTarget("bedrock")).toBe(bedrock);
    expect(bedrock.limits).toMatchObject({
      minRequests: 100,
      maxRequests: 50_000,
      maxBytes: 1_000_000_000,
      oneModelPerBatch: true,
    });
    expect(bedrock.caching.markers).toBe("none");
    expect(bedrock.caching.maxBreakpoints).toBe(0);
  });

  it("global and regional rows: Sonnet 4.6 batch $1.50 global, $1.65 regional (STD-PX)", () => {
    const global = bedrock.models["claude-sonnet-4-6"]!;
    const regional = bedrock.models["anthropic.claude-sonnet-4-6"]!;
    expect(global.inputPerMTok * bedrock.prices.batch).toBeCloseTo(1.5);
    expect(global.outputPerMTok * bedrock.prices.batch).toBeCloseTo(7.5);
    expect(regional.inputPerMTok * bedrock.prices.batch).toBeCloseTo(1.65);
    expect(BEDROCK_REGIONAL_UPLIFT).toBe(1.1);
    expect(global.aliases).toContain("global.anthropic.claude-sonnet-4-6");
    expect(regional.aliases).toEqual(
      expect.arrayContaining(["us.anthropic.claude-sonnet-4-6", "eu.anthropic.claude-sonnet-4-6"]),
    );
    for (const row of Object.values(bedrock.models)) {
      expect(row.checked).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(row.sources.length).toBeGreaterThan(0);
    }
  });
});

describe("bedrock target: result lines (§2.4)", () => {
  it("reads modelOutput as succeeded and error as failed, by decoded recordId", () => {
    const usage = { input_tokens: 7, output_tokens: 3 };
    expect(
      bedrock.readResult({
        recordId: recordIdOf("req-1"),
        modelInput: {},
        modelOutput: { type: "message", usage },
      }),
    ).toMatchObject({ id: "req-1", status: "succeeded", usage });
    expect(
      bedrock.readResult({
        recordId: "CALL0000002",
        modelInput: {},
        error: { errorCode: 400, errorMessage: "Malformed input request" },
      }),
    ).toMatchObject({ id: "CALL0000002", status: "failed", errorType: "http_400" });
    expect(bedrock.readResult({ recordId: "a-b", modelOutput: {} })).toBeUndefined();
    expect(bedrock.readResult({ custom_id: "a", result: {} })).toBeUndefined();
  });
});
