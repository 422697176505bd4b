/**
 * estimateFolder() on a plan too large to hold (issue 14 item 3): the one-pass, sampled path
 * against estimate() of the whole plan. The threshold is lowered with the test-only variable
 * CACHEPLAN_ESTIMATE_EXACT_MAX_BYTES so that a few thousand requests take the large path.
 */
import { appendFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputError, OptionsError } from "../../src/errors.js";
import { estimate } from "../../src/estimate/estimate.js";
import { estimateFolder } from "../../src/estimate/folder.js";
import { SCENARIOS } from "../../src/estimate/types.js";
import {
  contentHash,
  customIdsHash,
  readPlan,
  readPlanFile,
  writePlan,
} from "../../src/io/plan-dir.js";
import { plan } from "../../src/plan/plan.js";
import type { BatchRequest } from "../../src/types.js";
import type { Json } from "../../src/util/json.js";
import { runCliEnv } from "../helpers/run-cli.js";

const WORDS = "account evidence policy total risk invoice report product claim region order".split(
  " ",
);

/** Deterministic words: `n` of them from seed `s`. */
function words(s: number, n: number): string {
  let x = s >>> 0;
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out.push(WORDS[x % WORDS.length]!);
  }
  return out.join(" ");
}

/** A 1×1 PNG. */
const PNG =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

/** Unique user text; every 50th request has an image too (media are counted, not sampled). */
function userContent(i: number): string | Json[] {
  const question = `Question ${i}: ${words(i, 40 + (i % 97) * 3)}`;
  if (i % 50 !== 0) return question;
  return [
    { type: "image", source: { type: "base64", media_type: "image/png", data: PNG } },
    { type: "text", text: question },
  ];
}

/** `n` requests: 4 shared system prompts (~3 KB) and unique user text of varying length. */
function job(n: number): BatchRequest[] {
  const systems = [0, 1, 2, 3].map((g) => `Profile ${g}. ${words(1000 + g, 500)}`);
  return Array.from(
    { length: n },
    (_, i): BatchRequest => ({
      custom_id: `r${i}`,
      params: {
        model: "claude-haiku-4-5",
        max_tokens: 100 + (i % 3) * 50,
        system: systems[i % 4]!,
        messages: [{ role: "user", content: userContent(i) }],
      } as unknown as BatchRequest["params"],
    }),
  );
}

let dir: string;
let root: string;
const N = 1000;
/** estimate() of the whole plan, every tail counted: the truth the sampled path is held to. */
let exact: Awaited<ReturnType<typeof estimate>>;

beforeAll(async () => {
  process.env.CACHEPLAN_ESTIMATE_EXACT_MAX_BYTES = "0";
  root = await mkdtemp(path.join(tmpdir(), "cacheplan-folder-scale-"));
  dir = path.join(root, "plan");
  await writePlan(await plan(job(N), { maxRequests: 400 }), dir);
  exact = await estimate(await readPlan(dir), { count: "full", plannedModel: "expected" });
}, 60_000);

afterAll(async () => {
  delete process.env.CACHEPLAN_ESTIMATE_EXACT_MAX_BYTES;
  await rm(root, { recursive: true, force: true });
});

describe("estimateFolder on a large plan", () => {
  it("is within its sampling margin of the exact estimate, which lies inside its range", async () => {
    const { estimate: large } = await estimateFolder(dir, { sampleSize: 200 });
    expect(large.count).toMatchObject({ mode: "sampled", requests: N, sampledRequests: 200 });
    expect(large.notes[0]).toMatch(/^Large plan \(1,000 requests/);
    expect(large.plannedModel.kind).toBe("expected");
    for (const s of SCENARIOS) {
      const mine = large.total.scenarios[s];
      const truth = exact.total.scenarios[s];
      expect(mine.usdMargin95).toBeGreaterThan(0);
      // 95% margin, doubled: this seed is one draw, and the check must not flake on another.
      expect(Math.abs(mine.usd - truth.usd)).toBeLessThanOrEqual(2 * mine.usdMargin95 + 1e-9);
      expect(Math.abs(mine.usd - truth.usd) / truth.usd).toBeLessThan(0.01);
      expect(truth.usd).toBeGreaterThanOrEqual(mine.usdRange.low);
      expect(truth.usd).toBeLessThanOrEqual(mine.usdRange.high);
    }
    expect(large.groups.map((g) => g.requests)).toEqual(exact.groups.map((g) => g.requests));
  });

  it("with every request in the sample, gives the exact estimate's tokens and USD", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 1000 }), async (seed) => {
        const { estimate: large } = await estimateFolder(dir, { sampleSize: N, seed });
        expect(large.count.sampledRequests).toBe(N);
        for (const s of SCENARIOS) {
          const mine = large.total.scenarios[s];
          const truth = exact.total.scenarios[s];
          expect(mine.tokens).toEqual(truth.tokens);
          expect(mine.usd).toBeCloseTo(truth.usd, 6);
          expect(mine.usdMargin95).toBe(0);
        }
      }),
      { numRuns: 2 },
    );
  });

  it("refuses what needs the whole plan in memory, saying what to do", async () => {
    await expect(estimateFolder(dir, { plannedModel: "simulate" })).rejects.toThrow(OptionsError);
    await expect(estimateFolder(dir, { sensitivity: true })).rejects.toThrow(
      /needs every request in memory/,
    );
    await expect(estimateFolder(dir, { count: "full" })).rejects.toThrow(/--count estimate/);
  });

  it("fails cleanly on a damaged batch file, with no estimate", async () => {
    const copy = path.join(root, "damaged");
    await writePlan(await readPlan(dir), copy);
    const file = await readPlanFile(copy);
    const batch = path.join(copy, file.batches[1]!.file);
    const text = await readFile(batch, "utf8");
    await writeFile(batch, text.replace("Question", "Questiom"));
    await expect(estimateFolder(copy)).rejects.toThrow(InputError);
    await expect(estimateFolder(copy)).rejects.toThrow(/was edited/);
    await writeFile(batch, text);
    await appendFile(batch, `${text.split("\n")[0]}\n`);
    await expect(estimateFolder(copy)).rejects.toThrow(InputError);
  });

  it("refuses a custom_id repeated in two batch files whose hashes plan.json records", async () => {
    const copy = path.join(root, "repeated");
    await writePlan(await readPlan(dir), copy);
    const file = await readPlanFile(copy);
    const [first, second] = [0, 1].map((k) => path.join(copy, file.batches[k]!.file));
    const lines = (await readFile(second!, "utf8")).split("\n");
    lines[5] = (await readFile(first!, "utf8")).split("\n")[0]!;
    const text = lines.join("\n");
    await writeFile(second!, text);
    // plan.json made to agree with the edited file: only the repeat is left to find.
    const requests = text
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as BatchRequest);
    file.batches[1]!.contentHash = contentHash(requests);
    file.batches[1]!.customIdsHash = customIdsHash(requests.map((r) => r.custom_id));
    await writeFile(path.join(copy, "plan.json"), JSON.stringify(file));
    await expect(estimateFolder(copy)).rejects.toThrow(
      new RegExp(`repeats custom_id \`${requests[5]!.custom_id}\` \\(line 6\\)`),
    );
  });
});

describe("estimateFolder on a large plan with nested breakpoints", () => {
  /** Shared instructions; under them documents of 3 to 7 questions each (sibling breakpoints). */
  function nestedJob(): BatchRequest[] {
    const system = `Instructions. ${words(7, 1500)}`;
    const out: BatchRequest[] = [];
    for (let d = 0; d < 5; d++) {
      const doc = `Document ${d}. ${words(100 + d, 1100 + d * 50)}`;
      for (let q = 0; q < 3 + d; q++) {
        out.push({
          custom_id: `d${d}q${q}`,
          params: {
            model: "claude-sonnet-4-5",
            max_tokens: 100,
            system,
            messages: [
              {
                role: "user",
                content: [
                  { type: "text", text: doc },
                  { type: "text", text: `Question ${q}: ${words(q * 31 + d, 12)}` },
                ],
              },
            ],
          },
        });
      }
    }
    return out;
  }

  it("puts each request under its own document's breakpoint, as estimate() does", async () => {
    const nested = path.join(root, "nested");
    await writePlan(await plan(nestedJob(), { maxWaves: 2 }), nested);
    const planned = await readPlan(nested);
    const depths = planned.groups[0]!.breakpoints.map((b) => b.depth);
    expect(depths.filter((x) => x === depths[1]).length).toBeGreaterThan(1); // siblings
    const truth = await estimate(planned, { count: "full", plannedModel: "expected" });
    const { estimate: large } = await estimateFolder(nested, { sampleSize: 1000 });
    for (const s of SCENARIOS)
      expect(large.total.scenarios[s].tokens).toEqual(truth.total.scenarios[s].tokens);
    expect(large.groups.map((g) => g.scenarios.planned.usd)).toEqual(
      truth.groups.map((g) => g.scenarios.planned.usd),
    );
  });
});

describe("cacheplan estimate <large plan folder>", () => {
  it("prints the one-pass estimate, and refuses --compare saying what to do", async () => {
    const json = await runCliEnv(["estimate", dir, "--json"], root, {});
    expect(json.code).toBe(0);
    const printed = JSON.parse(json.stdout) as Awaited<ReturnType<typeof estimate>>;
    expect(printed.count.requests).toBe(N);
    expect(printed.notes[0]).toMatch(/^Large plan/);
    // Full and exact counting are refused at this scale: the notes do not advise them.
    expect(printed.notes.join("\n")).not.toMatch(/--count (full|exact)/);
    const compare = await runCliEnv(["estimate", dir, "--compare"], root, {});
    expect(compare.code).toBe(2);
    expect(compare.stdout).toBe("");
    expect(compare.stderr).toMatch(/`--compare` plans the job again .* without `--compare`/);
  });

  it("prints no estimate when a batch file was edited", async () => {
    const copy = path.join(root, "damaged-cli");
    await writePlan(await readPlan(dir), copy);
    const file = await readPlanFile(copy);
    const batch = path.join(copy, file.batches[0]!.file);
    await writeFile(batch, (await readFile(batch, "utf8")).replace("Question", "Questiom"));
    const run = await runCliEnv(["estimate", copy], root, {});
    expect(run.code).not.toBe(0);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain(file.batches[0]!.file);
    expect(run.stderr).toMatch(/was edited/);
  });
});
