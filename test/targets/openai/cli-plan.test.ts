import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readPlan } from "../../../src/io/plan-dir.js";
import { runCli, tempDir } from "../../helpers/cli.js";
import { chat, prose } from "./_lines.js";

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterEach(() => cleanup());

const SHARED = prose(2500, 4);

async function writeLines(name: string, lines: unknown[]): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(
    file,
    `${lines.map((l) => (typeof l === "string" ? l : JSON.stringify(l))).join("\n")}\n`,
  );
  return file;
}

describe("cacheplan plan on OpenAI batch lines", () => {
  it("detects the OpenAI shape from the first line, prints the OpenAI plan and writes a plan folder readPlan reads", async () => {
    await writeLines(
      "in.jsonl",
      Array.from({ length: 6 }, (_, i) => chat(`r${i}`, "gpt-5", SHARED, `q${i}`)),
    );
    const run = await runCli(["plan", "in.jsonl", "--out", "p"], { cwd: dir });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/OpenAI Batch API/);
    expect(run.stdout).toMatch(/1 prompt_cache_key set|6 prompt_cache_keys set/);
    const plan = await readPlan(path.join(dir, "p"));
    expect(plan.options.target).toBe("openai");
    expect(plan.batches[0]!.requests).toHaveLength(6);
    const first = plan.batches[0]!.requests[0] as unknown as { params: Record<string, unknown> };
    expect(first.params.prompt_cache_key).toMatch(/^cacheplan-/);
    const json = JSON.parse(await readFile(path.join(dir, "p", "plan.json"), "utf8"));
    expect(json.groups[0].cacheMode).toBe("automatic");
  });

  it("rejects bad lines with line and custom_id and exits 1 without writing; --max-enqueued-tokens is read", async () => {
    await writeLines("in.jsonl", [
      chat("a", "gpt-5", "s", "q"),
      { ...chat("b", "gpt-5", "s", "q"), url: "/v1/nope" },
    ]);
    const run = await runCli(
      ["plan", "in.jsonl", "--target", "openai", "--out", "p", "--max-enqueued-tokens", "5000"],
      { cwd: dir },
    );
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/line 2 \(b\): invalid-field/);
    expect(run.stdout).toMatch(/≤ 5,000 input tokens/);
    expect(run.stderr).toMatch(/1 request was rejected/);
  });

  it("leaves Anthropic input to the core planner", async () => {
    await writeLines("in.jsonl", [
      {
        custom_id: "a",
        params: {
          model: "claude-sonnet-4-5",
          max_tokens: 10,
          messages: [{ role: "user", content: "hi" }],
        },
      },
    ]);
    const run = await runCli(["plan", "in.jsonl"], { cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stdout).not.toMatch(/OpenAI/);
  });
});

describe("cacheplan estimate on an OpenAI plan", () => {
  it("prints the six scenarios, Flex included, for a plan folder and for the lines themselves", async () => {
    await writeLines(
      "in.jsonl",
      Array.from({ length: 6 }, (_, i) => chat(`r${i}`, "gpt-5.6-luna", SHARED, `q${i}`)),
    );
    expect((await runCli(["plan", "in.jsonl", "--out", "p"], { cwd: dir })).code).toBe(0);
    const fromDir = await runCli(["estimate", "p"], { cwd: dir });
    expect(fromDir.stderr).toBe("");
    expect(fromDir.code).toBe(0);
    for (const label of [
      "standard API",
      "Batch API, no caching",
      "ideal",
      "this plan",
      "nothing read",
      "Flex alternative",
    ])
      expect(fromDir.stdout).toContain(label);
    const json = JSON.parse(
      (await runCli(["estimate", "in.jsonl", "--json"], { cwd: dir })).stdout,
    );
    expect(Object.keys(json.total)).toEqual([
      "standard",
      "batch",
      "ideal",
      "planned",
      "worst",
      "flex",
    ]);
    expect(json.total.planned.usd).toBeLessThan(json.total.batch.usd);
  });
});

describe("--target on the commands the OpenAI path wraps", () => {
  it("--target anthropic runs the command's own path (the flag is the default)", async () => {
    await writeLines("a.jsonl", [
      {
        custom_id: "a",
        params: {
          model: "claude-sonnet-4-5",
          max_tokens: 10,
          messages: [{ role: "user", content: "hi" }],
        },
      },
    ]);
    const run = await runCli(["plan", "a.jsonl", "--target", "anthropic"], { cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stdout).not.toMatch(/OpenAI/);
  });

  it("help lists --target with its values", async () => {
    const run = await runCli(["plan", "--help"], { cwd: dir });
    expect(run.stdout).toMatch(/--target </);
    expect(run.stdout).toMatch(/--max-enqueued-tokens <n>/);
  });
});
