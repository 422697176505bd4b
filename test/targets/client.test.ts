import { afterEach, describe, expect, it } from "vitest";
import anthropic from "../../src/targets/anthropic/index.js";

describe("the anthropic target's client factory", () => {
  const saved = process.env.ANTHROPIC_BASE_URL;
  afterEach(() => {
    if (saved === undefined) delete process.env.ANTHROPIC_BASE_URL;
    else process.env.ANTHROPIC_BASE_URL = saved;
  });

  it("an option left out keeps the SDK's default from the environment; null means none", async () => {
    process.env.ANTHROPIC_BASE_URL = "http://127.0.0.1:8";
    const fromEnv = (await anthropic.createClient({ apiKey: "test-key" })) as { baseURL: string };
    expect(fromEnv.baseURL).toBe("http://127.0.0.1:8");
    const none = (await anthropic.createClient({ apiKey: "test-key", baseURL: null })) as {
      baseURL: string;
    };
    expect(none.baseURL).not.toBe("http://127.0.0.1:8");
  });
});
