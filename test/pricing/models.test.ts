import { describe, expect, it } from "vitest";
import { OptionsError } from "../../src/errors.js";
import { type ModelInfo, ratesForRequest } from "../../src/pricing/model-table.js";
import {
  createModelTable,
  defaultModelTable,
  parseModelOverrides,
} from "../../src/pricing/models.js";
import { CONSERVATIVE_MIN_CACHEABLE_TOKENS } from "../../src/targets/anthropic/caching.js";
import {
  isKnownModel,
  KNOWN_ALIASES,
  KNOWN_MODELS,
  MODEL_TABLE,
} from "../../src/targets/anthropic/models.js";
import {
  BATCH_MULTIPLIER,
  US_GEO_MULTIPLIER,
  WRITE_1H_MULTIPLIER,
  WRITE_5M_MULTIPLIER,
} from "../../src/targets/anthropic/prices.js";

// Reference: shared/reference/anthropic-caching-and-batches.md (state as of 2026-11-22).
// Every expected value below is copied from the reference, not from the module.

/** §2: minimum cacheable prompt length per SDK `Model` id. */
const EXPECTED_MINIMUMS: Record<string, { min: number; known: boolean }> = {
  "claude-fable-5-2": { min: 1024, known: false }, // §2: unknown; 1,024 is the module's stand-in
  "claude-mythos-5-2": { min: 1024, known: false }, // §2: unknown; 1,024 is the module's stand-in
  "claude-haiku-5-5": { min: 512, known: true }, // H55; Q-MIN 2026-10-08
  "claude-sonnet-5-5": { min: 512, known: true }, // Q-MIN 2026-10-01
  "claude-fable-5-1": { min: 512, known: true }, // PC-zh; Q-MIN
  "claude-opus-5-5": { min: 512, known: true }, // PC-zh
  "claude-mythos-5-1": { min: 512, known: true }, // PC-zh
  "claude-sonnet-5": { min: 1024, known: true }, // PC-zh
  "claude-fable-5": { min: 512, known: true }, // PC-zh
  "claude-mythos-5": { min: 512, known: true }, // PC-zh
  "claude-opus-5": { min: 512, known: true }, // PC-zh
  "claude-opus-4-8": { min: 1024, known: true }, // PC-zh (OpenRouter's 4,096 is wrong)
  "claude-opus-4-7": { min: 2048, known: true }, // PC-zh
  "claude-mythos-preview": { min: 2048, known: true }, // PC-zh
  "claude-opus-4-6": { min: 4096, known: true }, // PC-zh
  "claude-sonnet-4-6": { min: 1024, known: true }, // PC-zh (docs.orq.ai's 2,048 is wrong)
  "claude-haiku-4-5": { min: 4096, known: true }, // PC-zh
  "claude-haiku-4-5-20251001": { min: 4096, known: true }, // PC-zh
  "claude-opus-4-5": { min: 4096, known: true }, // PC-zh
  "claude-opus-4-5-20251101": { min: 4096, known: true }, // PC-zh
  "claude-sonnet-4-5": { min: 1024, known: true }, // PC-zh
  "claude-sonnet-4-5-20250929": { min: 1024, known: true }, // PC-zh
};

/** §7: list prices in USD per million tokens: input, read (cache hit), output. */
const EXPECTED_PRICES: Record<string, { input: number; read: number; output: number }> = {
  "claude-fable-5-2": { input: 8, read: 0.2, output: 40 }, // F52 (third-party)
  "claude-mythos-5-2": { input: 8, read: 0.2, output: 40 }, // F52 apiyi: "same specs and price"
  "claude-haiku-5-5": { input: 0.1, read: 0.01, output: 0.5 }, // H55; PR-Q 2026-10-08 (≤ 100k)
  "claude-sonnet-5-5": { input: 2, read: 0.1, output: 10 }, // PR-Q 2026-10-08
  "claude-fable-5-1": { input: 10, read: 0.25, output: 50 }, // PC-zh
  "claude-opus-5-5": { input: 4, read: 0.2, output: 20 }, // PC-zh
  "claude-mythos-5-1": { input: 10, read: 0.25, output: 50 }, // PC-zh
  "claude-sonnet-5": { input: 2, read: 0.2, output: 10 }, // PC-zh; PR-Q ($3/$15 will not occur)
  "claude-fable-5": { input: 10, read: 1, output: 50 }, // PC-zh
  "claude-mythos-5": { input: 10, read: 1, output: 50 }, // PC-zh
  "claude-opus-5": { input: 5, read: 0.5, output: 25 }, // PC-zh
  "claude-opus-4-8": { input: 5, read: 0.5, output: 25 }, // PC-zh
  "claude-opus-4-7": { input: 5, read: 0.5, output: 25 }, // PC-zh
  "claude-mythos-preview": { input: 25, read: 2.5, output: 125 }, // third-party; read n/a, 0.1x assumed
  "claude-opus-4-6": { input: 5, read: 0.5, output: 25 }, // PC-zh
  "claude-sonnet-4-6": { input: 3, read: 0.3, output: 15 }, // PC-zh
  "claude-haiku-4-5": { input: 1, read: 0.1, output: 5 }, // PC-zh
  "claude-opus-4-5": { input: 5, read: 0.5, output: 25 }, // PC-zh
  "claude-sonnet-4-5": { input: 3, read: 0.3, output: 15 }, // PC-zh
};

/** The ids of the SDK `Model` union (SDK-M 3945, @anthropic-ai/sdk 1.12.0). */
const SDK_MODEL_IDS = [
  "claude-fable-5-2",
  "claude-mythos-5-2",
  "claude-haiku-5-5",
  "claude-sonnet-5-5",
  "claude-fable-5-1",
  "claude-opus-5-5",
  "claude-mythos-5-1",
  "claude-sonnet-5",
  "claude-fable-5",
  "claude-mythos-5",
  "claude-opus-5",
  "claude-opus-4-8",
  "claude-opus-4-7",
  "claude-mythos-preview",
  "claude-opus-4-6",
  "claude-sonnet-4-6",
  "claude-haiku-4-5",
  "claude-haiku-4-5-20251001",
  "claude-opus-4-5",
  "claude-opus-4-5-20251101",
  "claude-sonnet-4-5",
  "claude-sonnet-4-5-20250929",
];

/** Money comparisons: prices are products of decimals, so compare to 1e-9 USD/MTok. */
const closeTo = (actual: number, expected: number) => expect(actual).toBeCloseTo(expected, 9);

const row = (id: string): ModelInfo => {
  const info = defaultModelTable.get(id);
  if (info === undefined) throw new Error(`no row for ${id}`);
  return info;
};

describe("table coverage", () => {
  it("has a row for every KNOWN_MODELS id, keyed by its own id", () => {
    expect(Object.keys(MODEL_TABLE).sort()).toEqual([...KNOWN_MODELS].sort());
    for (const id of KNOWN_MODELS) {
      expect(MODEL_TABLE[id].id, id).toBe(id);
      expect(defaultModelTable.get(id), id).toBe(MODEL_TABLE[id]);
    }
    expect(defaultModelTable.ids()).toEqual([...KNOWN_MODELS]);
  });

  it("resolves every id of the SDK Model union, dated aliases to their canonical row", () => {
    for (const id of SDK_MODEL_IDS) expect(defaultModelTable.get(id), id).toBeDefined();
    expect(row("claude-haiku-4-5-20251001").id).toBe("claude-haiku-4-5");
    expect(row("claude-opus-4-5-20251101").id).toBe("claude-opus-4-5");
    expect(row("claude-sonnet-4-5-20250929").id).toBe("claude-sonnet-4-5");
    expect([...KNOWN_MODELS, ...KNOWN_ALIASES].sort()).toEqual([...SDK_MODEL_IDS].sort());
  });

  it("resolves every alias listed in a row", () => {
    for (const id of KNOWN_MODELS) {
      for (const alias of MODEL_TABLE[id].aliases) {
        expect(defaultModelTable.get(alias)?.id, alias).toBe(id);
      }
    }
  });

  it("returns undefined for an unknown id and does not guess", () => {
    expect(defaultModelTable.get("claude-unknown-9")).toBeUndefined();
    expect(defaultModelTable.get("CLAUDE-OPUS-4-6")).toBeUndefined();
    expect(defaultModelTable.get("")).toBeUndefined();
    expect(defaultModelTable.get("toString")).toBeUndefined();
    expect(isKnownModel("claude-opus-4-6")).toBe(true);
    expect(isKnownModel("claude-haiku-4-5-20251001")).toBe(false);
    expect(isKnownModel("constructor")).toBe(false);
  });

  it("is frozen, so no caller can change a shared price", () => {
    const info = row("claude-opus-4-6");
    expect(Object.isFrozen(MODEL_TABLE)).toBe(true);
    expect(Object.isFrozen(info)).toBe(true);
    expect(Object.isFrozen(info.sources)).toBe(true);
    expect(Object.isFrozen(row("claude-haiku-5-5").tiers[0])).toBe(true);
  });

  it("gives every row a source, a checked date and sane numbers", () => {
    for (const id of KNOWN_MODELS) {
      const info = MODEL_TABLE[id];
      expect(info.sources.length, id).toBeGreaterThan(0);
      expect(info.checked, id).toBe("2026-11-22");
      expect(info.displayName, id).toMatch(/^Claude /);
      expect(info.outputPerMTok, id).toBeGreaterThan(info.inputPerMTok);
    }
  });
});

describe("minimum cacheable tokens (reference §2)", () => {
  it.each(Object.entries(EXPECTED_MINIMUMS))("%s", (id, expected) => {
    const info = row(id);
    expect(info.minCacheableTokens).toBe(expected.min);
    expect(info.minCacheableKnown).toBe(expected.known);
  });

  it("marks the unknown minimums of Fable 5.2 and Mythos 5.2 as unknown, with a reason", () => {
    for (const id of ["claude-fable-5-2", "claude-mythos-5-2"]) {
      const info = row(id);
      expect(info.minimumConfidence, id).toBe("unknown");
      expect(info.notes, id).toMatch(/minimum/i);
    }
  });

  it("uses the largest documented minimum for models not in the table", () => {
    const documented = Object.values(EXPECTED_MINIMUMS)
      .filter((m) => m.known)
      .map((m) => m.min);
    expect(CONSERVATIVE_MIN_CACHEABLE_TOKENS).toBe(Math.max(...documented));
    expect(CONSERVATIVE_MIN_CACHEABLE_TOKENS).toBe(4096);
  });
});

describe("prices and read multipliers (reference §3, §7)", () => {
  it.each(Object.entries(EXPECTED_PRICES))("%s", (id, expected) => {
    const info = row(id);
    closeTo(info.inputPerMTok, expected.input);
    closeTo(info.outputPerMTok, expected.output);
    // The read price is derived from the multiplier, never stored.
    closeTo(info.inputPerMTok * info.readMultiplier, expected.read);
  });

  it("reads at 0.025x on Fable 5.1 and Mythos 5.1 (PC-zh §定价)", () => {
    expect(row("claude-fable-5-1").readMultiplier).toBe(0.025);
    expect(row("claude-mythos-5-1").readMultiplier).toBe(0.025);
  });

  it("reads at 0.05x on Opus 5.5 and Sonnet 5.5 (PR-Q 2026-10-08)", () => {
    expect(row("claude-opus-5-5").readMultiplier).toBe(0.05);
    const sonnet55 = row("claude-sonnet-5-5");
    expect(sonnet55.readMultiplier).toBe(0.05);
    expect(sonnet55.notes).toMatch(/2026-10-07/);
  });

  it("reads at 0.025x on Fable 5.2 and Mythos 5.2 from third-party sources only (F52)", () => {
    for (const id of ["claude-fable-5-2", "claude-mythos-5-2"]) {
      expect(row(id).readMultiplier, id).toBe(0.025);
      expect(row(id).priceConfidence, id).toBe("third-party");
    }
  });

  it("reads at 0.1x on every other model, including Fable 5 and Mythos 5 ($1 on $10)", () => {
    const exceptions = new Set([
      "claude-fable-5-1",
      "claude-mythos-5-1",
      "claude-opus-5-5",
      "claude-sonnet-5-5",
      "claude-fable-5-2",
      "claude-mythos-5-2",
    ]);
    for (const id of KNOWN_MODELS) {
      if (!exceptions.has(id)) expect(MODEL_TABLE[id].readMultiplier, id).toBe(0.1);
    }
  });

  it("labels Mythos Preview prices third-party and says caching prices are unpublished", () => {
    const info = row("claude-mythos-preview");
    expect(info.priceConfidence).toBe("third-party");
    expect(info.notes).toMatch(/not published/);
  });

  it("has the documented multipliers (reference facts 8-10)", () => {
    expect(WRITE_5M_MULTIPLIER).toBe(1.25);
    expect(WRITE_1H_MULTIPLIER).toBe(2);
    expect(BATCH_MULTIPLIER).toBe(0.5);
    expect(US_GEO_MULTIPLIER).toBe(1.1);
  });

  it("reproduces the §7 write columns from the multipliers", () => {
    // §7 Sonnet 4.6: 5m write $3.75 = 3 × 1.25; 1h write $6 = 3 × 2.
    const sonnet46 = row("claude-sonnet-4-6");
    closeTo(sonnet46.inputPerMTok * WRITE_5M_MULTIPLIER, 3.75);
    closeTo(sonnet46.inputPerMTok * WRITE_1H_MULTIPLIER, 6);
    // §7 Fable 5.2 (F52): 5m write $10 = 8 × 1.25; 1h write $16 = 8 × 2.
    const fable52 = row("claude-fable-5-2");
    closeTo(fable52.inputPerMTok * WRITE_5M_MULTIPLIER, 10);
    closeTo(fable52.inputPerMTok * WRITE_1H_MULTIPLIER, 16);
  });
});

describe("derived batch prices (reference fact 9: 50% off, cache multipliers stack)", () => {
  it("Sonnet 4.6 batch read = 3 × 0.1 × 0.5 = $0.15/MTok", () => {
    const info = row("claude-sonnet-4-6");
    closeTo(info.inputPerMTok * info.readMultiplier * BATCH_MULTIPLIER, 0.15);
  });

  it("Sonnet 4.6 batch 5m write = 3 × 1.25 × 0.5 = $1.875; 1h write = 3 × 2 × 0.5 = $3", () => {
    const info = row("claude-sonnet-4-6");
    closeTo(info.inputPerMTok * WRITE_5M_MULTIPLIER * BATCH_MULTIPLIER, 1.875);
    closeTo(info.inputPerMTok * WRITE_1H_MULTIPLIER * BATCH_MULTIPLIER, 3);
  });

  it("Opus 5.5 batch input/output = $2/$10 (PR-Q); batch read = 4 × 0.05 × 0.5 = $0.10", () => {
    const info = row("claude-opus-5-5");
    closeTo(info.inputPerMTok * BATCH_MULTIPLIER, 2);
    closeTo(info.outputPerMTok * BATCH_MULTIPLIER, 10);
    closeTo(info.inputPerMTok * info.readMultiplier * BATCH_MULTIPLIER, 0.1);
  });

  it("Fable 5.1 batch read = 0.0125x list input = 10 × 0.025 × 0.5 = $0.125", () => {
    const info = row("claude-fable-5-1");
    closeTo(info.readMultiplier * BATCH_MULTIPLIER, 0.0125);
    closeTo(info.inputPerMTok * info.readMultiplier * BATCH_MULTIPLIER, 0.125);
  });

  it("Fable 5.2 batch input/output = $4/$20 (F52, qiita 2026-11-12)", () => {
    const info = row("claude-fable-5-2");
    closeTo(info.inputPerMTok * BATCH_MULTIPLIER, 4);
    closeTo(info.outputPerMTok * BATCH_MULTIPLIER, 20);
  });

  it("US geo on Opus 4.6 batch read = 5 × 0.1 × 0.5 × 1.1 = $0.275 (fact 10 stacks)", () => {
    const info = row("claude-opus-4-6");
    expect(info.usGeoMultiplierApplies).toBe(true);
    closeTo(info.inputPerMTok * info.readMultiplier * BATCH_MULTIPLIER * US_GEO_MULTIPLIER, 0.275);
  });
});

describe("Haiku 5.5 long-context tier (reference §7)", () => {
  it("has one tier above 100,000 input tokens at $0.50 / $2.50", () => {
    const info = row("claude-haiku-5-5");
    expect(info.tiers).toHaveLength(1);
    expect(info.tiers[0]).toMatchObject({
      aboveInputTokens: 100_000,
      inputPerMTok: 0.5,
      outputPerMTok: 2.5,
    });
  });

  it("prices a request at exactly 100,000 tokens at base rates and one above at the tier", () => {
    const info = row("claude-haiku-5-5");
    expect(ratesForRequest(info, 100_000)).toMatchObject({ inputPerMTok: 0.1, outputPerMTok: 0.5 });
    const above = ratesForRequest(info, 100_001);
    expect(above).toMatchObject({ inputPerMTok: 0.5, outputPerMTok: 2.5 });
    expect(above.tier?.aboveInputTokens).toBe(100_000);
    // §7 tier row: read $0.05 = 0.5 × 0.1; 5m write $0.625 = 0.5 × 1.25; 1h write $1 = 0.5 × 2.
    closeTo(above.inputPerMTok * info.readMultiplier, 0.05);
    closeTo(above.inputPerMTok * WRITE_5M_MULTIPLIER, 0.625);
    closeTo(above.inputPerMTok * WRITE_1H_MULTIPLIER, 1);
  });

  it("has no tier on any other model (1M context at standard pricing, PR-Q)", () => {
    for (const id of KNOWN_MODELS) {
      if (id !== "claude-haiku-5-5") expect(MODEL_TABLE[id].tiers, id).toEqual([]);
    }
    expect(ratesForRequest(row("claude-opus-4-6"), 900_000).tier).toBeUndefined();
  });
});

describe("tokenizer and US-geo flags (reference fact 5, fact 10)", () => {
  const legacy = [
    "claude-opus-4-6",
    "claude-sonnet-4-6",
    "claude-haiku-4-5",
    "claude-opus-4-5",
    "claude-sonnet-4-5",
  ];
  const generation45 = ["claude-haiku-4-5", "claude-opus-4-5", "claude-sonnet-4-5"];

  it("uses the legacy tokenizer only for Opus/Sonnet 4.6 and the 4.5 generation", () => {
    for (const id of KNOWN_MODELS) {
      expect(MODEL_TABLE[id].tokenizer, id).toBe(
        legacy.includes(id) ? "claude-legacy" : "claude-2026",
      );
    }
  });

  it("applies the US-geo 1.1x to Claude 4.6 and later, not to the 4.5 generation", () => {
    for (const id of KNOWN_MODELS) {
      expect(MODEL_TABLE[id].usGeoMultiplierApplies, id).toBe(!generation45.includes(id));
    }
  });
});

describe("createModelTable overrides", () => {
  it("merges a partial row onto an existing model and records the override", () => {
    const table = createModelTable({ "claude-opus-4-6": { inputPerMTok: 4 } });
    const info = table.get("claude-opus-4-6");
    expect(info?.inputPerMTok).toBe(4);
    expect(info?.outputPerMTok).toBe(25);
    expect(info?.minCacheableTokens).toBe(4096);
    expect(info?.sources.at(-1)).toBe("user override: inputPerMTok");
    // The built-in table is untouched.
    expect(defaultModelTable.get("claude-opus-4-6")?.inputPerMTok).toBe(5);
    expect(MODEL_TABLE["claude-opus-4-6"].inputPerMTok).toBe(5);
  });

  it("merges an override keyed by a dated alias onto the canonical row", () => {
    const table = createModelTable({ "claude-haiku-4-5-20251001": { minCacheableTokens: 2048 } });
    expect(table.get("claude-haiku-4-5")?.minCacheableTokens).toBe(2048);
    expect(table.get("claude-haiku-4-5-20251001")?.minCacheableTokens).toBe(2048);
    expect(table.ids()).toEqual([...KNOWN_MODELS]);
  });

  it("adds a new model with conservative defaults", () => {
    const table = createModelTable({
      "my-proxy-model": { inputPerMTok: 1, outputPerMTok: 5, minCacheableTokens: 2048 },
    });
    const info = table.get("my-proxy-model");
    expect(info).toMatchObject({
      id: "my-proxy-model",
      inputPerMTok: 1,
      outputPerMTok: 5,
      minCacheableTokens: 2048,
      readMultiplier: 0.1,
      tokenizer: "claude-2026",
      usGeoMultiplierApplies: true,
      tiers: [],
      priceConfidence: "unknown",
    });
    expect(table.ids().at(-1)).toBe("my-proxy-model");
  });

  it("makes a new model's aliases resolve", () => {
    const table = createModelTable({
      "my-model": { inputPerMTok: 1, outputPerMTok: 5, minCacheableTokens: 1024, aliases: ["mm"] },
    });
    expect(table.get("mm")?.id).toBe("my-model");
  });

  it("throws an OptionsError (code invalid-options) naming the model and the missing price", () => {
    // Was a bare TypeError, outside the project's error family (issue 10 item 9).
    expect(() =>
      createModelTable({ "my-proxy-model": { inputPerMTok: 1, minCacheableTokens: 2048 } }),
    ).toThrow(OptionsError);
    expect(() =>
      createModelTable({ "my-proxy-model": { inputPerMTok: 1, minCacheableTokens: 2048 } }),
    ).toThrow(/"my-proxy-model".*missing `outputPerMTok`/);
  });

  it("throws on a malformed value passed from untyped code", () => {
    const bad = { "claude-opus-4-6": { readMultiplier: -1 } } as Record<string, Partial<ModelInfo>>;
    expect(() => createModelTable(bad)).toThrow(/"claude-opus-4-6".*`readMultiplier`/);
  });

  it("throws when two rows claim the same alias", () => {
    expect(() =>
      createModelTable({
        "my-model": {
          inputPerMTok: 1,
          outputPerMTok: 5,
          minCacheableTokens: 1024,
          aliases: ["claude-sonnet-4-5-20250929"],
        },
      }),
    ).toThrow(/claude-sonnet-4-5-20250929.*claude-sonnet-4-5/);
    expect(() =>
      createModelTable({
        "my-model": {
          inputPerMTok: 1,
          outputPerMTok: 5,
          minCacheableTokens: 1024,
          aliases: ["claude-sonnet-4-5-20250929"],
        },
      }),
    ).toThrow(OptionsError);
  });
});

describe("parseModelOverrides", () => {
  const fail = (json: unknown): string => {
    const result = parseModelOverrides(json);
    if (result.ok) throw new Error("expected a failure");
    return result.error;
  };

  it("accepts a valid file and returns copies of its rows", () => {
    const json = JSON.parse(
      '{"claude-opus-4-6": {"inputPerMTok": 4.5}, "my-model": {"inputPerMTok": 1, "outputPerMTok": 5, "minCacheableTokens": 1024, "tiers": [{"aboveInputTokens": 200000, "inputPerMTok": 2, "outputPerMTok": 10, "source": "my contract"}]}}',
    );
    const result = parseModelOverrides(json);
    expect(result).toEqual({ ok: true, value: json });
    if (result.ok) {
      expect(result.value["claude-opus-4-6"]).not.toBe(json["claude-opus-4-6"]);
      const table = createModelTable(result.value);
      expect(table.get("my-model")?.tiers[0]?.inputPerMTok).toBe(2);
    }
  });

  it("rejects a non-object", () => {
    expect(fail([])).toMatch(/must be a JSON object keyed by model id.*got an array/);
    expect(fail(null)).toMatch(/JSON object.*got null/);
    expect(fail("claude-opus-4-6")).toMatch(/JSON object.*got the string/);
  });

  it("rejects a row that is not an object", () => {
    expect(fail({ "claude-opus-4-6": 5 })).toMatch(/"claude-opus-4-6" must be an object.*got 5/);
  });

  it("rejects a negative price, naming the key and the field", () => {
    const error = fail({ "claude-opus-4-6": { inputPerMTok: -1 } });
    expect(error).toContain('"claude-opus-4-6"');
    expect(error).toContain("`inputPerMTok`");
    expect(error).toMatch(/finite number >= 0.*got -1/);
  });

  it("rejects a string price, naming the key and the field", () => {
    const error = fail({ "claude-sonnet-4-6": { outputPerMTok: "15" } });
    expect(error).toContain('"claude-sonnet-4-6"');
    expect(error).toContain("`outputPerMTok`");
    expect(error).toMatch(/got the string "15"/);
  });

  it("rejects a misspelled field and lists the valid ones", () => {
    const error = fail({ "claude-opus-4-6": { inputPerMtok: 4 } });
    expect(error).toMatch(/"claude-opus-4-6": unknown field `inputPerMtok`.*inputPerMTok/);
  });

  it("rejects a fractional minimum and an unknown tokenizer", () => {
    expect(fail({ "claude-opus-4-6": { minCacheableTokens: 100.5 } })).toMatch(
      /`minCacheableTokens` must be a positive integer/,
    );
    expect(fail({ "claude-opus-4-6": { tokenizer: "gpt" } })).toMatch(
      /`tokenizer` must be one of "claude-legacy", "claude-2026"/,
    );
  });

  it("rejects a new model without the required prices, naming each missing field", () => {
    const error = fail({ "my-model": { inputPerMTok: 1 } });
    expect(error).toContain('"my-model"');
    expect(error).toMatch(/missing `outputPerMTok`, `minCacheableTokens`/);
  });

  it("keeps a __proto__ key as data instead of a prototype", () => {
    const json = JSON.parse(
      '{"__proto__": {"inputPerMTok": 1, "outputPerMTok": 2, "minCacheableTokens": 1024}}',
    );
    const result = parseModelOverrides(json);
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(Object.keys(result.value)).toEqual(["__proto__"]);
      expect(Object.getPrototypeOf(result.value)).toBe(Object.prototype);
    }
  });
});
