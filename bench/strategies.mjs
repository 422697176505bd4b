/**
 * Strategy benchmark: what each way of caching a batch job costs, on seeded workloads of what
 * people actually batch, run through the cache and batch model (`simulate()`) and priced with the
 * pricing module at batch prices.
 *
 *   npm run bench:strategies                       # every workload, then the sensitivity table
 *   npm run bench:strategies -- --workloads classify,tiny --seed 7
 *
 * Options: `--workloads a,b` (names from `bench/strategy-workloads.mjs`), `--seed N` (workload
 * generation; the simulation keeps its default seed), `--max-waves N` (the planner's `maxWaves`
 * for the primed and auto plans; default the planner's own, 2), `--no-sensitivity`.
 *
 * Strategies, each a job of waves of batches:
 *   no caching  every marker stripped, one wave, batches cut at 100,000 requests / 256 MB
 *   naive       one 5m marker at the end of every request's system prompt, one wave, same cuts
 *   automatic   the API's top-level `cache_control: {type: "ephemeral"}` on every request, one wave
 *   cold        `plan(requests, { strategy: "cold" })`
 *   primed      `plan(requests, { strategy: "primed" })`
 *   auto        `plan(requests, { strategy: "auto" })` (the default)
 * The first three keep the job's own (shuffled) order, as a user who submits the file would.
 *
 * Every job runs through `simulate()` with its default parameters (concurrency 64, start delay
 * 5-15 min, half of `max_tokens` as output); the sensitivity table reruns three strategies at
 * other concurrencies, with the plans unchanged (made for the planner's default 64). USD come from
 * `costOf()` on each request's simulated usage, batch prices. `ideal` is the `ideal` scenario of
 * `estimate()` on the auto plan (exact counts): each of that plan's breakpoints written once at its
 * TTL and read by every other request that carries it. The same figure divides every strategy of a
 * workload.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const DIST = path.join(HERE, "..", "dist", "index.js");
const NO_BUILD =
  "`dist/index.js` is missing: the benchmark runs against the built library. Run `npm run bench:strategies` (it builds first) or `npm run build`.";

const STRATEGIES = ["no caching", "naive", "automatic", "cold", "primed", "auto"];
const SENSITIVITY = {
  workloads: ["classify", "doc-qa", "few-shot", "support"],
  strategies: ["naive", "cold", "auto"],
  concurrency: [16, 64, 256],
};

function parseArgs(argv) {
  const args = { seed: 20_261_122, workloads: undefined, sensitivity: true, maxWaves: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`\`${a}\` needs a value.`);
      return v;
    };
    if (a === "--seed") args.seed = Number(value());
    else if (a === "--workloads") args.workloads = value().split(",");
    else if (a === "--max-waves") args.maxWaves = Number(value());
    else if (a === "--no-sensitivity") args.sensitivity = false;
    else
      throw new Error(
        `Unknown option \`${a}\`. Expected: --workloads a,b, --seed N, --max-waves N, --no-sensitivity.`,
      );
  }
  if (!Number.isInteger(args.seed))
    throw new Error(`\`--seed\` must be an integer; got ${args.seed}.`);
  return args;
}

const fmt = (x, digits = 0) =>
  x.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
const usd = (x) => `$${fmt(x, 2)}`;
const pct = (x, digits = 1) => `${fmt(100 * x, digits)}%`;
const ratio = (x) => `${fmt(x, 3)}×`;

function duration(ms) {
  const minutes = Math.round(ms / 60_000);
  return minutes < 60
    ? `${minutes} min`
    : `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} min`;
}

/** A Markdown table; `align` per column: "l" or "r". */
function markdown(header, rows, align) {
  const cells = [header, ...rows].map((r) => r.map(String));
  const widths = header.map((_, c) => Math.max(3, ...cells.map((r) => r[c].length)));
  const line = (r) =>
    `| ${r.map((cell, c) => (align[c] === "r" ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join(" | ")} |`;
  const rule = `| ${widths.map((w, c) => (align[c] === "r" ? `${"-".repeat(w - 1)}:` : "-".repeat(w))).join(" | ")} |`;
  return [line(cells[0]), rule, ...cells.slice(1).map(line)].join("\n");
}

/** The `maxWaves` the primed and auto plans were made with. */
const plansWaves = (results) =>
  [...new Set(results.map((r) => r.auto.options.maxWaves))].join(", ") || "?";

const progress = (message) => process.stderr.write(`${message}\n`);

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (!existsSync(DIST)) throw new Error(NO_BUILD);
  // The root entry, four sub-path entries and two internals (the planner's segmentation and the
  // API's limits), all from the build.
  const built = (file) => import(path.join(path.dirname(DIST), file));
  const lib = {
    ...(await import(DIST)),
    ...(await built("exports/sim.js")),
    ...(await built("exports/request.js")),
    ...(await built("exports/pricing.js")),
    ...(await built("exports/tokens.js")),
    ...(await built("request/segments.js")),
    ...(await built("targets/anthropic/limits.js")),
  };
  const { STRATEGY_WORKLOADS, generateWorkload } = await import("./strategy-workloads.mjs");
  const workloads = args.workloads
    ? args.workloads.map((name) => {
        const w = STRATEGY_WORKLOADS.find((x) => x.name === name);
        if (!w)
          throw new Error(
            `Unknown workload \`${name}\`. Expected one of: ${STRATEGY_WORKLOADS.map((x) => x.name).join(", ")}.`,
          );
        return w;
      })
    : STRATEGY_WORKLOADS;

  const models = lib.defaultModelTable;
  // One counter for everything: it memoises by content, so each distinct text is tokenized once.
  const counter = lib.createTiktokenCounter({ models });
  const interner = new lib.ContextInterner();

  // --- Strategies 1-3: the job as submitted, one wave, cut at the API's limits. ---------------
  const strip = (r) => lib.applyMarkers(r, [], true);
  const naive = (r) => {
    const segments = lib.segmentRequest(r, interner).segments;
    const last = segments.findLast((s) => s.level === "system" && s.eligible);
    return lib.applyMarkers(r, last ? [{ location: last.location, ttl: "5m" }] : [], true);
  };
  const automatic = (r) => {
    const stripped = strip(r);
    return { ...stripped, params: { ...stripped.params, cache_control: { type: "ephemeral" } } };
  };
  const oneWave = (requests) => {
    const batches = [];
    let current = [];
    let bytes = 0;
    const overhead = Buffer.byteLength('{"requests":[]}');
    for (const r of requests) {
      const size = Buffer.byteLength(JSON.stringify(r)) + 1;
      if (
        current.length > 0 &&
        (current.length >= lib.API_MAX_REQUESTS || overhead + bytes + size > lib.API_MAX_BYTES)
      ) {
        batches.push({ wave: 0, requests: current });
        current = [];
        bytes = 0;
      }
      current.push(r);
      bytes += size;
    }
    if (current.length > 0) batches.push({ wave: 0, requests: current });
    return { batches };
  };

  /** USD of a simulation: each succeeded request's usage at batch prices. */
  const costOfRun = (sim) => {
    let total = 0;
    for (const r of sim.requests) {
      if (r.response.result.type !== "succeeded") continue;
      const { usage, model } = r.response.result.message;
      total += lib.costOf(
        models.get(model),
        {
          input: usage.input_tokens,
          cacheWrite5m: usage.cache_creation?.ephemeral_5m_input_tokens ?? 0,
          cacheWrite1h: usage.cache_creation?.ephemeral_1h_input_tokens ?? 0,
          cacheRead: usage.cache_read_input_tokens ?? 0,
          output: usage.output_tokens,
        },
        { batch: true },
      );
    }
    return total;
  };

  const t0 = performance.now();
  const results = [];
  for (const workload of workloads) {
    const w0 = performance.now();
    const requests = generateWorkload(workload, args.seed);
    const jobs = {
      "no caching": oneWave(requests.map(strip)),
      naive: oneWave(requests.map(naive)),
      automatic: oneWave(requests.map(automatic)),
    };
    const plans = {};
    for (const strategy of ["cold", "primed", "auto"]) {
      const waves = strategy === "cold" ? {} : { maxWaves: args.maxWaves };
      plans[strategy] = await lib.plan(requests, { strategy, counter, models, ...waves });
      if (plans[strategy].rejected.length > 0)
        throw new Error(
          `${workload.name}: the ${strategy} plan rejected ${plans[strategy].rejected.length} requests (${plans[strategy].rejected[0].reason}).`,
        );
      jobs[strategy] = plans[strategy];
    }
    const estimated = await lib.estimate(plans.auto, { counter, models, count: "full" });
    const ideal = estimated.total.scenarios.ideal.usd;
    // String-templated workloads (issue 13): auto again with `splitText`, against the ideal of
    // the block-structured twin; the auto plan's split-text warnings name the saving.
    const splitPlan = workload.twin
      ? await lib.plan(requests, { strategy: "auto", counter, models, splitText: true })
      : undefined;
    if (splitPlan) jobs["auto --split-text"] = splitPlan;
    const tokensOf = await lib.prepareTokens(
      { batches: Object.values(jobs).flatMap((job) => job.batches) },
      counter,
    );
    const run = (strategy, concurrency) => {
      const sim = lib.simulate(jobs[strategy], { tokensOf, models, concurrency });
      if (sim.totals.errored > 0)
        throw new Error(`${workload.name} / ${strategy}: ${sim.totals.errored} requests errored.`);
      return {
        usd: costOfRun(sim),
        hitRate: sim.totals.tokenHitRate,
        batches: jobs[strategy].batches.length,
        waves: sim.waves.length,
        wallMs: sim.endedAt,
      };
    };
    const runs = {};
    for (const strategy of STRATEGIES) runs[strategy] = run(strategy, undefined);
    const sensitivity = {};
    if (args.sensitivity && SENSITIVITY.workloads.includes(workload.name)) {
      for (const strategy of SENSITIVITY.strategies) {
        sensitivity[strategy] = SENSITIVITY.concurrency.map((c) =>
          c === lib.SIM_DEFAULTS.concurrency ? runs[strategy] : run(strategy, c),
        );
      }
    }
    const models_ = Object.keys(plans.auto.summary.byModel);
    const split = splitPlan && {
      run: run("auto --split-text", undefined),
      ideal: (await lib.estimate(splitPlan, { counter, models, count: "full" })).total.scenarios
        .ideal.usd,
      warnedUsd: plans.auto.warnings
        .filter((w) => w.kind === "split-text")
        .reduce((sum, w) => sum + (w.savingUsd ?? 0), 0),
    };
    results.push({
      split,
      workload,
      requests: requests.length,
      models: models_,
      ideal,
      batchEstimate: estimated.total.scenarios.batch.usd,
      runs,
      sensitivity,
      auto: plans.auto,
    });
    progress(
      `${workload.name}: ${fmt(requests.length)} requests, done in ${fmt((performance.now() - w0) / 1000, 1)} s`,
    );
  }

  // --- Output. --------------------------------------------------------------------------------
  const d = lib.SIM_DEFAULTS;
  console.log(
    `cacheplan strategy benchmark — node ${process.version}, workload seed ${args.seed}; ` +
      `simulate() defaults (concurrency ${d.concurrency}, start delay ${d.startDelayMs / 60_000}-${(d.startDelayMs + d.startDelayJitterMs) / 60_000} min, ` +
      `output ${d.outputTokens.fractionOfMaxTokens} × max_tokens, simulation seed ${d.seed}); batch prices from the model table; ` +
      `planner maxWaves ${plansWaves(results)}; ideal = estimate(auto plan).ideal; ${fmt((performance.now() - t0) / 1000, 1)} s\n`,
  );
  console.log(
    markdown(
      ["workload", "requests", "models", "what", "ideal USD", "no caching USD"],
      results.map((r) => [
        r.workload.name,
        fmt(r.requests),
        r.models.map((m) => m.replace(/^claude-/, "")).join(", "),
        r.workload.about,
        usd(r.ideal),
        usd(r.runs["no caching"].usd),
      ]),
      ["l", "r", "l", "l", "r", "r"],
    ),
  );
  console.log();
  const rows = [];
  for (const r of results) {
    const base = r.runs["no caching"].usd;
    for (const strategy of STRATEGIES) {
      const s = r.runs[strategy];
      rows.push([
        r.workload.name,
        strategy,
        pct(s.hitRate),
        usd(s.usd),
        ratio(s.usd / r.ideal),
        ratio(s.usd / base),
        `${s.batches}${s.waves > 1 ? ` (${s.waves} waves)` : ""}`,
        duration(s.wallMs),
      ]);
    }
  }
  console.log(
    markdown(
      [
        "workload",
        "strategy",
        "token hit rate",
        "cost",
        "÷ ideal",
        "÷ no caching",
        "batches",
        "wall time",
      ],
      rows,
      ["l", "l", "r", "r", "r", "r", "r", "r"],
    ),
  );

  // The auto plan, for reading the table: what it chose per workload.
  console.log();
  console.log(
    markdown(
      ["workload", "auto: groups", "breakpoints primed / cold", "primers", "waves", "batches"],
      results.map((r) => {
        const bps = r.auto.groups.flatMap((g) => g.breakpoints);
        return [
          r.workload.name,
          fmt(r.auto.groups.length),
          `${fmt(bps.filter((b) => b.mode === "primed").length)} / ${fmt(bps.filter((b) => b.mode === "cold").length)}`,
          fmt(r.auto.groups.reduce((s, g) => s + g.primers.length, 0)),
          r.auto.summary.waves,
          r.auto.summary.batches,
        ];
      }),
      ["l", "r", "r", "r", "r", "r"],
    ),
  );

  const withSensitivity = results.filter((r) => Object.keys(r.sensitivity).length > 0);
  if (withSensitivity.length > 0) {
    console.log(
      `\nSensitivity to the provider's concurrency (plans unchanged, made for ${d.concurrency}): cost ÷ ideal (token hit rate)\n`,
    );
    const srows = [];
    for (const r of withSensitivity) {
      for (const strategy of SENSITIVITY.strategies) {
        srows.push([
          r.workload.name,
          strategy,
          ...r.sensitivity[strategy].map((s) => `${ratio(s.usd / r.ideal)} (${pct(s.hitRate, 0)})`),
        ]);
      }
    }
    console.log(
      markdown(
        ["workload", "strategy", ...SENSITIVITY.concurrency.map((c) => `concurrency ${c}`)],
        srows,
        ["l", "l", ...SENSITIVITY.concurrency.map(() => "r")],
      ),
    );
  }

  console.log("\nChecks (auto against ideal, and against no caching, default parameters):\n");
  for (const r of results) {
    const auto = r.runs.auto.usd;
    const none = r.runs["no caching"].usd;
    const off = auto / r.ideal - 1;
    const within = `${off < -5e-5 ? "−" : ""}${fmt(Math.abs(100 * off), 2)}%`;
    console.log(
      `- ${r.workload.name}: auto within ${within} of ideal${r.workload.sharing ? "" : " (nothing shared)"}; auto ≤ no caching: ${auto <= none + 1e-9 ? "yes" : "no"} (${usd(auto)} vs ${usd(none)})`,
    );
  }
  const strings = results.filter((r) => r.split);
  if (strings.length > 0) {
    console.log(
      "\nString-templated workloads (one string per message), auto without and with --split-text: cost ÷ the block-structured twin's ideal\n",
    );
    const rows = strings.map((r) => {
      const twin = results.find((t) => t.workload.name === r.workload.twin);
      const twinIdeal = twin?.ideal ?? Number.NaN;
      const off = r.split.run.usd / twinIdeal - 1;
      return [
        r.workload.name,
        `${ratio(r.runs.auto.usd / twinIdeal)} (${pct(r.runs.auto.hitRate, 1)})`,
        usd(r.split.warnedUsd),
        `${usd(r.runs.auto.usd - r.split.run.usd)} (${fmt(100 * (r.split.warnedUsd / (r.runs.auto.usd - r.split.run.usd) - 1), 1)}%)`,
        `${ratio(r.split.run.usd / twinIdeal)} (${pct(r.split.run.hitRate, 1)})`,
        ratio(r.split.run.usd / r.split.ideal),
        `${fmt(100 * off, 2)}% ${Math.abs(off) <= 0.02 ? "(within 2%)" : "(NOT within 2%)"}`,
      ];
    });
    console.log(
      markdown(
        [
          "workload",
          "auto ÷ twin ideal",
          "split-text warning: saving",
          "realised (warning off by)",
          "auto --split-text ÷ twin ideal",
          "÷ own ideal",
          "vs twin ideal",
        ],
        rows,
        ["l", "r", "r", "r", "r", "r", "r"],
      ),
    );
  }
  const drift = results.filter(
    (r) => Math.abs(r.batchEstimate / r.runs["no caching"].usd - 1) > 0.001,
  );
  if (drift.length > 0) {
    console.log(
      `\nNote: the estimate's \`batch\` scenario and the simulated no-caching cost differ by more than 0.1% on ${drift.map((r) => `${r.workload.name} (${usd(r.batchEstimate)} vs ${usd(r.runs["no caching"].usd)})`).join(", ")}.`,
    );
  }
}

try {
  await main();
  // OpenAI workloads (bench/strategies-openai.mjs), unless `--workloads` names the ones to run.
  if (!process.argv.includes("--workloads"))
    await (await import("./strategies-openai.mjs")).printOpenAIStrategies();
} catch (error) {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
}
