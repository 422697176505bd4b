/**
 * The bounded-memory planner (`planJsonl`: index pass + copy pass) writes the same plan folder,
 * byte for byte, as `writePlan(await plan(readJsonl(file)))`, on generated jobs with shared
 * prefixes, shared text inside blocks (`splitText`), user markers (kept and replaced), rejected
 * lines, a BOM and CRLF line ends, and reads standard input the same way.
 */
import { appendFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readJsonl } from "../../src/io/jsonl.js";
import { writePlan } from "../../src/io/plan-dir.js";
import { plan } from "../../src/plan/plan.js";
import { planJsonl, unchangedSince } from "../../src/plan/stream.js";
import type { PlanOptions } from "../../src/types.js";
import { createWordCounter } from "../helpers/word-counter.js";

const NUM_RUNS = Number(process.env.PROPERTY_RUNS ?? 12);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "cacheplan-stream-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Every file of a folder, by relative path. */
async function files(root: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const walk = async (sub: string) => {
    for (const entry of await readdir(path.join(root, sub), { withFileTypes: true })) {
      const rel = path.join(sub, entry.name);
      if (entry.isDirectory()) await walk(rel);
      else out.set(rel, await readFile(path.join(root, rel)));
    }
  };
  await walk("");
  return out;
}

const words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota"];
/** Deterministic text of `n` words from `seed`, with line ends. */
function text(seed: number, n: number): string {
  let x = seed * 2654435761;
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out.push(words[x % words.length]! + (x % 17 === 0 ? "\n" : ""));
  }
  return out.join(" ");
}

interface JobShape {
  requests: number;
  prompts: number;
  /** Share of requests written as one templated user string (shared text inside a block). */
  templated: number;
  /** Share of requests with a user marker on their system prompt (all of one prompt's when 1). */
  marked: number;
  seed: number;
}

/** A job's JSONL text: shared system prompts, templated strings, user markers, a bad line. */
function job(shape: JobShape): string {
  const lines: string[] = [];
  for (let i = 0; i < shape.requests; i++) {
    const p = (i * 7 + shape.seed) % shape.prompts;
    const prompt = `Prompt ${p}. ${text(p + 1, 1500)}`;
    const own = `Question ${i}: ${text(shape.seed * 1000 + i, 40 + (i % 5) * 90)}`;
    const kind = (i * 13 + shape.seed) % 100;
    const params: Record<string, unknown> = {
      model: "claude-sonnet-4-5",
      max_tokens: 100 + (i % 3),
    };
    if (kind < shape.templated * 100) {
      params.messages = [{ role: "user", content: `${prompt}\n\n${own}` }];
    } else {
      // Prompt 0 is marked by the user in every request (a consistent marker), others at random.
      const marked = shape.marked >= 1 ? p === 0 : kind < (shape.templated + shape.marked) * 100;
      params.system = marked
        ? [{ type: "text", text: prompt, cache_control: { type: "ephemeral" } }]
        : prompt;
      params.messages = [{ role: "user", content: own }];
    }
    lines.push(JSON.stringify({ custom_id: `r-${shape.seed}-${i}`, params }));
    if (i === 3) lines.push('{"custom_id":"broken","params":{');
    if (i === 5) lines.push("");
  }
  return lines.join("\n");
}

const options = (extra: PlanOptions): PlanOptions => ({
  counter: createWordCounter(),
  concurrency: 4,
  ...extra,
});

/** Plans `body` both ways and expects identical folders. */
async function expectSamePlan(name: string, body: string, extra: PlanOptions = {}) {
  const input = path.join(dir, `${name}.jsonl`);
  await writeFile(input, body);
  const memoryDir = path.join(dir, `${name}-memory`);
  const streamDir = path.join(dir, `${name}-stream`);
  const inMemory = await plan(readJsonl(input), options(extra));
  await writePlan(inMemory, memoryDir);
  const streamed = await planJsonl({ file: input }, options(extra), { dir: streamDir });
  expect(streamed.wrote).toBe(true);
  const a = await files(memoryDir);
  const b = await files(streamDir);
  expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
  for (const [file, bytes] of a) expect(b.get(file)?.equals(bytes), file).toBe(true);
  return { inMemory, streamed };
}

describe("planJsonl", () => {
  it("is byte-identical with long requests, whose copy runs are cut by bytes (4 MiB), not by count", async () => {
    // 60 requests of ~200 KB: 12 MB, three or more copy runs where 1,000 requests made one (the
    // review of issue 14: 1,000 requests of 30 KB ran a worker's 48 MB heap out of memory).
    const lines = Array.from({ length: 60 }, (_, i) =>
      JSON.stringify({
        custom_id: `long-${i}`,
        params: {
          model: "claude-sonnet-4-6",
          max_tokens: 16,
          system: "Shared instructions.\n".repeat(400),
          messages: [{ role: "user", content: `${i}: ${text(i, 30_000)}` }],
        },
      }),
    );
    const { inMemory } = await expectSamePlan("long", `${lines.join("\n")}\n`);
    expect(inMemory.summary.planned).toBe(60);
  });

  it("writes the folder writePlan(plan()) writes, with groups, markers and a rejected line", async () => {
    const { inMemory } = await expectSamePlan(
      "basic",
      job({ requests: 60, prompts: 3, templated: 0.3, marked: 1, seed: 1 }),
    );
    expect(inMemory.summary.markersAdded).toBeGreaterThan(0);
    expect(inMemory.groups.some((g) => g.breakpoints.some((b) => b.origin === "user"))).toBe(true);
    expect(inMemory.rejected.length).toBe(1);
  });

  it("is byte-identical with splitText, with user markers replaced, and across batches", async () => {
    const body = job({ requests: 80, prompts: 2, templated: 0.6, marked: 0.1, seed: 2 });
    const { inMemory } = await expectSamePlan("split", body, { splitText: true });
    expect(inMemory.warnings.length + inMemory.summary.markersAdded).toBeGreaterThan(0);
    await expectSamePlan("replace", body, { userMarkers: "replace" });
    const small = await expectSamePlan("batches", body, { maxRequests: 7, maxBytes: 200_000 });
    expect(small.inMemory.batches.length).toBeGreaterThan(3);
  });

  it("reads a BOM and CRLF line ends as readJsonl does", async () => {
    const body = job({ requests: 30, prompts: 2, templated: 0.2, marked: 0.2, seed: 3 });
    await expectSamePlan("bom-crlf", `\ufeff${body.split("\n").join("\r\n")}\r\n`);
  });

  it("plans standard input (spooled to a temp file) like the same file", async () => {
    const body = job({ requests: 40, prompts: 2, templated: 0.3, marked: 0.1, seed: 4 });
    const file = path.join(dir, "stdin.jsonl");
    await writeFile(file, body);
    const fromFile = await planJsonl({ file }, options({}));
    const fromStream = await planJsonl(
      { stream: Readable.from([Buffer.from(body)]), source: file },
      options({}),
    );
    expect(fromStream.plan).toEqual(fromFile.plan);
  });

  it("writes nothing when the plan is not accepted", async () => {
    const out = path.join(dir, "refused");
    const body = job({ requests: 10, prompts: 1, templated: 0, marked: 0, seed: 5 });
    const file = path.join(dir, "refused.jsonl");
    await writeFile(file, body);
    const result = await planJsonl({ file }, options({}), { dir: out, accept: () => false });
    expect(result.wrote).toBe(false);
    await expect(readdir(out)).rejects.toThrow();
  });

  it("property: identical to plan() on random job shapes and options", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          requests: fc.integer({ min: 1, max: 50 }),
          prompts: fc.integer({ min: 1, max: 4 }),
          templated: fc.double({ min: 0, max: 0.8, noNaN: true }),
          marked: fc.oneof(fc.double({ min: 0, max: 0.2, noNaN: true }), fc.constant(1)),
          seed: fc.integer({ min: 0, max: 1000 }),
        }),
        fc.record({
          splitText: fc.boolean(),
          userMarkers: fc.constantFrom("keep" as const, "replace" as const),
          maxRequests: fc.integer({ min: 3, max: 100 }),
        }),
        async (shape, extra) => {
          run += 1;
          await expectSamePlan(`prop-${run}`, job(shape), extra);
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });

  it("refuses to copy from a file written to since the index pass", async () => {
    const file = path.join(dir, "growing.jsonl");
    await writeFile(file, job({ requests: 3, prompts: 1, templated: 0, marked: 0, seed: 6 }));
    const before = await stat(file);
    await expect(unchangedSince(file, "growing.jsonl", before)).resolves.toBeUndefined();
    await appendFile(file, "\n");
    await expect(unchangedSince(file, "growing.jsonl", before)).rejects.toThrow(
      /`growing.jsonl` changed while it was being planned/,
    );
  });

  it("names a missing input file as readJsonl does", async () => {
    const missing = path.join(dir, "missing.jsonl");
    await expect(
      planJsonl({ file: missing, source: "missing.jsonl" }, options({})),
    ).rejects.toThrow("Cannot read requests from `missing.jsonl`: no such file.");
  });
});
