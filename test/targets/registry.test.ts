import { describe, expect, it } from "vitest";
import { OptionsError } from "../../src/errors.js";
import { plan } from "../../src/index.js";
import { resolvePlanOptions } from "../../src/plan/plan.js";
import { defaultModelTable, modelTableOf } from "../../src/pricing/models.js";
import anthropic, {
  API_MAX_BYTES,
  API_MAX_REQUESTS,
  CUSTOM_ID_PATTERN,
  MAX_BREAKPOINTS,
  TTL_MS,
} from "../../src/targets/anthropic/index.js";
import { checkTargetId, DEFAULT_TARGET, loadTarget, targets } from "../../src/targets/index.js";

describe("target registry", () => {
  it("registers anthropic as the default, loaded lazily", async () => {
    expect(Object.keys(targets)[0]).toBe("anthropic");
    expect(Object.keys(targets)).toEqual(
      expect.arrayContaining(["anthropic", "vertex", "bedrock"]),
    );
    expect(DEFAULT_TARGET).toBe("anthropic");
    expect(await loadTarget()).toBe(anthropic);
    expect(await loadTarget("anthropic")).toBe(anthropic);
  });

  it("an unknown target id is an OptionsError naming the known ones", async () => {
    expect(() => checkTargetId("azure")).toThrow(OptionsError);
    expect(() => checkTargetId("azure")).toThrow(
      /`target` must be one of "anthropic".*"vertex".*"bedrock".*; got "azure"/,
    );
    await expect(plan([], { target: "azure" as "anthropic" })).rejects.toThrow(OptionsError);
    expect(() => resolvePlanOptions({ target: "x" as "anthropic" })).toThrow(OptionsError);
  });
});

describe("the anthropic target states the facts of its folder", () => {
  it("limits, caching and prices are the module constants (reference §1-§5)", () => {
    expect(anthropic.limits).toMatchObject({
      maxRequests: API_MAX_REQUESTS,
      maxBytes: API_MAX_BYTES,
      minRequests: 1,
      idPattern: CUSTOM_ID_PATTERN,
    });
    expect(API_MAX_REQUESTS).toBe(100_000);
    expect(API_MAX_BYTES).toBe(256_000_000);
    expect(anthropic.caching).toMatchObject({
      markers: "explicit",
      maxBreakpoints: MAX_BREAKPOINTS,
      lookbackPositions: 20,
      ttlMs: TTL_MS,
      defaultTtl: "5m",
      conservativeMinCacheableTokens: 4096,
    });
    expect(anthropic.prices).toEqual({
      write: { "5m": 1.25, "1h": 2 },
      defaultRead: 0.1,
      batch: 0.5,
      usGeo: 1.1,
    });
  });

  it("its rows are the default model table, each dated and sourced", () => {
    expect(modelTableOf(anthropic)).toBe(defaultModelTable);
    for (const row of Object.values(anthropic.models)) {
      expect(row.checked).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(row.sources.length).toBeGreaterThan(0);
    }
  });

  it("writes a request as {custom_id, params} and reads it back", () => {
    const record = { custom_id: "a-1", params: { model: "m", max_tokens: 1, messages: [] } };
    const line = anthropic.format.toLine(record);
    expect(line).toEqual(record);
    expect(anthropic.format.fromLine(JSON.parse(JSON.stringify(line)))).toEqual({
      id: "a-1",
      body: record.params,
    });
    expect(anthropic.format.fromLine({ custom_id: 1, params: {} })).toBeUndefined();
    expect(anthropic.format.fromLine(null)).toBeUndefined();
  });

  it("maps each result type back to its custom_id, keeping the raw line (reference §5.4)", () => {
    const usage = { input_tokens: 3, output_tokens: 4 };
    const ok = { custom_id: "a", result: { type: "succeeded", message: { usage } } };
    expect(anthropic.readResult(ok)).toEqual({ id: "a", status: "succeeded", usage, raw: ok });
    const bad = {
      custom_id: "b",
      result: { type: "errored", error: { type: "error", error: { type: "overloaded_error" } } },
    };
    expect(anthropic.readResult(bad)).toMatchObject({
      status: "failed",
      errorType: "overloaded_error",
    });
    expect(anthropic.readResult({ custom_id: "c", result: { type: "canceled" } })).toMatchObject({
      id: "c",
      status: "cancelled",
    });
    expect(anthropic.readResult({ custom_id: "d", result: { type: "expired" } })?.status).toBe(
      "expired",
    );
    expect(anthropic.readResult({ custom_id: "e", result: { type: "other" } })).toBeUndefined();
    expect(anthropic.readResult({ result: { type: "expired" } })).toBeUndefined();
  });

  it("says where usage keeps the 5m/1h write split (reference §8)", () => {
    expect(anthropic.usage).toMatchObject({
      input: "input_tokens",
      cacheRead: "cache_read_input_tokens",
      cacheWrite: "cache_creation_input_tokens",
      cacheWriteByTtl: {
        field: "cache_creation",
        ttl: { "5m": "ephemeral_5m_input_tokens", "1h": "ephemeral_1h_input_tokens" },
      },
      inputIncludesCache: false,
    });
  });

  it("makes a client on demand, pointed where asked, without any request", async () => {
    const client = (await anthropic.createClient({
      apiKey: "test-key",
      baseURL: "http://127.0.0.1:9",
      maxRetries: 0,
    })) as { baseURL: string; maxRetries: number };
    expect(client.baseURL).toBe("http://127.0.0.1:9");
    expect(client.maxRetries).toBe(0);
  });
});

describe("plan() reads its limits from the target", () => {
  it("maxRequests and maxBytes default to, and are bounded by, the target's limits", () => {
    const resolved = resolvePlanOptions({});
    expect(resolved.maxRequests).toBe(anthropic.limits.maxRequests);
    expect(resolved.maxBytes).toBe(anthropic.limits.maxBytes);
    expect(() =>
      resolvePlanOptions({ maxRequests: 11 }, { maxRequests: 10, maxBytes: 5000 }),
    ).toThrow(/`maxRequests` must be a whole number from 1 to 10; got 11/);
    expect(resolvePlanOptions({}, { maxRequests: 10, maxBytes: 5000 })).toMatchObject({
      maxRequests: 10,
      maxBytes: 5000,
    });
  });

  it("does not record the target in plan.json's options", async () => {
    const p = await plan([], { target: "anthropic" });
    expect(Object.keys(p.options)).not.toContain("target");
  });
});
