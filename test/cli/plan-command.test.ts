import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { exitCodeOf } from "../../src/cli/_exit.js";
import { runCli, tempDir } from "../helpers/cli.js";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

describe("cacheplan plan --out", () => {
  it("writes plan.json and batch files that hold every planned request once", async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const out = path.join(dir, "plan");
    const run = await runCli(["plan", "examples/requests.jsonl", "--out", out]);
    expect(run.code).toBe(0);
    const planFile = JSON.parse(await readFile(path.join(out, "plan.json"), "utf8"));
    expect(planFile.version).toBe(1);
    const ids: string[] = [];
    for (const batch of planFile.batches) {
      const lines = (await readFile(path.join(out, batch.file), "utf8")).trimEnd().split("\n");
      expect(lines).toHaveLength(batch.requestCount);
      const body = `{"requests":[${lines.join(",")}]}`;
      expect(Buffer.byteLength(body)).toBe(batch.bytes);
      for (const line of lines) ids.push(JSON.parse(line).custom_id);
    }
    const input = (await readFile("examples/requests.jsonl", "utf8")).trimEnd().split("\n");
    expect(ids.sort()).toEqual(input.map((l) => JSON.parse(l).custom_id).sort());
    // No staging folder is left behind.
    expect((await readdir(dir)).sort()).toEqual(["plan"]);
  });

  it("refuses to overwrite an existing plan without --force, and replaces it with --force", async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const out = path.join(dir, "plan");
    expect((await runCli(["plan", "examples/requests.jsonl", "--out", out, "--quiet"])).code).toBe(
      0,
    );
    const again = await runCli(["plan", "examples/requests.jsonl", "--out", out, "--quiet"]);
    expect(again.code).toBe(3);
    expect(again.stderr).toContain("already holds a plan");
    expect(again.stderr).toContain("--force");
    const forced = await runCli([
      "plan",
      "examples/requests.jsonl",
      "--out",
      out,
      "--quiet",
      "--force",
    ]);
    expect(forced.code).toBe(0);
  });

  it("writes no plan when requests are rejected, unless --allow-rejects", async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const out = path.join(dir, "plan");
    const rejected = await runCli([
      "plan",
      "test/fixtures/bad-requests.jsonl",
      "--out",
      out,
      "--quiet",
    ]);
    expect(rejected.code).toBe(1);
    await expect(readdir(out)).rejects.toThrow();
    const allowed = await runCli([
      "plan",
      "test/fixtures/bad-requests.jsonl",
      "--out",
      out,
      "--quiet",
      "--allow-rejects",
    ]);
    expect(allowed.code).toBe(0);
    const planFile = JSON.parse(await readFile(path.join(out, "plan.json"), "utf8"));
    expect(planFile.rejected.map((r: { line: number }) => r.line)).toEqual([
      2, 3, 4, 5, 6, 7, 8, 10,
    ]);
    expect(planFile.summary.planned).toBe(2);
  });

  it("prints the same plan.json with --json as it writes", async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const out = path.join(dir, "plan");
    const run = await runCli(["plan", "examples/requests.jsonl", "--out", out, "--json"]);
    // `--json` adds the package version that wrote it (issue 11 item 9).
    const { cacheplanVersion, ...printed } = JSON.parse(run.stdout);
    expect(cacheplanVersion).toBe(JSON.parse(await readFile("package.json", "utf8")).version);
    expect(printed).toEqual(JSON.parse(await readFile(path.join(out, "plan.json"), "utf8")));
  });

  it("exit code: problems only when rejects are not allowed", () => {
    const planCode = (rejected: number, allowRejects: boolean) =>
      exitCodeOf({ command: "plan", rejected, planned: 1, allowRejects, allowEmpty: false });
    expect(planCode(0, false)).toBe(0);
    expect(planCode(3, false)).toBe(1);
    expect(planCode(3, true)).toBe(0);
  });
});

describe("cacheplan plan --out over a submitted plan", () => {
  it("refuses to replace a folder that holds run state, even with --force", async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const out = path.join(dir, "plan");
    expect((await runCli(["plan", "examples/requests.jsonl", "--out", out, "--quiet"])).code).toBe(
      0,
    );
    const { writeFile } = await import("node:fs/promises");
    await writeFile(path.join(out, "run.json"), "{}");
    const forced = await runCli([
      "plan",
      "examples/requests.jsonl",
      "--out",
      out,
      "--quiet",
      "--force",
    ]);
    expect(forced.code).toBe(3);
    expect(forced.stderr).toContain("was submitted");
    expect((await readdir(out)).sort()).toEqual(["batches", "plan.json", "run.json"]);
  });
});
