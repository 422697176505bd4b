/**
 * Issue 9 item 6: a line nested thousands of levels deep used to crash `plan` and `estimate` with
 * "RangeError: Maximum call stack size exceeded" (the recursive walks after `JSON.parse`), with no
 * line and even with `--allow-rejects`. Now such a line is a reject with its line number, and no
 * value deeper than `MAX_JSON_DEPTH` reaches anything that recurses.
 */
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { validateRequest } from "../../src/exports/request.js";
import { batchFileName } from "../../src/exports/run.js";
import { InputError, plan, readJsonl, readPlan, writePlan } from "../../src/index.js";
import { depthBeyond, MAX_JSON_DEPTH } from "../../src/request/json-depth.js";
import { runCli, tempDir } from "../helpers/cli.js";
import { request } from "../helpers/requests.js";
import { createWordCounter } from "../helpers/word-counter.js";

const temp = await tempDir();
afterAll(() => temp.cleanup());

let files = 0;
async function writeLines(lines: string[]): Promise<string> {
  files += 1;
  const file = path.join(temp.dir, `deep-${files}.jsonl`);
  await writeFile(file, `${lines.join("\n")}\n`);
  return file;
}

const ok = (id: string) => JSON.stringify(request(id));

/** A valid request line whose `metadata` holds `levels` nested arrays (whole line: levels + 2). */
function deepLine(id: string, levels: number): string {
  const head = JSON.stringify(request(id)).slice(0, -2); // drop the closing `}}`
  return `${head},"metadata":{"x":${"[".repeat(levels)}${"]".repeat(levels)}}}}`;
}

/** Depth of a JSON value, measured recursively (fine for the small values of the property). */
function depthOf(value: unknown): number {
  if (typeof value !== "object" || value === null) return 0;
  const children = Array.isArray(value) ? value : Object.values(value);
  return 1 + Math.max(0, ...children.map(depthOf));
}

describe("deeply nested JSON", () => {
  for (const levels of [5_000, 100_000]) {
    it(`plan(): a line nested ${levels.toLocaleString("en-US")} levels is rejected with its line number; the others are planned`, async () => {
      const file = await writeLines([
        ok("first"),
        ok("second"),
        deepLine("deep", levels),
        ok("last"),
      ]);
      const result = await plan(readJsonl(file), { counter: createWordCounter() });
      expect(result.rejected).toEqual([
        {
          line: 3,
          source: file,
          kind: "too-deep",
          reason: expect.stringContaining(`nested more than ${MAX_JSON_DEPTH} levels deep`),
        },
      ]);
      const planned = result.batches.flatMap((b) => b.requests.map((r) => r.custom_id));
      expect(planned.sort()).toEqual(["first", "last", "second"]);
    });
  }

  it("the CLI plans the other lines with --allow-rejects and names the deep line", async () => {
    const file = await writeLines([ok("a"), deepLine("deep", 100_000), ok("b")]);
    const out = path.join(temp.dir, "deep-plan");
    const run = await runCli(["plan", file, "--allow-rejects", "--out", out]);
    expect(run.stderr + run.stdout).not.toContain("unexpected failure");
    expect(run.stderr + run.stdout).not.toContain("RangeError");
    expect(run.code).toBe(0);
    expect(run.stdout + run.stderr).toContain(`${file}:2: The JSON is nested more than 128`);
    const planned = await readPlan(out);
    const ids = planned.batches.flatMap((b) => b.requests.map((r) => r.custom_id));
    expect(ids.sort()).toEqual(["a", "b"]);
  });

  it("the CLI without --allow-rejects exits non-zero naming the line, without crashing", async () => {
    const file = await writeLines([ok("a"), ok("b"), ok("c"), deepLine("deep", 5_000)]);
    const run = await runCli(["plan", file]);
    expect(run.stderr + run.stdout).not.toContain("unexpected failure");
    expect(run.code).toBe(1);
    expect(run.stdout + run.stderr).toContain(`${file}:4: The JSON is nested more than 128`);
  });

  it("`cacheplan estimate` on a JSONL file estimates the other lines and reports the reject", async () => {
    const file = await writeLines([ok("a"), deepLine("deep", 100_000), ok("b")]);
    const run = await runCli(["estimate", file, "--json"]);
    expect(run.stderr).not.toContain("unexpected failure");
    expect(run.stderr).toContain("1 request was rejected");
    // Only a and b (max_tokens 100 each) are estimated.
    const estimate = JSON.parse(run.stdout) as { output: { maxTokens: number } };
    expect(estimate.output.maxTokens).toBe(200);
    expect(run.code).not.toBe(0);
  });

  it("readJsonl() yields a deep line as a too-deep problem, also when interning", async () => {
    const file = await writeLines([ok("a"), deepLine("deep", 100_000), ok("b")]);
    for (const intern of [false, true]) {
      const lines = [];
      for await (const line of readJsonl(file, { intern })) lines.push(line);
      expect(lines.map((l) => [l.line, l.problem])).toEqual([
        [1, undefined],
        [2, "too-deep"],
        [3, undefined],
      ]);
      expect(lines[1]!.value).toBeUndefined();
      expect(lines[1]!.parseError).toContain("nested more than 128 levels deep");
    }
  });

  it("readPlan() of a plan folder whose batch file holds a deep line fails with an InputError", async () => {
    const planned = await plan([request("a"), request("b")], { counter: createWordCounter() });
    const dir = path.join(temp.dir, "tampered");
    await writePlan(planned, dir);
    const batch = planned.batches[0]!;
    const batchFile = path.join(dir, batchFileName(batch.index, batch.wave));
    const lines = (await readFile(batchFile, "utf8")).trimEnd().split("\n");
    expect(lines).toHaveLength(2);
    lines[1] = deepLine("b", 100_000);
    await writeFile(batchFile, `${lines.join("\n")}\n`);
    const error = await readPlan(dir).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InputError);
    expect(String(error)).not.toContain("Maximum call stack");
  });

  it("plan() of plain objects (no JSONL) rejects a deep or cyclic request by position", async () => {
    let deep: unknown = [];
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const cyclic = request("cyclic") as unknown as { params: Record<string, unknown> };
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    cyclic.params.metadata = loop;
    const tooDeep = request("too-deep") as unknown as { params: Record<string, unknown> };
    tooDeep.params.metadata = deep;
    const result = await plan([request("a"), tooDeep, cyclic, request("b")], {
      counter: createWordCounter(),
    });
    expect(result.rejected.map((r) => [r.line, r.kind, r.custom_id])).toEqual([
      [2, "too-deep", "too-deep"],
      [3, "too-deep", "cyclic"],
    ]);
    expect(result.summary.planned).toBe(2);
  });

  it(`accepts and plans a request exactly ${MAX_JSON_DEPTH} levels deep, rejects one more`, async () => {
    // The request object is level 1, params 2, metadata 3; the innermost array is level 128.
    const atLimit = JSON.parse(deepLine("limit", MAX_JSON_DEPTH - 3));
    const over = JSON.parse(deepLine("over", MAX_JSON_DEPTH - 2));
    expect(depthOf(atLimit)).toBe(MAX_JSON_DEPTH);
    expect(validateRequest(atLimit)).toMatchObject({ ok: true });
    expect(validateRequest(over)).toMatchObject({ ok: false, kind: "too-deep", custom_id: "over" });
    const file = await writeLines([deepLine("limit", MAX_JSON_DEPTH - 3), deepLine("over", 126)]);
    const result = await plan(readJsonl(file), { counter: createWordCounter() });
    expect(result.rejected.map((r) => [r.line, r.kind])).toEqual([[2, "too-deep"]]);
    expect(result.summary.planned).toBe(1);
  });

  it("depthBeyond agrees with a recursive depth on any JSON value", () => {
    fc.assert(
      fc.property(
        fc.jsonValue({ maxDepth: 8 }),
        fc.integer({ min: 0, max: 10 }),
        (value, limit) => {
          const depth = depthOf(value);
          const beyond = depthBeyond(value, limit);
          if (depth <= limit) expect(beyond).toBe(0);
          else expect(beyond).toBe(limit + 1);
        },
      ),
      { numRuns: 500 },
    );
  });
});
