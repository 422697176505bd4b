/**
 * A failed call's advice names the variable of the run's own batch system (issue 15, item 3): an
 * OpenAI or Bedrock submit that gets no answer said "check the network and `ANTHROPIC_BASE_URL`".
 * The server is 127.0.0.1 port 1, where nothing listens: connection refused, no network used.
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { explainFailure } from "../../src/run/_api-errors.js";
import { runCli, tempDir } from "../helpers/cli.js";
import { stubAwsEnv } from "../helpers/cloud-run.js";

const CLOSED = "http://127.0.0.1:1";
afterEach(() => vi.unstubAllEnvs());

/** `n` requests in `dir/requests.jsonl`: OpenAI batch lines, or Anthropic ones for Bedrock. */
async function writeRequests(dir: string, target: "openai" | "bedrock", n: number) {
  const lines = Array.from({ length: n }, (_, i) =>
    JSON.stringify(
      target === "openai"
        ? {
            custom_id: `r${i}`,
            method: "POST",
            url: "/v1/chat/completions",
            body: {
              model: "gpt-5-mini",
              messages: [{ role: "user", content: `hi ${i}` }],
              max_completion_tokens: 16,
            },
          }
        : {
            custom_id: `r${i}`,
            params: {
              model: "claude-sonnet-4-6",
              max_tokens: 16,
              messages: [{ role: "user", content: `hi ${i}` }],
            },
          },
    ),
  );
  await writeFile(path.join(dir, "requests.jsonl"), `${lines.join("\n")}\n`);
}

describe("the no-answer advice names the target's endpoint variable", { timeout: 60_000 }, () => {
  it("OpenAI: OPENAI_BASE_URL, not ANTHROPIC_BASE_URL", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      await writeRequests(dir, "openai", 5);
      // The OpenAI client reads the process environment (the SDK's own defaults).
      vi.stubEnv("OPENAI_BASE_URL", `${CLOSED}/v1`);
      vi.stubEnv("OPENAI_API_KEY", "sk-test-x");
      const planned = await runCli(
        ["plan", "requests.jsonl", "--target", "openai", "--out", "p", "--quiet"],
        { cwd: dir },
      );
      expect(planned.code).toBe(0);
      const run = await runCli(["submit", "p", "--max-retries", "0"], { cwd: dir });
      expect(run.code).not.toBe(0);
      expect(run.stderr).toContain("check the network and `OPENAI_BASE_URL`");
      expect(run.stderr).not.toContain("ANTHROPIC_BASE_URL");
      expect(run.stderr).not.toContain("sk-test-x");
    } finally {
      await cleanup();
    }
  });

  it("Bedrock: CACHEPLAN_BEDROCK_ENDPOINT, not ANTHROPIC_BASE_URL", async () => {
    stubAwsEnv({
      CACHEPLAN_BEDROCK_ENDPOINT: CLOSED,
      CACHEPLAN_BUCKET: "s3://jobs/hint",
      CACHEPLAN_ROLE_ARN: "arn:aws:iam::000000000000:role/BedrockBatch",
    });
    const { dir, cleanup } = await tempDir();
    try {
      await writeRequests(dir, "bedrock", 120);
      const planned = await runCli(
        ["plan", "requests.jsonl", "--target", "bedrock", "--out", "p", "--quiet"],
        { cwd: dir },
      );
      expect(planned.code).toBe(0);
      const run = await runCli(["submit", "p", "--max-retries", "0"], { cwd: dir });
      expect(run.code).not.toBe(0);
      expect(run.stderr).toContain("check the network and `CACHEPLAN_BEDROCK_ENDPOINT`");
      expect(run.stderr).not.toContain("ANTHROPIC_BASE_URL");
    } finally {
      await cleanup();
    }
  });

  it("a 404 names the system's variable (and no 401/403/413 advice names Anthropic's); without a system, the Anthropic API's", () => {
    const notFound = Object.assign(new Error("Not Found"), { status: 404 });
    const system = { name: "the OpenAI API", endpointEnv: "OPENAI_BASE_URL" };
    const openai = explainFailure(notFound, { doing: "listing", planDir: "p", system });
    expect(openai.message).toContain("check `OPENAI_BASE_URL` (unset it for the OpenAI API)");
    for (const status of [401, 403, 404, 413]) {
      const e = Object.assign(new Error("refused"), { status });
      const message = explainFailure(e, { doing: "creating", planDir: "p", system }).message;
      expect(message).not.toMatch(/ANTHROPIC|Anthropic|Message Batches|256 MB/);
    }
    const anthropic = explainFailure(notFound, { doing: "listing", planDir: "p" });
    expect(anthropic.message).toContain(
      "check `ANTHROPIC_BASE_URL` (unset it for the Anthropic API)",
    );
  });
});
