import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { validateRequest } from "../../src/request/validate.js";
import {
  BATCH_ONLY_RULES,
  batchOnlyViolation,
  type CacheTtl,
  ttlOrderBreach,
  withoutBatchOnlyFields,
} from "../../src/targets/anthropic/index.js";

const base = {
  model: "claude-sonnet-4-5",
  max_tokens: 16,
  messages: [{ role: "user", content: "hi" }],
};

describe("batch-only rules (reference §5.2, fact 13)", () => {
  it("names max_tokens 0, stream true and speed, in that order", () => {
    expect(BATCH_ONLY_RULES.map((r) => r.field)).toEqual(["max_tokens", "stream", "speed"]);
    expect(batchOnlyViolation({ ...base, max_tokens: 0 })?.kind).toBe("max-tokens-zero");
    expect(batchOnlyViolation({ ...base, stream: true })?.kind).toBe("stream-not-allowed");
    expect(batchOnlyViolation({ ...base, speed: "fast" })?.kind).toBe("speed-not-allowed");
    expect(batchOnlyViolation({ ...base, stream: false, speed: null })).toBeUndefined();
    expect(batchOnlyViolation(base)).toBeUndefined();
  });

  it("the validator rejects with the table's kind and reason", () => {
    for (const rule of BATCH_ONLY_RULES) {
      const params = {
        ...base,
        [rule.field]: rule.field === "max_tokens" ? 0 : rule.field === "stream" ? true : "fast",
      };
      const verdict = validateRequest({ custom_id: "a", params });
      expect(verdict).toEqual({ ok: false, kind: rule.kind, reason: rule.reason, custom_id: "a" });
    }
  });

  it("withoutBatchOnlyFields leaves nothing a batch refuses", () => {
    const cleaned = withoutBatchOnlyFields({ ...base, max_tokens: 0, stream: true, speed: "fast" });
    expect(batchOnlyViolation(cleaned)).toBeUndefined();
    expect(cleaned.max_tokens).toBe(1);
  });
});

describe("TTL order (reference fact 6, §3)", () => {
  it("a 1h marker after a 5m one is a breach; any other order is not", () => {
    const ttl = fc.constantFrom<CacheTtl>("5m", "1h");
    fc.assert(
      fc.property(fc.array(ttl, { maxLength: 6 }), (ttls) => {
        const marks = ttls.map((t, i) => ({ ttl: t, i }));
        const breach = ttlOrderBreach(marks);
        const sorted =
          ttls.join(",") ===
          [...ttls].sort((a, b) => (a === "1h" ? -1 : b === "1h" ? 1 : 0)).join(",");
        expect(breach === undefined).toBe(sorted);
        if (breach) {
          expect(breach.first5m.i).toBe(ttls.indexOf("5m"));
          expect(breach.late1h.i).toBe(ttls.indexOf("1h", breach.first5m.i));
        }
      }),
    );
  });
});
