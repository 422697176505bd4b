/**
 * `cacheplan submit` on an OpenAI plan without `OPENAI_API_KEY`: a clear error naming the
 * variable (exit 2), not the SDK's "Missing credentials" as an unexpected failure with a stack.
 * No call is made: the client is refused before any request.
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { runCli, tempDir } from "../../helpers/cli.js";

afterEach(() => vi.unstubAllEnvs());

describe("OpenAI submit without a key", () => {
  it("says to set OPENAI_API_KEY, exit 2", async () => {
    vi.stubEnv("OPENAI_API_KEY", "");
    vi.stubEnv("OPENAI_BASE_URL", "http://127.0.0.1:1/v1");
    const { dir, cleanup } = await tempDir();
    try {
      const line = {
        custom_id: "r0",
        method: "POST",
        url: "/v1/chat/completions",
        body: { model: "gpt-5-mini", messages: [{ role: "user", content: "hi" }] },
      };
      await writeFile(path.join(dir, "requests.jsonl"), `${JSON.stringify(line)}\n`);
      const planned = await runCli(
        ["plan", "requests.jsonl", "--target", "openai", "--out", "p", "--quiet"],
        { cwd: dir },
      );
      expect(planned.code).toBe(0);
      const run = await runCli(["submit", "p"], { cwd: dir });
      expect(run.stderr).toContain("set `OPENAI_API_KEY`");
      expect(run.stderr).not.toContain("unexpected failure");
      expect(run.code).toBe(2);
    } finally {
      await cleanup();
    }
  });
});
