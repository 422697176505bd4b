/**
 * OpenAI workloads of the strategy benchmark (imported by `bench/strategies.mjs`, or run alone:
 * `npm run build && node bench/strategies-openai.mjs [--seed N]`). Each workload is a seeded job of
 * OpenAI batch lines in shuffled order, as a user would submit it; each strategy is priced with
 * `estimateOpenAI()` on the OpenAI cache model (rounds of 64 parallel requests per batch,
 * automatic prefixes in 128-token steps from 1,024, explicit writes 1.25×, Batch rates):
 *
 *   no caching  the Batch API without any cache read or write (the estimate's `batch`)
 *   as given    the lines as they are, one wave, input order, default (implicit) cache mode
 *   cold        `planOpenAI(lines, { strategy: "cold" })`: groups, keys and breakpoints, one wave
 *   auto        `planOpenAI(lines)`: the default (primer wave where it pays)
 *   ideal       every shared prefix written once and read by every later request
 *   flex        the Flex alternative (Responses API `service_tier: "flex"`, Batch rates), an upper bound
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const DIST = path.join(HERE, "..", "dist");

/** A seeded random in [0, 1) (mulberry32). */
function seeded(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS =
  "the of and to in is for on that with as by this are be from or an it at which data model request customer order account invoice report policy section clause term payment delivery product service review claim support ticket refund status quality risk summary result analysis evidence source record value period total rate change market region team project system process method sample".split(
    " ",
  );
const text = (r, n) =>
  Array.from({ length: n }, () => WORDS[Math.floor(r() * WORDS.length)]).join(" ");
function shuffle(r, list) {
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [list[i], list[j]] = [list[j], list[i]];
  }
  return list;
}
const chat = (id, model, system, user, extra = {}) => ({
  custom_id: id,
  method: "POST",
  url: "/v1/chat/completions",
  body: {
    model,
    messages: [
      { role: "system", content: system },
      { role: "user", content: user },
    ],
    max_completion_tokens: 200,
    ...extra,
  },
});

/** The OpenAI workloads: name, what it is, and a generator of its lines. */
export const OPENAI_WORKLOADS = [
  {
    name: "oa-classify",
    what: "2,000 labels under one 2,500-token rubric, gpt-5-mini (automatic caching)",
    make: (r) => {
      const rubric = `Label the message. ${text(r, 2500)}`;
      return Array.from({ length: 2000 }, (_, i) =>
        chat(`c${i}`, "gpt-5-mini", rubric, text(r, 60)),
      );
    },
  },
  {
    name: "oa-doc-qa",
    what: "20 documents × 25 questions under shared instructions, gpt-5.6-luna Responses (explicit breakpoints)",
    make: (r) => {
      const instructions = `Answer from the document. ${text(r, 600)}`;
      const lines = [];
      for (let d = 0; d < 20; d++) {
        const doc = text(r, 2000 + Math.floor(r() * 3000));
        for (let q = 0; q < 25; q++)
          lines.push({
            custom_id: `d${d}q${q}`,
            method: "POST",
            url: "/v1/responses",
            body: {
              model: "gpt-5.6-luna",
              instructions,
              input: [
                {
                  role: "user",
                  content: [
                    { type: "input_text", text: doc },
                    { type: "input_text", text: `Q: ${text(r, 12)}?` },
                  ],
                },
              ],
              max_output_tokens: 300,
            },
          });
      }
      return lines;
    },
  },
  {
    name: "oa-few-shot",
    what: "1,500 requests, tools + a 3,000-token few-shot system prompt, gpt-5.6-luna chat",
    make: (r) => {
      const tools = Array.from({ length: 3 }, (_, i) => ({
        type: "function",
        function: {
          name: `tool_${i}`,
          description: text(r, 80),
          parameters: { type: "object", properties: { q: { type: "string" } } },
        },
      }));
      const system = `Examples:\n${text(r, 3000)}`;
      return Array.from({ length: 1500 }, (_, i) =>
        chat(`f${i}`, "gpt-5.6-luna", system, text(r, 50), { tools }),
      );
    },
  },
  {
    name: "oa-drift",
    what: "1,000 requests whose shared 2,000-token system prompt starts with a per-request date, gpt-5",
    make: (r) => {
      const body = text(r, 2000);
      return Array.from({ length: 1000 }, (_, i) =>
        chat(
          `t${i}`,
          "gpt-5",
          `Today is 2026-11-${String(1 + (i % 28)).padStart(2, "0")}T${String(i % 24).padStart(2, "0")}:00. ${body}`,
          text(r, 40),
        ),
      );
    },
  },
  {
    name: "oa-legacy",
    what: "1,000 labels under one 2,500-token rubric, gpt-4.1 (no caching on Batch)",
    make: (r) => {
      const rubric = `Label the message. ${text(r, 2500)}`;
      return Array.from({ length: 1000 }, (_, i) => chat(`l${i}`, "gpt-4.1", rubric, text(r, 60)));
    },
  },
];

const STRATEGIES = ["no caching", "as given", "cold", "auto", "ideal", "flex"];

/** Runs every OpenAI workload and prints a Markdown table. */
export async function printOpenAIStrategies(options = {}) {
  if (!existsSync(path.join(DIST, "targets", "openai", "plan.js")))
    throw new Error("`dist/targets/openai` is missing: run `npm run build` first.");
  const load = (file) => import(path.join(DIST, file));
  const { planOpenAI } = await load("targets/openai/plan.js");
  const { toCorePlan } = await load("targets/openai/core-plan.js");
  const { estimateOpenAI } = await load("targets/openai/estimate.js");
  const { planAsGiven } = await load("targets/openai/as-given.js");
  const seed = options.seed ?? 20_261_122;
  const rows = [];
  for (const w of OPENAI_WORKLOADS) {
    const started = Date.now();
    const lines = shuffle(seeded(seed + 1), w.make(seeded(seed)));
    const auto = await planOpenAI(lines);
    const cold = await planOpenAI(lines, { strategy: "cold" });
    const autoEst = estimateOpenAI(toCorePlan(auto));
    const cost = {
      "no caching": autoEst.total.batch,
      "as given": estimateOpenAI(planAsGiven(lines)).total.planned,
      cold: estimateOpenAI(toCorePlan(cold)).total.planned,
      auto: autoEst.total.planned,
      ideal: autoEst.total.ideal,
      flex: autoEst.total.flex,
    };
    rows.push({
      w,
      cost,
      ms: Date.now() - started,
      warnings: auto.warnings.map((x) => x.kind),
      waves: auto.summary.waves,
      files: auto.summary.batches,
    });
    process.stderr.write(`openai ${w.name}: ${Date.now() - started} ms\n`);
  }
  const fmt = (x, d = 3) => `$${x.toFixed(d)}`;
  const out = [
    "",
    "## OpenAI Batch API workloads (estimateOpenAI on the OpenAI cache model, Batch rates)",
    "",
  ];
  out.push(
    `| workload | ${STRATEGIES.join(" | ")} | auto ÷ ideal | hit rate as given → auto | waves, files | findings |`,
  );
  out.push(`| --- | ${STRATEGIES.map(() => "---:").join(" | ")} | ---: | ---: | ---: | --- |`);
  for (const { w, cost, waves, files, warnings } of rows) {
    const cells = STRATEGIES.map((s) => fmt(cost[s].usd));
    const ratio = cost.ideal.usd > 0 ? (cost.auto.usd / cost.ideal.usd).toFixed(3) : "n/a";
    const hit = `${(cost["as given"].hitRate * 100).toFixed(1)}% → ${(cost.auto.hitRate * 100).toFixed(1)}%`;
    out.push(
      `| ${w.name} | ${cells.join(" | ")} | ${ratio} | ${hit} | ${waves}, ${files} | ${[...new Set(warnings)].join(", ") || "-"} |`,
    );
  }
  out.push("", ...OPENAI_WORKLOADS.map((w) => `- \`${w.name}\`: ${w.what}.`));
  console.log(out.join("\n"));
  return rows;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const i = process.argv.indexOf("--seed");
  await printOpenAIStrategies(i > 0 ? { seed: Number(process.argv[i + 1]) } : {});
}
