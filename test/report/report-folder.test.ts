/**
 * `reportFolder()` (issue 14 item 3): the report of results against a plan folder whose requests
 * are streamed into an index, never held, is the report of the plan read whole, figure for
 * figure; a group's shape (ideal writes, prefix variants, drifted requests) is built one request
 * at a time exactly as the whole-group computation did; bad input is still named.
 */
import { appendFile, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import {
  type BatchRequest,
  type Estimate,
  estimate,
  InputError,
  type Plan,
  type PlannedGroup,
  plan,
  prepareTokens,
  readJsonl,
  readPlan,
  report,
  reportFolder,
  simulate,
  writePlan,
} from "../../src/index.js";
import { GroupShapeBuilder, TextKeyInterner } from "../../src/report/_shape.js";
import {
  ContextInterner,
  lastCacheable,
  type Segment,
  segmentRequest,
} from "../../src/request/segments.js";
import { hashText } from "../../src/util/hash.js";
import { runCli, tempDir } from "../helpers/cli.js";
import { request, text } from "../helpers/requests.js";
import { createWordCounter, words } from "../helpers/word-counter.js";

const FIXTURES = "test/fixtures/report";
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});
async function scratch(): Promise<string> {
  const t = await tempDir();
  cleanups.push(t.cleanup);
  return t.dir;
}

const estimates = new Map<string, { whole: Plan; estimated: Estimate }>();

/** Both reports of `lines`: from the folder, and from the plan read whole. */
async function both(dir: string, lines: () => AsyncIterable<unknown> | Iterable<unknown>) {
  let known = estimates.get(dir);
  if (!known) {
    const whole = await readPlan(dir);
    known = { whole, estimated: await estimate(whole) };
    estimates.set(dir, known);
  }
  const { whole, estimated } = known;
  return {
    folder: await reportFolder(lines(), dir, { estimate: estimated }),
    whole: await report(lines(), { plan: whole, estimate: estimated }),
    folderBare: await reportFolder(lines(), dir),
    wholeBare: await report(lines(), { plan: whole }),
  };
}

describe("reportFolder() is the report of the plan read whole", () => {
  it("on the fixture plan, for clean, shuffled, truncated, duplicated, unknown and foreign results", async () => {
    const files = [
      "results.jsonl",
      "results-shuffled.jsonl",
      "bad-truncated.jsonl",
      "bad-duplicate.jsonl",
      "bad-unknown.jsonl",
      "bad-foreign.jsonl",
    ];
    for (const file of files) {
      const r = await both(`${FIXTURES}/plan`, () => readJsonl(`${FIXTURES}/${file}`));
      expect(r.folder, file).toEqual(r.whole);
      expect(r.folderBare, file).toEqual(r.wholeBare);
    }
    // The cases are not all alike: the problems differ from file to file.
    const unknown = await reportFolder(
      readJsonl(`${FIXTURES}/bad-unknown.jsonl`),
      `${FIXTURES}/plan`,
    );
    expect(unknown.problems.find((p) => p.kind === "unknown-custom-id")).toMatchObject({
      examples: [{ source: `${FIXTURES}/bad-unknown.jsonl` }],
    });
    const duplicate = await reportFolder(
      readJsonl(`${FIXTURES}/bad-duplicate.jsonl`),
      `${FIXTURES}/plan`,
    );
    const dup = duplicate.problems.find((p) => p.kind === "duplicate-custom-id");
    expect(dup).toMatchObject({ count: 1 });
    expect(JSON.stringify(dup)).toMatch(
      /appeared before, at `test\/fixtures\/report\/bad-duplicate.jsonl` line \d+/,
    );
  });

  it("on a planned job with nested entries, loners, a drifted request, errors and missing results", async () => {
    const counter = createWordCounter();
    const job: BatchRequest[] = [];
    for (const tag of ["alpha", "beta"]) {
      for (let i = 0; i < 12; i++)
        job.push(
          request(`${tag}-${i}`, {
            model: "claude-sonnet-4-6",
            system: [text(words(tag, 1400)), text(words(`${tag}doc${i % 3}`, 1300))],
            user: `Question ${i}: ${words(`${tag}q${i}`, 20)}`,
          }),
        );
    }
    for (let i = 0; i < 4; i++)
      job.push(request(`alone-${i}`, { model: "claude-haiku-4-5", user: words(`alone${i}`, 40) }));
    const planned: Plan = await plan(job, { counter, strategy: "primed" });
    expect(planned.groups.length).toBeGreaterThan(0);
    // A request edited after planning: its prefix drifts from its group's.
    const drifted = planned.groups[0]!.customIds.at(-1)!;
    for (const b of planned.batches)
      for (const r of b.requests)
        if (r.custom_id === drifted)
          (r.params as { system: { text: string }[] }).system[0]!.text += " 2026-12-02";
    const dir = path.join(await scratch(), "plan");
    await writePlan(planned, dir);
    const sim = await simulate(planned, { tokensOf: await prepareTokens(planned, counter) });
    const lines = sim.requests.map((x) => x.response as unknown);
    // The drifted request found no entry of its own and wrote none: an idle drifted request.
    const at = lines.findIndex((l) => (l as { custom_id: string }).custom_id === drifted);
    lines[at] = {
      custom_id: drifted,
      result: {
        type: "succeeded",
        message: {
          model: "claude-sonnet-4-6",
          usage: { input_tokens: 2800, output_tokens: 5, service_tier: "batch" },
        },
      },
    };
    lines.splice(at === 3 ? 4 : 3, 1); // a missing result
    lines.push({
      custom_id: "alone-0",
      result: { type: "errored", error: { type: "error", error: { type: "api_error" } } },
    }); // a duplicate
    lines.push({ custom_id: "stray", result: { type: "expired" } }); // not in the plan
    const r = await both(dir, () => lines);
    expect(r.folder).toEqual(r.whole);
    expect(r.folderBare).toEqual(r.wholeBare);
    // And the report of the plan held in memory (the requests as planned, drift included).
    expect(r.folder).toEqual(
      await report(lines, { plan: planned, estimate: await estimate(await readPlan(dir)) }),
    );
    // The case covers what it says: nested entries, drift, a missing and a stray result.
    const g0 = r.folder.groups[0]!;
    expect(g0.writes.ideal).toBeGreaterThan(1);
    expect(g0.attribution).toContainEqual({ kind: "prefix-drift", requests: 1, variants: 2 });
    expect(r.folder.overall.requests.missing).toBe(1);
    expect(r.folder.problems.map((p) => p.kind).sort()).toEqual([
      "duplicate-custom-id",
      "missing-results",
      "unknown-custom-id",
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// The group shape, one request at a time, against the whole-group computation it replaces.

/** The whole-group computation `report()` used before (hashed keys, one interner, all requests held). */
function referenceShape(group: PlannedGroup, requests: readonly BatchRequest[]) {
  const interner = new ContextInterner();
  const markerDepths = (segments: readonly Segment[], topLevel: boolean) => {
    const depths: number[] = [];
    segments.forEach((s, d) => {
      if (s.marker !== null) depths.push(d + 1);
    });
    const last = lastCacheable(segments);
    if (topLevel && last >= 0) depths.push(last + 1);
    return depths;
  };
  const prefixKey = (segments: readonly Segment[], depth: number) =>
    hashText(
      segments
        .slice(0, depth)
        .map((s) => s.key)
        .join("|"),
    );
  const depths = new Set(group.breakpoints.map((b) => b.depth));
  const top = group.breakpoints[0]?.depth ?? 0;
  const topKeys = new Map<string, string>();
  const paths: string[][] = [];
  const counts = new Map<string, number>();
  for (const request of requests) {
    const { segments, topLevelMarker } = segmentRequest(request, interner);
    const marked = markerDepths(segments, topLevelMarker !== null)
      .filter((d) => depths.has(d))
      .sort((a, b) => a - b);
    paths.push((marked.length > 0 ? marked : [top]).map((d) => prefixKey(segments, d)));
    const topKey = prefixKey(segments, top);
    topKeys.set(request.custom_id, topKey);
    counts.set(topKey, (counts.get(topKey) ?? 0) + 1);
  }
  const inner = new Set<string>();
  for (const p of paths) for (const key of p.slice(0, -1)) inner.add(key);
  const leaves = new Set(paths.map((p) => p[p.length - 1]!).filter((k) => !inner.has(k)));
  let majority = "";
  let best = -1;
  for (const [key, n] of counts)
    if (n > best) {
      best = n;
      majority = key;
    }
  const drifted = [...topKeys].filter(([, k]) => k !== majority).map(([id]) => id);
  return { idealWrites: Math.max(1, leaves.size), variants: counts.size, drifted };
}

// Texts that run into one another when keys are joined naively ("a|1:b" vs "a" then "b" in a
// context numbered 1), or that look like a length prefix.
const TEXTS = ["a", "b", "c", "a|b", "a|1:b", "b|1:c", "a|2:b", "b|2:c", "1.a", "1.", ".", "|"];

const block = fc.record({
  text: fc.constantFrom(...TEXTS),
  marked: fc.boolean(),
  kind: fc.constantFrom("text", "text", "image"),
});
const requestSpec = fc.record({
  system: fc.array(block, { minLength: 1, maxLength: 4 }),
  turns: fc.array(
    fc.record({
      role: fc.constantFrom("user", "assistant"),
      content: fc.oneof(fc.constantFrom(...TEXTS), fc.array(block, { minLength: 1, maxLength: 2 })),
    }),
    { minLength: 1, maxLength: 3 },
  ),
  topLevel: fc.boolean(),
  model: fc.constantFrom("claude-sonnet-4-6", "claude-sonnet-4-6", "claude-haiku-4-5"),
});

function toBlock(b: { text: string; marked: boolean; kind: string }) {
  const out: Record<string, unknown> =
    b.kind === "image"
      ? { type: "image", source: { type: "base64", media_type: "image/png", data: b.text } }
      : { type: "text", text: b.text };
  if (b.marked) out.cache_control = { type: "ephemeral" };
  return out;
}

describe("a group's shape, one request at a time", () => {
  it("equals the whole-group computation: ideal writes, variants and drifted requests", () => {
    fc.assert(
      fc.property(
        fc.array(requestSpec, { minLength: 1, maxLength: 12 }),
        fc.uniqueArray(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 3 }),
        (specs, depths) => {
          const requests = specs.map((s, i) =>
            request(`r-${i}`, {
              model: s.model,
              system: s.system.map(toBlock),
              messages: s.turns.map((t) => ({
                role: t.role,
                content: typeof t.content === "string" ? t.content : t.content.map(toBlock),
              })),
              extra: s.topLevel ? { cache_control: { type: "ephemeral" } } : {},
            }),
          );
          const group = {
            breakpoints: depths.map((depth) => ({ depth })),
          } as unknown as PlannedGroup;
          const builder = new GroupShapeBuilder(group);
          const interner = new TextKeyInterner();
          const variants = requests.map((r) => builder.add(r, interner));
          const { shape, majority } = builder.finish();
          const expected = referenceShape(group, requests);
          expect(shape).toEqual({ idealWrites: expected.idealWrites, variants: expected.variants });
          expect(
            requests.filter((_, i) => variants[i] !== majority).map((r) => r.custom_id),
          ).toEqual(expected.drifted);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("keeps apart prefixes a naive join would merge: texts holding the separator, roles", () => {
    const pairs: [BatchRequest, BatchRequest, number][] = [
      [
        request("x", { system: [text("a|1:b"), text("c")] }),
        request("y", { system: [text("a"), text("b|1:c")] }),
        2,
      ],
      [
        request("x", { messages: [{ role: "user", content: "a" }] }),
        request("y", { messages: [{ role: "assistant", content: "a" }] }),
        1,
      ],
    ];
    for (const [x, y, depth] of pairs) {
      const group = { breakpoints: [{ depth }] } as unknown as PlannedGroup;
      const builder = new GroupShapeBuilder(group);
      const interner = new TextKeyInterner();
      builder.add(x, interner);
      builder.add(y, interner);
      expect(builder.finish().shape.variants).toBe(2);
      expect(referenceShape(group, [x, y]).variants).toBe(2);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Bad input.

describe("bad input to reportFolder() and `cacheplan report PLAN`", () => {
  it("a damaged batch file: refused, naming the file, before any figure", async () => {
    const dir = path.join(await scratch(), "plan");
    await writePlan(await readPlan(`${FIXTURES}/plan`), dir); // with the batch files' hashes
    const file = path.join(dir, "batches", "wave-1-batch-0001.jsonl");
    const bytes = await readFile(file, "utf8");
    await writeFile(file, bytes.replace('"max_tokens":', '"max_tokens": '));
    const error = await reportFolder(readJsonl(`${FIXTURES}/results.jsonl`), dir).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toContain("wave-1-batch-0001.jsonl");
    expect((error as Error).message).toMatch(/was edited/);
    const cli = await runCli(["report", dir, "--results", `${FIXTURES}/results.jsonl`]);
    expect(cli.code).not.toBe(0);
    expect(cli.stderr).toContain("wave-1-batch-0001.jsonl");
    expect(cli.stdout).toBe("");
    // A line added: its count is wrong.
    await writeFile(file, bytes);
    await appendFile(file, `${bytes.split("\n")[0]}\n`);
    await expect(reportFolder([], dir)).rejects.toThrow(/wave-1-batch-0001\.jsonl/);
  });

  it("a plan that repeats a custom_id: refused, naming both places", async () => {
    const whole = await readPlan(`${FIXTURES}/plan`);
    const [first, second] = whole.batches;
    const copy = structuredClone(second!.requests[0]!);
    copy.custom_id = first!.requests[0]!.custom_id;
    second!.requests.push(copy);
    second!.requestCount += 1;
    const dir = path.join(await scratch(), "plan");
    await writePlan(whole, dir); // hashes of what is written: only the repeat is wrong
    const error = await reportFolder([], dir).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(InputError);
    expect(error!.message).toContain(`repeats custom_id \`${copy.custom_id}\``);
    expect(error!.message).toContain(
      `${path.join(dir, "batches", "wave-0-batch-0000.jsonl")}\` line 1`,
    );
    expect(error!.message).toContain(
      `${path.join(dir, "batches", "wave-1-batch-0001.jsonl")}\` line ${second!.requests.length}`,
    );
    // The plan held in memory: refused too, naming the batches (it was silently merged before).
    await expect(report([], { plan: whole })).rejects.toThrow(
      new RegExp(
        `repeats custom_id \`${copy.custom_id}\` \\(batch 0 request 1 and batch 1 request ${second!.requests.length}\\)`,
      ),
    );
  });

  it("a result repeated in another file names the first file and line, with or without a plan", async () => {
    const dir = await scratch();
    const lines = (await readFile(`${FIXTURES}/results.jsonl`, "utf8")).trim().split("\n");
    await writeFile(path.join(dir, "a.jsonl"), `${lines.join("\n")}\n`);
    // The second file: a line of another id, then the third line of the first file again.
    const other = { ...(JSON.parse(lines[0]!) as object), custom_id: "other" };
    await writeFile(path.join(dir, "b.jsonl"), `${JSON.stringify(other)}\n${lines[2]}\n`);
    const both = async function* () {
      yield* readJsonl(path.join(dir, "a.jsonl"), { source: "a.jsonl" });
      yield* readJsonl(path.join(dir, "b.jsonl"), { source: "b.jsonl" });
    };
    const id = (JSON.parse(lines[2]!) as { custom_id: string }).custom_id;
    for (const r of [await report(both()), await reportFolder(both(), `${FIXTURES}/plan`)]) {
      const dup = r.problems.find((p) => p.kind === "duplicate-custom-id");
      expect(dup).toMatchObject({
        count: 1,
        examples: [
          {
            source: "b.jsonl",
            line: 2,
            customId: id,
            detail: "appeared before, at `a.jsonl` line 3",
          },
        ],
      });
    }
  });

  it("the CLI reports a plan folder through the folder path, as before", async () => {
    const cli = await runCli([
      "report",
      `${FIXTURES}/plan`,
      "--results",
      `${FIXTURES}/bad-unknown.jsonl`,
      "--json",
      "--allow-partial",
    ]);
    const whole = await readPlan(`${FIXTURES}/plan`);
    const expected = await report(readJsonl(`${FIXTURES}/bad-unknown.jsonl`), {
      plan: whole,
      estimate: await estimate(whole),
    });
    const printed = JSON.parse(cli.stdout) as { report?: unknown } & Record<string, unknown>;
    expect(printed.problems).toEqual(JSON.parse(JSON.stringify(expected.problems)));
    expect(printed.overall).toEqual(JSON.parse(JSON.stringify(expected.overall)));
    expect(printed.groups).toEqual(JSON.parse(JSON.stringify(expected.groups)));
  });
});
