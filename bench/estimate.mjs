import { createHash } from "node:crypto";
import {
  createReadStream,
  createWriteStream,
  existsSync,
  readdirSync,
  readFileSync,
} from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { finished } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import { fmt, median, profileSummary, RESULT_PREFIX, runChild } from "./_shared.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const DIST = path.join(HERE, "..", "dist", "index.js");
const MODES = ["plan", "floor", "sampled", "full"];
/** Strings at least this long are stored once in a saved plan (the shared system prompt). */
const SHARED_MIN_CHARS = 8192;
const SHARED_TAG = "\u0000shared:";
/** Tails encoded by js-tiktoken alone in the floor child, for the tokenizer's baseline. */
const BASELINE_TAILS = 2000;
/** Issue 3's target. */
const TARGET_SECONDS = 10;
const TARGET_ERROR = 0.01;

/**
 * A fingerprint of the built library: every child reports the one it loaded, so that a rebuild
 * of dist/ in the middle of a run (an edit elsewhere in the tree) is caught, not measured.
 */
function distFingerprint() {
  const root = path.dirname(DIST);
  const hash = createHash("sha256");
  for (const file of readdirSync(root, { recursive: true })
    .filter((f) => f.endsWith(".js"))
    .sort())
    hash.update(`${file}\u0000`).update(readFileSync(path.join(root, file)));
  return hash.digest("hex").slice(0, 12);
}

const NO_BUILD =
  "`dist/index.js` is missing: the benchmark runs against the built library. Run `npm run bench:estimate` (it builds first) or `npm run build`.";

// ---------------------------------------------------------------------------------------------
// Saving a plan with its long strings stored once (a plain JSON file would hold the 20k-token
// prompt 100,000 times: 11 GB), and loading it back with one string shared by every request.

async function savePlan(planned, file) {
  const shared = new Map();
  const replacer = (_key, value) => {
    if (typeof value !== "string" || value.length < SHARED_MIN_CHARS) return value;
    let k = shared.get(value);
    if (k === undefined) {
      k = shared.size;
      shared.set(value, k);
    }
    return `${SHARED_TAG}${k}`;
  };
  const stream = createWriteStream(file);
  const write = async (line) => {
    if (!stream.write(`${line}\n`)) await new Promise((resolve) => stream.once("drain", resolve));
  };
  const lines = [];
  for (const batch of planned.batches) {
    for (const request of batch.requests) lines.push(JSON.stringify(request, replacer));
    if (lines.length >= 5000) {
      await write(lines.join("\n"));
      lines.length = 0;
    }
  }
  if (lines.length > 0) await write(lines.join("\n"));
  const header = {
    ...planned,
    batches: planned.batches.map(({ requests: _r, ...rest }) => rest),
  };
  // The header first (it may add shared strings), then the shared strings themselves, verbatim.
  const headerJson = JSON.stringify(header, replacer);
  await write(`{"header":${headerJson},"shared":${JSON.stringify([...shared.keys()])}}`);
  stream.end();
  await finished(stream);
}

async function loadPlan(file) {
  const lines = [];
  const input = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const line of input) lines.push(line);
  const { header, shared } = JSON.parse(lines.pop());
  const restore = (value) => {
    if (typeof value === "string")
      return value.startsWith(SHARED_TAG) ? shared[Number(value.slice(SHARED_TAG.length))] : value;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) value[i] = restore(value[i]);
    } else if (value !== null && typeof value === "object") {
      for (const key of Object.keys(value)) value[key] = restore(value[key]);
    }
    return value;
  };
  let next = 0;
  const batches = header.batches.map((batch) => {
    const requests = lines
      .slice(next, next + batch.requestCount)
      .map((l) => restore(JSON.parse(l)));
    next += batch.requestCount;
    return { ...batch, requests };
  });
  if (next !== lines.length)
    throw new Error(`The saved plan holds ${lines.length} requests; its batches say ${next}.`);
  return restore({ ...header, batches });
}

// ---------------------------------------------------------------------------------------------
// Child: one measurement.

/** The default counter, timed: seconds inside `countSegments()`, bytes tokenized, segments asked. */
function timedCounter(createTiktokenCounter) {
  const stats = { seconds: 0, bytes: 0, texts: 0, calls: 0, segments: 0 };
  const inner = createTiktokenCounter({
    onTokenize: (bytes) => {
      stats.bytes += bytes;
      stats.texts += 1;
    },
  });
  const counter = {
    name: inner.name,
    estimated: inner.estimated,
    async countSegments(segments) {
      const t0 = performance.now();
      try {
        return await inner.countSegments(segments);
      } finally {
        stats.seconds += (performance.now() - t0) / 1000;
        stats.calls += 1;
        stats.segments += segments.length;
      }
    },
  };
  return { counter, stats };
}

/** The figures an estimate is compared on. */
function figuresOf(result) {
  const { standard, ideal, planned } = result.total.scenarios;
  return {
    // Every input token, uncached: the shared prefixes plus the unique tails.
    inputTokens: standard.tokens.input,
    // The unique tails alone: in `ideal` the prefixes are writes and reads, the tails input.
    tailTokens: ideal.tokens.input,
    inputMargin95: result.total.inputTokensMargin95,
    plannedUsd: planned.usd,
    plannedUsdMargin95: planned.usdMargin95,
    count: result.count,
  };
}

/** Sum of the text lengths of every planned request: the floor. */
function walkTexts(planned) {
  let chars = 0;
  let requests = 0;
  const add = (content) => {
    if (typeof content === "string") chars += content.length;
    else if (Array.isArray(content)) {
      for (const block of content) if (typeof block?.text === "string") chars += block.text.length;
    }
  };
  for (const batch of planned.batches) {
    for (const request of batch.requests) {
      requests += 1;
      add(request.params.system);
      for (const message of request.params.messages) add(message.content);
    }
  }
  return { chars, requests };
}

/**
 * A CPU profiler around the estimate alone (not the loading of the plan), through the inspector;
 * `stop(file)` writes a `.cpuprofile`.
 */
async function startProfiler() {
  const { Session } = await import("node:inspector/promises");
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.start");
  return {
    async stop(file) {
      const { profile } = await session.post("Profiler.stop");
      await writeFile(file, JSON.stringify(profile));
      session.disconnect();
    },
  };
}

async function child(mode, args) {
  const build = distFingerprint();
  const lib = {
    ...(await import(DIST)),
    ...(await import(path.join(path.dirname(DIST), "exports", "tokens.js"))),
  };
  const result = { mode, build };
  if (mode === "plan") {
    const { generateRequests } = await import("./estimate-workload.mjs");
    let t0 = performance.now();
    const job = generateRequests(args.requests, args.seed);
    result.generateSeconds = (performance.now() - t0) / 1000;
    result.job = { systemChars: job.systemChars, tailChars: job.tailChars };
    globalThis.gc?.();
    t0 = performance.now();
    const planned = await lib.plan(job.requests);
    result.planSeconds = (performance.now() - t0) / 1000;
    job.requests = undefined;
    const bps = planned.groups.flatMap((g) => g.breakpoints);
    result.summary = {
      ...planned.summary,
      groups: planned.groups.length,
      warnings: planned.warnings.map((w) => w.kind),
      breakpoints: bps.map((b) => ({
        segment: b.segment,
        prefixTokens: b.prefixTokens,
        requests: b.requests,
        ttl: b.ttl,
        mode: b.mode,
      })),
      batchBytes: planned.batches.reduce((s, b) => s + b.bytes, 0),
    };
    t0 = performance.now();
    await savePlan(planned, args.file);
    result.saveSeconds = (performance.now() - t0) / 1000;
    // The check: the same estimate on the plan in memory, to compare with the loaded plan's.
    const options = args.sampleSize ? { sampleSize: args.sampleSize } : {};
    result.check = figuresOf(await lib.estimate(planned, { ...options, count: "sampled" }));
  } else {
    let t0 = performance.now();
    const planned = await loadPlan(args.file);
    result.loadSeconds = (performance.now() - t0) / 1000;
    globalThis.gc?.();
    if (mode === "floor") {
      t0 = performance.now();
      const walked = walkTexts(planned);
      result.seconds = (performance.now() - t0) / 1000;
      result.walked = walked;
      // js-tiktoken alone, after the floor so the floor stays clean.
      const { Tiktoken } = await import("js-tiktoken/lite");
      const { default: cl100k } = await import("js-tiktoken/ranks/cl100k_base");
      t0 = performance.now();
      const encoder = new Tiktoken(cl100k);
      result.encoderInitSeconds = (performance.now() - t0) / 1000;
      const tails = [];
      for (const batch of planned.batches) {
        for (const request of batch.requests) {
          if (tails.length >= BASELINE_TAILS) break;
          const { content } = request.params.messages[0];
          tails.push(
            typeof content === "string" ? content : content.map((b) => b.text ?? "").join(""),
          );
        }
      }
      let bytes = 0;
      t0 = performance.now();
      for (const text of tails) {
        bytes += Buffer.byteLength(text);
        encoder.encode(text, [], []);
      }
      result.baseline = { texts: tails.length, bytes, seconds: (performance.now() - t0) / 1000 };
    } else if (mode === "sampled" || mode === "full") {
      const { counter, stats } = timedCounter(lib.createTiktokenCounter);
      const options = { counter, count: mode };
      if (args.sampleSize) options.sampleSize = args.sampleSize;
      const profiler = args.profile ? await startProfiler() : undefined;
      t0 = performance.now();
      const estimated = await lib.estimate(planned, options);
      result.seconds = (performance.now() - t0) / 1000;
      if (profiler) await profiler.stop(args.profile);
      result.tokenizer = stats;
      result.figures = figuresOf(estimated);
    } else {
      throw new Error(`Unknown child mode \`${mode}\`. Expected one of: ${MODES.join(", ")}.`);
    }
  }
  // maxRSS is in KiB (Node docs, process.resourceUsage()).
  result.maxRssMB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`);
}

// ---------------------------------------------------------------------------------------------
// Parent: run children, print the tables.

function parseArgs(argv) {
  const args = {
    sizes: ["100k"],
    runs: 3,
    fullRuns: 1,
    skipFull: false,
    sampleSize: undefined,
    seed: 20_260_301,
    keep: false,
    cpuProf: false,
  };
  const whole = (name, v, min) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min)
      throw new Error(`\`${name}\` must be a whole number of at least ${min}; got ${v}.`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`\`${a}\` needs a value.`);
      return v;
    };
    if (a === "--quick") args.sizes = ["10k"];
    else if (a === "--size") args.sizes = value().split(",");
    else if (a === "--runs") args.runs = whole(a, value(), 1);
    else if (a === "--full-runs") args.fullRuns = whole(a, value(), 1);
    else if (a === "--skip-full") args.skipFull = true;
    else if (a === "--sample-size") args.sampleSize = whole(a, value(), 2);
    else if (a === "--seed") args.seed = whole(a, value(), 0);
    else if (a === "--keep") args.keep = true;
    else if (a === "--cpu-prof") args.cpuProf = true;
    else
      throw new Error(
        `Unknown option \`${a}\`. Expected: --size 10k|100k|<n>k, --quick, --runs N, --full-runs N, --skip-full, --sample-size N, --seed N, --keep, --cpu-prof.`,
      );
  }
  return args;
}

/** Runs one child measurement; returns its result or `{ failed }`. */
function measure(mode, childArgs, extraFlags = []) {
  return runChild(fileURLToPath(import.meta.url), mode, [JSON.stringify(childArgs)], extraFlags);
}

/** Seconds with enough digits for a figure from microseconds to minutes. */
const secs = (s) => (s < 0.01 ? fmt(s, 5) : s < 10 ? fmt(s, 2) : fmt(s, 1));
const signed = (x, digits = 0) => `${x >= 0 ? "+" : "−"}${fmt(Math.abs(x), digits)}`;

function table(rows, leftColumns = 2) {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  return rows
    .map((r, i) => {
      const line = r
        .map((cell, c) =>
          c < leftColumns ? String(cell).padEnd(widths[c]) : String(cell).padStart(widths[c]),
        )
        .join("  ");
      return i === 0 ? `${line}\n${widths.map((w) => "-".repeat(w)).join("  ")}` : line;
    })
    .join("\n");
}

/** One size: plan once, then the measurement children. Returns table rows and notes. */
async function benchSize(spec, args, root) {
  const file = path.join(root, `plan-${spec.name}.jsonl`);
  const childArgs = { requests: spec.requests, seed: args.seed, file, sampleSize: args.sampleSize };
  const log = (text) => console.log(`  ${text}`);
  console.log(`job ${spec.name}: ${fmt(spec.requests)} requests`);
  const planned = measure("plan", childArgs);
  if (planned.failed) {
    log(`plan FAILED: ${planned.failed}`);
    return { timing: [], accuracy: [], notes: [`${spec.name}: plan failed: ${planned.failed}`] };
  }
  log(
    `generated in ${secs(planned.generateSeconds)} s; plan() ${secs(planned.planSeconds)} s; saved in ${secs(planned.saveSeconds)} s`,
  );

  const results = { floor: [], sampled: [], full: [] };
  const fullRuns = args.skipFull ? 0 : args.fullRuns;
  const order = [];
  for (let run = 0; run < Math.max(args.runs, fullRuns); run++) {
    if (run < args.runs) order.push("floor", "sampled");
    if (run < fullRuns) order.push("full");
  }
  const count = { floor: 0, sampled: 0, full: 0 };
  for (const mode of order) {
    const r = measure(mode, childArgs);
    count[mode] += 1;
    log(
      `run ${count[mode]} ${mode.padEnd(7)} ${r.failed ? `FAILED: ${r.failed}` : `${secs(r.seconds)} s (plan loaded in ${secs(r.loadSeconds)} s, ${fmt(r.maxRssMB)} MB peak RSS)`}`,
    );
    results[mode].push(r);
  }
  const ok = (mode) => results[mode].filter((r) => !r.failed);
  const stat = (mode) => {
    const list = ok(mode);
    if (list.length === 0) return undefined;
    const s = list.map((r) => r.seconds);
    const pick = (f) => median(list.map(f));
    return {
      seconds: median(s),
      min: Math.min(...s),
      max: Math.max(...s),
      runs: list.length,
      tokenizeSeconds: list[0].tokenizer ? pick((r) => r.tokenizer.seconds) : undefined,
      tokenizeShare: list[0].tokenizer ? pick((r) => r.tokenizer.seconds / r.seconds) : undefined,
      mbps: list[0].tokenizer ? pick((r) => r.tokenizer.bytes / 1e6 / r.tokenizer.seconds) : 0,
      last: list[list.length - 1],
    };
  };
  const floor = stat("floor");
  const sampled = stat("sampled");
  const full = stat("full");

  const timing = [];
  for (const [mode, s] of [
    ["floor", floor],
    ["sampled", sampled],
    ["full", full],
  ]) {
    if (mode === "full" && args.skipFull) continue;
    if (!s) {
      timing.push([spec.name, mode, "failed", "", "", "", "", "", "", "", ""]);
      continue;
    }
    const tk = s.last.tokenizer;
    timing.push([
      spec.name,
      mode,
      s.runs,
      secs(s.seconds),
      s.runs > 1 ? `${secs(s.min)}–${secs(s.max)}` : "",
      fmt(spec.requests / s.seconds),
      tk ? fmt(tk.bytes / 1e6, 1) : "",
      tk ? secs(s.tokenizeSeconds) : "",
      tk ? fmt(s.mbps, 2) : "",
      tk ? `${fmt(100 * s.tokenizeShare, 1)}%` : "",
      floor ? `${fmt(s.seconds / floor.seconds)}×` : "",
    ]);
  }

  const accuracy = [];
  const notes = [];
  const targetTime = sampled ? sampled.seconds < TARGET_SECONDS : false;
  let targetError;
  if (sampled && full) {
    const a = sampled.last.figures;
    const b = full.last.figures;
    const row = (name, x, y, margin, digits = 0, unit = "") => {
      const error = x - y;
      accuracy.push([
        spec.name,
        name,
        `${unit}${fmt(x, digits)}`,
        `${unit}${fmt(y, digits)}`,
        `${signed(error, digits)}`,
        `${signed((100 * error) / y, 4)}%`,
        margin === undefined ? "" : `±${fmt(margin, digits)}`,
        margin === undefined ? "" : Math.abs(error) <= margin ? "yes" : "NO",
      ]);
      return Math.abs(error) / y;
    };
    targetError =
      row("input tokens", a.inputTokens, b.inputTokens, a.inputMargin95) <= TARGET_ERROR;
    row("  unique tails", a.tailTokens, b.tailTokens, a.inputMargin95);
    row("planned USD", a.plannedUsd, b.plannedUsd, a.plannedUsdMargin95, 2, "$");
  }

  // Notes: the job, the plan, the check, the baselines, the target.
  const sum = planned.summary;
  const fig = full?.last.figures ?? sampled?.last.figures;
  const prefix = sum.breakpoints[0]?.prefixTokens ?? 0;
  notes.push(
    `${spec.name}: ${fmt(spec.requests)} requests on claude-opus-4-6; shared system prompt ${fmt(planned.job.systemChars)} chars ` +
      `(${fmt(prefix)} tokens by the plan); unique tails ${fmt(planned.job.tailChars / spec.requests)} chars on average` +
      (fig
        ? ` (${fmt(fig.tailTokens / spec.requests)} tokens by the ${full ? "full count" : "sampled estimate"})`
        : "") +
      `; batch bodies ${fmt(sum.batchBytes / 1e9, 2)} GB\n` +
      `  plan() ${secs(planned.planSeconds)} s, once, in its own child (not part of the estimate; generating the job took ${secs(planned.generateSeconds)} s); ` +
      `${fmt(sum.groups)} group(s), breakpoints ${sum.breakpoints.map((b) => `${b.segment} ${fmt(b.prefixTokens)} tokens × ${fmt(b.requests)} ${b.ttl} ${b.mode}`).join("; ")}; ` +
      `${sum.batches} batches in ${sum.waves} waves; warnings: ${sum.warnings.length ? sum.warnings.join(", ") : "none"}`,
  );
  if (sampled) {
    const c = sampled.last.figures.count;
    const same =
      planned.check.inputTokens === sampled.last.figures.inputTokens &&
      planned.check.plannedUsd === sampled.last.figures.plannedUsd;
    notes.push(
      `  sampled: ${fmt(c.sampledRequests)} of ${fmt(c.requests)} requests tokenized (seed ${c.seed}), ` +
        `chars per token ${Object.entries(c.charsPerToken)
          .map(([k, v]) => `${k} ${fmt(v, 3)}`)
          .join(", ")}; ` +
        `${fmt(sampled.last.tokenizer.segments)} segments asked in ${sampled.last.tokenizer.calls} countSegments() calls, ${fmt(sampled.last.tokenizer.texts)} texts tokenized; ` +
        `the same estimate on the plan in memory (no save/load) gives ${same ? "the same" : "DIFFERENT"} totals`,
    );
  }
  if (full) {
    notes.push(
      `  full: ${fmt(full.last.tokenizer.segments)} segments asked in ${full.last.tokenizer.calls} countSegments() calls, ${fmt(full.last.tokenizer.texts)} texts tokenized`,
    );
  }
  if (floor) {
    const f = floor.last;
    const generated = planned.job.systemChars * spec.requests + planned.job.tailChars;
    notes.push(
      `  floor: ${fmt(f.walked.requests)} requests, ${fmt(f.walked.chars / 1e6, 1)} M chars of text walked ` +
        `(${f.walked.chars === generated ? "equal to" : "DIFFERENT from"} the generated job's: the saved plan holds every text); ` +
        `js-tiktoken alone: building the cl100k encoder ${secs(median(ok("floor").map((r) => r.encoderInitSeconds)))} s, ` +
        `then ${fmt(median(ok("floor").map((r) => r.baseline.bytes / 1e6 / r.baseline.seconds)), 2)} MB/s on the first ${fmt(f.baseline.texts)} tails (${fmt(f.baseline.bytes / 1e6, 1)} MB); ` +
        `loading the saved plan (untimed) ${secs(median(ok("floor").map((r) => r.loadSeconds)))} s`,
    );
  }
  notes.push(
    `  target (issue 3): sampled estimate under ${TARGET_SECONDS} s: ${sampled ? `${secs(sampled.seconds)} s, ${targetTime ? "met" : "NOT met"}` : "no result"}; ` +
      `sampled total within ${fmt(100 * TARGET_ERROR)}% of the full count: ${targetError === undefined ? "not measured (no full count)" : targetError ? "met" : "NOT met"}`,
  );

  if (args.cpuProf) {
    for (const mode of args.skipFull ? ["sampled"] : ["sampled", "full"]) {
      const kept = path.join(os.tmpdir(), `cacheplan-estimate-${spec.name}-${mode}.cpuprofile`);
      const r = measure(mode, { ...childArgs, profile: kept });
      if (!r.failed && existsSync(kept)) {
        notes.push(
          `${spec.name}: CPU profile of one ${mode} estimate (${secs(r.seconds)} s with the profiler on; the estimate call only), kept at ${kept}\n${profileSummary(kept)}`,
        );
      } else notes.push(`${spec.name}: profiled ${mode} run failed: ${r.failed}`);
    }
  }
  const builds = new Set(
    [planned, ...results.floor, ...results.sampled, ...results.full]
      .filter((r) => !r.failed)
      .map((r) => r.build),
  );
  if (builds.size > 1 || !builds.has(args.build))
    notes.push(
      `  WARNING: dist/ changed during the run (builds ${[...builds].join(", ")}; ${args.build} at the start): the figures mix builds. Rebuild and run again.`,
    );
  if (!args.keep) await rm(file, { force: true });
  return { timing, accuracy, notes };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (!existsSync(DIST)) throw new Error(NO_BUILD);
  const { jobSize } = await import("./estimate-workload.mjs");
  const specs = args.sizes.map(jobSize);
  args.build = distFingerprint();
  const root = await mkdtemp(path.join(os.tmpdir(), "cacheplan-estimate-bench-"));
  const cleanup = () => rm(root, { recursive: true, force: true });
  process.once("SIGINT", () => cleanup().then(() => process.exit(130)));
  console.log(
    `cacheplan estimate benchmark — node ${process.version}, ${os.cpus().length} CPUs, ` +
      `${fmt(os.totalmem() / 2 ** 30, 1)} GiB RAM; median of ${args.runs} run(s) for floor and sampled, ` +
      `${args.skipFull ? "no full count (--skip-full)" : `${args.fullRuns} for full`}; each run a fresh child process; dist build ${args.build}\n`,
  );
  const timing = [
    [
      "job",
      "mode",
      "runs",
      "seconds",
      "range s",
      "requests/s",
      "tokenized MB",
      "tokenizer s",
      "tokenizer MB/s",
      "tokenizing",
      "time ÷ floor",
    ],
  ];
  const accuracy = [
    ["job", "figure", "sampled", "full", "error", "error %", "95% bound", "inside"],
  ];
  const notes = [];
  try {
    for (const spec of specs) {
      const r = await benchSize(spec, args, root);
      timing.push(...r.timing);
      accuracy.push(...r.accuracy);
      notes.push(...r.notes);
    }
  } finally {
    if (args.keep) console.log(`\nkept saved plans in ${root}`);
    else await cleanup();
  }
  console.log(`\n${table(timing)}\n`);
  if (accuracy.length > 1) console.log(`${table(accuracy)}\n`);
  for (const note of notes) console.log(`${note}\n`);
}

if (process.argv[2] === "--child") {
  const [, , , mode, json] = process.argv;
  await child(mode, JSON.parse(json));
} else {
  try {
    await main();
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  }
}
