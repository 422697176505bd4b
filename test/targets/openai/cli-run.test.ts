/**
 * The CLI on an OpenAI plan, offline: `submit`, `status` and `report` against the OpenAI emulator
 * (the SDK reads `OPENAI_BASE_URL` and `OPENAI_API_KEY` from the environment, as for a user).
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type OpenAIEmulator, startOpenAIEmulator } from "../../../src/sim/openai/emulator.js";
import { runCli, tempDir } from "../../helpers/cli.js";
import { chat, prose } from "./_lines.js";

let emu: OpenAIEmulator;
let dir: string;
let cleanup: () => Promise<void>;
const saved = { url: process.env.OPENAI_BASE_URL, key: process.env.OPENAI_API_KEY };
beforeAll(async () => {
  emu = await startOpenAIEmulator({ timeScale: 1000 });
  ({ dir, cleanup } = await tempDir());
  process.env.OPENAI_BASE_URL = emu.baseURL;
  process.env.OPENAI_API_KEY = "sk-test-cli";
});
afterAll(async () => {
  process.env.OPENAI_BASE_URL = saved.url;
  process.env.OPENAI_API_KEY = saved.key;
  if (saved.url === undefined) delete process.env.OPENAI_BASE_URL;
  if (saved.key === undefined) delete process.env.OPENAI_API_KEY;
  await emu.close();
  await cleanup();
});

describe("cacheplan submit / report on an OpenAI plan", () => {
  it("submits through the OpenAI SDK and reports the hit rate and cost", async () => {
    const shared = prose(2000, 31);
    const lines = Array.from({ length: 12 }, (_, i) =>
      chat(`r${i}`, "gpt-5.6-luna", shared, `q${i}`),
    );
    await writeFile(
      path.join(dir, "in.jsonl"),
      `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`,
    );
    expect((await runCli(["plan", "in.jsonl", "--out", "p"], { cwd: dir })).code).toBe(0);
    const submit = await runCli(["submit", "p"], { cwd: dir });
    expect(submit.stderr).not.toContain("sk-test-cli");
    expect(submit.code).toBe(0);
    const status = await runCli(["status", "p"], { cwd: dir });
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/batch_/);
    const report = await runCli(["report", "p"], { cwd: dir });
    expect(report.code).toBe(0);
    expect(report.stdout).toMatch(/12 of 12 requests succeeded on the OpenAI Batch API/);
    expect(report.stdout).toMatch(/hit rate \d+\.\d% of prompt tokens/);
    const retry = await runCli(["retry", "p", "--out", "r"], { cwd: dir });
    expect(retry.code).toBe(0);
    expect(retry.stdout).toMatch(/12 succeeded; to retry: 0/);
    expect(retry.stdout).toMatch(/Nothing to retry/);
  });
});
