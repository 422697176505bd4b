/**
 * Planner throughput benchmark: how fast `plan()` + `writePlan()` turn a JSONL job into a plan
 * folder, and at what peak memory, next to a floor measured in the same run.
 *
 *   npm run bench:plan -- --quick              # ~10,000 requests, a quick check
 *   npm run bench:plan                         # the 100,000-request job
 *   npm run bench:plan -- --size 256mb         # a ~256 MB job (larger unique tails)
 *   npm run bench:plan -- --size all --runs 3  # quick, 100k and 256mb
 *
 * Options: `--size quick|100k|256mb|all` (or `<n>k` requests, `<n>mb` file size; comma-separated
 * for several), `--quick` (= `--size quick`), `--runs N` (default 2; the median is reported),
 * `--seed N`, `--keep` (keep the generated jobs in the temp folder), `--cpu-prof` (one extra
 * profiled plan run per job; prints the hottest functions and keeps the `.cpuprofile`),
 * `--templated` (the string-templated job: the classify and docs requests written as one user
 * string each, shared instructions and document first, as templates produce them),
 * `--split-text` (plan with `splitText: true`), `--unique-text` (the unique-text job: every request
 * ~6 KB, a ~4 KB system prompt shared by its eighth of the job then ~2 KB of its own text; with
 * `--size <n>m` or `<n>k` for the number of requests, e.g. `--size 1m --unique-text`, 6 GB),
 * `--in-memory` (also measure `plan()` + `writePlan()`, which hold every request).
 *
 * Modes, each in a fresh child process so that its peak RSS (`process.resourceUsage().maxRSS`)
 * belongs to that measurement alone; runs alternate between modes to spread machine noise:
 *   read   `readJsonl()` parses every line, nothing else (what `plan()` cannot avoid)
 *   floor  read + parse + serialize every request back to one JSONL file, without planning
 *   plan   `planJsonl({ file }, options, { dir })`: what `cacheplan plan FILE --out DIR` runs (index
 *          pass, decisions, copy pass into the batch files), in bounded memory
 *   memory `plan(readJsonl(file))`, then `writePlan(plan, dir)`; `plan()` and writing timed apart
 *          (only with `--in-memory`)
 */
import { spawnSync } from "node:child_process";
import {
  closeSync,
  createWriteStream,
  existsSync,
  openSync,
  readdirSync,
  renameSync,
  writeSync,
} from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { finished } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import { fmt, median, profileSummary, RESULT_PREFIX, runChild } from "./_shared.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const DIST = path.join(HERE, "..", "dist", "index.js");
const STREAM = path.join(HERE, "..", "dist", "plan", "stream.js");
const ALL_MODES = ["read", "floor", "plan", "memory"];
const RSS_SAMPLE_MS = 50;

const NO_BUILD =
  "`dist/index.js` is missing: the benchmark runs against the built library. Run `npm run bench:plan` (it builds first) or `npm run build`.";

// ---------------------------------------------------------------------------------------------
// Child: one measurement.

async function child(mode, file, out) {
  const { readJsonl, plan, writePlan } = await import(DIST);
  globalThis.gc?.();
  let sampledPeak = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    sampledPeak = Math.max(sampledPeak, process.memoryUsage().rss);
  }, RSS_SAMPLE_MS);
  const result = { mode };
  const t0 = performance.now();
  if (mode === "read") {
    let lines = 0;
    for await (const _line of readJsonl(file)) lines += 1;
    result.lines = lines;
  } else if (mode === "floor") {
    const stream = createWriteStream(path.join(out, "floor.jsonl"));
    let lines = 0;
    for await (const line of readJsonl(file)) {
      lines += 1;
      if (line.parseError !== undefined) continue;
      if (!stream.write(`${JSON.stringify(line.value)}\n`))
        await new Promise((resolve) => stream.once("drain", resolve));
    }
    stream.end();
    await finished(stream);
    result.lines = lines;
  } else if (mode === "plan") {
    const { planJsonl } = await import(STREAM);
    const { plan: planned } = await planJsonl({ file }, planOptions(), {
      dir: path.join(out, "plan"),
    });
    result.planSeconds = (performance.now() - t0) / 1000;
    result.summary = summaryOf(planned);
  } else if (mode === "memory") {
    const planned = await plan(readJsonl(file), planOptions());
    result.planSeconds = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    await writePlan(planned, path.join(out, "plan"));
    result.writeSeconds = (performance.now() - t1) / 1000;
    result.summary = summaryOf(planned);
  } else {
    throw new Error(`Unknown child mode \`${mode}\`. Expected one of: ${ALL_MODES.join(", ")}.`);
  }
  result.seconds = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  sampledPeak = Math.max(sampledPeak, process.memoryUsage().rss);
  // maxRSS is in KiB (Node docs, process.resourceUsage()).
  result.maxRssMB = process.resourceUsage().maxRSS / 1024;
  result.sampledPeakRssMB = sampledPeak / 2 ** 20;
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`);
}

function planOptions() {
  return process.env.CACHEPLAN_BENCH_SPLIT_TEXT === "1" ? { splitText: true } : {};
}

/** What the table's notes say about a plan (`Plan` or `plan.json`). */
function summaryOf(planned) {
  const byKind = {};
  for (const w of planned.warnings) byKind[w.kind] = (byKind[w.kind] ?? 0) + 1;
  return {
    ...planned.summary,
    groups: planned.groups.length,
    warnings: planned.warnings.length,
    warningsByKind: byKind,
    outputBytes: planned.batches.reduce((s, b) => s + b.bytes, 0),
    batchSizes: planned.batches.map((b) => `w${b.wave}:${b.requestCount}`),
  };
}

/**
 * The unique-text job: `requests` lines of ~6 KB, each a ~4 KB system prompt shared by an eighth
 * of the job (8 prompts) and ~2 KB of text of its own, shuffled. Written in chunks.
 */
async function generateUniqueText(file, requests, seed) {
  const { sampleText, seededRandom } = await import(path.join(HERE, "..", "dist", "sample.js"));
  const { mix, between } = await import("./_shared.mjs");
  const words = (bytes) => Math.max(1, Math.round(bytes / 6.07));
  const shared = seededRandom(mix(seed, 11));
  const prompts = Array.from(
    { length: 8 },
    (_, p) => `Reviewer profile ${p}. Follow these rules:\n${sampleText(shared, words(4_000))}`,
  );
  const fd = openSync(file, "w");
  let bytes = 0;
  let tail = 0;
  let chunk = [];
  let chunkBytes = 0;
  try {
    for (let i = 0; i < requests; i++) {
      const own = seededRandom(mix(seed, 12, i));
      const text = `Item ${i}: ${sampleText(own, words(between(own, 1_500, 2_500)))}`;
      tail += text.length;
      const line = JSON.stringify({
        custom_id: `item-${String(i).padStart(8, "0")}`,
        params: {
          model: "claude-haiku-5-5", // minimum cacheable prefix 512 tokens: the prompts group
          max_tokens: between(own, 100, 1_000),
          system: prompts[mix(seed, 13, i) % 8],
          messages: [{ role: "user", content: text }],
        },
      });
      chunk.push(line);
      chunkBytes += line.length + 1;
      if (chunkBytes > 4_000_000) {
        bytes += writeSync(fd, `${chunk.join("\n")}\n`);
        chunk = [];
        chunkBytes = 0;
      }
    }
    if (chunk.length > 0) bytes += writeSync(fd, `${chunk.join("\n")}\n`);
  } finally {
    closeSync(fd);
  }
  return {
    file,
    lines: requests,
    bytes,
    perClass: { "unique-text": requests },
    averageTailBytes: Math.round(tail / requests),
  };
}

/** Requests of a size name: `<n>k` or `<n>m`. */
function requestsOf(name) {
  const m = /^(\d+)(k|m)$/.exec(name);
  if (!m)
    throw new Error(`With --unique-text, give --size <n>k or <n>m (requests); got \`${name}\`.`);
  return Number(m[1]) * (m[2] === "m" ? 1_000_000 : 1_000);
}

// ---------------------------------------------------------------------------------------------
// Parent: generate jobs, run children, print the table.

function parseArgs(argv) {
  const args = {
    sizes: ["100k"],
    runs: 2,
    seed: 20_260_301,
    keep: false,
    cpuProf: false,
    templated: false,
    splitText: false,
    uniqueText: false,
    inMemory: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`\`${a}\` needs a value.`);
      return v;
    };
    if (a === "--quick") args.sizes = ["quick"];
    else if (a === "--big") args.sizes = ["256mb"];
    else if (a === "--size") {
      const v = value();
      args.sizes = v === "all" ? ["quick", "100k", "256mb"] : v.split(",");
    } else if (a === "--runs") args.runs = Number(value());
    else if (a === "--seed") args.seed = Number(value());
    else if (a === "--keep") args.keep = true;
    else if (a === "--cpu-prof") args.cpuProf = true;
    else if (a === "--templated") args.templated = true;
    else if (a === "--split-text") args.splitText = true;
    else if (a === "--unique-text") args.uniqueText = true;
    else if (a === "--in-memory") args.inMemory = true;
    else
      throw new Error(
        `Unknown option \`${a}\`. Expected: --size quick|100k|256mb|all|<n>k|<n>m, --quick, --big, --runs N, --seed N, --keep, --cpu-prof, --templated, --split-text, --unique-text, --in-memory.`,
      );
  }
  if (!Number.isInteger(args.runs) || args.runs < 1)
    throw new Error(`\`--runs\` must be a whole number of at least 1; got ${args.runs}.`);
  return args;
}

/** Runs one child measurement; returns its result or `{ failed }`. */
function measure(mode, file, out, extraFlags = []) {
  return runChild(fileURLToPath(import.meta.url), mode, [file, out], extraFlags);
}

function table(rows) {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  return rows
    .map((r, i) => {
      const line = r
        .map((cell, c) =>
          c < 2 ? String(cell).padEnd(widths[c]) : String(cell).padStart(widths[c]),
        )
        .join("  ");
      return i === 0 ? `${line}\n${widths.map((w) => "-".repeat(w)).join("  ")}` : line;
    })
    .join("\n");
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (!existsSync(DIST)) throw new Error(NO_BUILD);
  const { generateJob, jobSpec } = await import("./workloads.mjs");
  const MODES = ALL_MODES.filter((m) => m !== "memory" || args.inMemory);
  const specs = args.sizes.map((name) => {
    if (args.uniqueText)
      return { name: `${name}-unique-text`, requests: requestsOf(name), uniqueText: true };
    const spec = jobSpec(name.replace(/^(\d+)m$/, (_, n) => `${n}000k`));
    return args.templated ? { ...spec, name: `${spec.name}-str`, templated: true } : spec;
  });
  if (args.splitText) process.env.CACHEPLAN_BENCH_SPLIT_TEXT = "1";
  const root = await mkdtemp(path.join(os.tmpdir(), "cacheplan-bench-"));
  const cleanup = () => rm(root, { recursive: true, force: true });
  process.once("SIGINT", () => cleanup().then(() => process.exit(130)));

  const idle = measureIdle();
  console.log(
    `cacheplan planner throughput — node ${process.version}, ${os.cpus().length} CPUs, ` +
      `${fmt(os.totalmem() / 2 ** 30, 1)} GiB RAM; median of ${args.runs} run(s) per mode; ` +
      `a child that only imports dist/index.js peaks at ${fmt(idle, 0)} MB RSS\n`,
  );
  const rows = [
    [
      "job",
      "mode",
      "requests",
      "MB",
      "seconds",
      "range s",
      "requests/s",
      "MB/s",
      "peak RSS MB",
      "time ÷ floor",
      "RSS ÷ floor",
    ],
  ];
  const notes = [];
  try {
    for (const spec of specs) {
      const file = path.join(root, `job-${spec.name}.jsonl`);
      const g0 = performance.now();
      const job = spec.uniqueText
        ? await generateUniqueText(file, spec.requests, args.seed)
        : generateJob(file, spec, args.seed);
      const mb = job.bytes / 1e6;
      console.log(
        `job ${spec.name}: ${fmt(job.lines)} lines, ${fmt(mb, 1)} MB, unique tail ${fmt(job.averageTailBytes)} B on average; ` +
          `${Object.entries(job.perClass)
            .map(([k, v]) => `${k} ${fmt(v)}`)
            .join(", ")} (generated in ${fmt((performance.now() - g0) / 1000, 1)} s)`,
      );
      const results = Object.fromEntries(MODES.map((m) => [m, []]));
      for (let run = 0; run < args.runs; run++) {
        for (const mode of MODES) {
          const out = path.join(root, `out-${spec.name}-${mode}-${run}`);
          await rm(out, { recursive: true, force: true });
          await mkdir(out, { recursive: true });
          const r = measure(mode, file, out);
          await rm(out, { recursive: true, force: true });
          console.log(
            `  run ${run + 1} ${mode.padEnd(5)} ${r.failed ? `FAILED: ${r.failed}` : `${fmt(r.seconds, 2)} s, ${fmt(r.maxRssMB)} MB peak RSS`}`,
          );
          results[mode].push(r);
        }
      }
      const stat = (mode) => {
        const ok = results[mode].filter((r) => !r.failed);
        if (ok.length === 0) return undefined;
        const secs = ok.map((r) => r.seconds);
        return {
          seconds: median(secs),
          min: Math.min(...secs),
          max: Math.max(...secs),
          rss: median(ok.map((r) => r.maxRssMB)),
          plan: ok[0].planSeconds === undefined ? undefined : median(ok.map((r) => r.planSeconds)),
          write:
            ok[0].writeSeconds === undefined ? undefined : median(ok.map((r) => r.writeSeconds)),
          summary: ok[ok.length - 1].summary,
        };
      };
      const floor = stat("floor");
      for (const mode of MODES) {
        const s = stat(mode);
        const label = { read: "read", floor: "floor", plan: "plan", memory: "plan()+write" }[mode];
        if (!s) {
          rows.push([
            spec.name,
            label,
            fmt(job.lines),
            fmt(mb, 1),
            "failed",
            "",
            "",
            "",
            "",
            "",
            "",
          ]);
          continue;
        }
        rows.push([
          spec.name,
          label,
          fmt(job.lines),
          fmt(mb, 1),
          fmt(s.seconds, 2),
          `${fmt(s.min, 2)}–${fmt(s.max, 2)}`,
          fmt(job.lines / s.seconds),
          fmt(mb / s.seconds, 1),
          fmt(s.rss),
          floor ? `${fmt(s.seconds / floor.seconds, 2)}×` : "",
          floor ? `${fmt(s.rss / floor.rss, 2)}×` : "",
        ]);
        if (mode === "plan" && floor) {
          notes.push(
            `${spec.name}: plan ${fmt(s.seconds, 2)} s, floor ${fmt(floor.seconds, 2)} s, ratio ${fmt(s.seconds / floor.seconds, 2)}×; peak RSS ${fmt(s.rss)} MB (above an idle child's ${fmt(idle)} MB: ${fmt(((s.rss - idle) * 2 ** 20) / job.lines)} bytes per request; fit several sizes for the slope)`,
          );
        }
        if (mode === "plan" || mode === "memory") {
          const read = stat("read");
          const sum = s.summary;
          notes.push(
            `${spec.name} ${label}: ${fmt(s.plan, 2)} s${s.write === undefined ? " (written as it goes)" : `, writePlan() ${fmt(s.write, 2)} s`} (reading + parsing alone: ${read ? fmt(read.seconds, 2) : "?"} s)\n` +
              `  plan: ${fmt(sum.inputRequests)} input, ${fmt(sum.planned)} planned, ${fmt(sum.rejected)} rejected; ` +
              `${fmt(sum.groups)} groups holding ${fmt(sum.grouped)} requests; ${fmt(sum.batches)} batches ` +
              `(${sum.batchSizes.join(", ")}) in ${sum.waves} waves, ${fmt(sum.outputBytes / 1e6, 1)} MB; ` +
              `${fmt(sum.markersAdded)} markers added; ${sum.warnings} warnings ` +
              `(${Object.entries(sum.warningsByKind)
                .map(([k, v]) => `${k} ${v}`)
                .join(", ")})\n` +
              `  by model: ${Object.entries(sum.byModel)
                .map(([k, v]) => `${k} ${fmt(v)}`)
                .join(", ")}`,
          );
        }
      }
      if (args.cpuProf) {
        const profDir = path.join(root, `prof-${spec.name}`);
        const out = path.join(root, `out-${spec.name}-prof`);
        await mkdir(out, { recursive: true });
        const r = measure("plan", file, out, ["--cpu-prof", `--cpu-prof-dir=${profDir}`]);
        const prof = r.failed
          ? undefined
          : readdirSync(profDir).find((f) => f.endsWith(".cpuprofile"));
        if (prof) {
          const kept = path.join(os.tmpdir(), `cacheplan-plan-${spec.name}.cpuprofile`);
          renameSync(path.join(profDir, prof), kept);
          notes.push(
            `${spec.name}: CPU profile of one plan+write run (${fmt(r.seconds, 2)} s), kept at ${kept}\n${profileSummary(kept)}`,
          );
        } else notes.push(`${spec.name}: profiled run failed: ${r.failed}`);
      }
      if (!args.keep) await rm(file, { force: true });
    }
  } finally {
    if (args.keep) console.log(`\nkept jobs in ${root}`);
    else await cleanup();
  }
  console.log(`\n${table(rows)}\n`);
  for (const note of notes) console.log(`${note}\n`);
}

/** Peak RSS of a child that only imports the library: the fixed cost inside every figure. */
function measureIdle() {
  const run = spawnSync(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      `await import(${JSON.stringify(DIST)}); console.log(process.resourceUsage().maxRSS / 1024);`,
    ],
    { encoding: "utf8" },
  );
  return Number(run.stdout.trim());
}

if (process.argv[2] === "--child") {
  const [, , , mode, file, out] = process.argv;
  await child(mode, file, out);
} else {
  try {
    await main();
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  }
}
