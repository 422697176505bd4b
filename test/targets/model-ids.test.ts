import { describe, expect, it } from "vitest";
import { KNOWN_MODELS } from "../../src/targets/anthropic/models.js";
import {
  bedrockGeoOf,
  bedrockJobModel,
  MODEL_IDS,
  modelIdsOf,
  vertexJobModel,
} from "../../src/targets/model-ids.js";

describe("one dated model-id table (MIDV, BR-LEG)", () => {
  it("maps the documented ids both ways", () => {
    // MIDV examples: anthropic.claude-sonnet-4-5-20250929-v1:0, claude-haiku-4-5@20251001,
    // anthropic.claude-opus-4-6-v1 (last with -v1), anthropic.claude-sonnet-4-6.
    expect(modelIdsOf("claude-sonnet-4-5")?.bedrock).toBe(
      "anthropic.claude-sonnet-4-5-20250929-v1:0",
    );
    expect(modelIdsOf("claude-haiku-4-5")?.vertex).toBe("claude-haiku-4-5@20251001");
    expect(modelIdsOf("claude-opus-4-6")?.bedrock).toBe("anthropic.claude-opus-4-6-v1");
    expect(modelIdsOf("claude-sonnet-4-6")?.bedrock).toBe("anthropic.claude-sonnet-4-6");
    expect(modelIdsOf("claude-sonnet-4-6")?.vertex).toBe("claude-sonnet-4-6");
    expect(modelIdsOf("claude-haiku-4-5@20251001")?.anthropic).toBe("claude-haiku-4-5");
    expect(modelIdsOf("claude-haiku-4-5-20251001")?.anthropic).toBe("claude-haiku-4-5");
    expect(modelIdsOf("eu.anthropic.claude-sonnet-4-6")?.anthropic).toBe("claude-sonnet-4-6");
    expect(modelIdsOf("gpt-5")).toBeUndefined();
  });

  it("covers every Anthropic model once, marking derived ids as uncertain", () => {
    expect(MODEL_IDS.map((m) => m.anthropic)).toEqual([...KNOWN_MODELS]);
    expect(modelIdsOf("claude-opus-5")?.confidence).toBe("scheme");
    expect(modelIdsOf("claude-opus-4-6")?.confidence).toBe("listed");
  });

  it("the job model: the cloud's id; a user's Bedrock profile is kept", () => {
    expect(vertexJobModel("claude-haiku-4-5")).toBe("claude-haiku-4-5@20251001");
    expect(vertexJobModel("claude-unknown@20990101")).toBe("claude-unknown@20990101");
    expect(bedrockJobModel("claude-sonnet-4-6")).toBe("global.anthropic.claude-sonnet-4-6");
    expect(bedrockJobModel("us.anthropic.claude-sonnet-4-6")).toBe(
      "us.anthropic.claude-sonnet-4-6",
    );
    expect(bedrockJobModel("anthropic.claude-sonnet-4-6")).toBe("anthropic.claude-sonnet-4-6");
    // No geography listed for Haiku 4.5 in the source read: the base id.
    expect(bedrockJobModel("claude-haiku-4-5")).toBe("anthropic.claude-haiku-4-5-20251001-v1:0");
    expect(bedrockGeoOf("apac.anthropic.claude-opus-4-6-v1")).toBe("apac");
    expect(bedrockGeoOf("anthropic.claude-opus-4-6-v1")).toBeUndefined();
  });
});
