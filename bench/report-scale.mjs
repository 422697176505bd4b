/**
 * `report` at scale (issue 14 item 3): the results of a plan folder's every request, reported in
 * bounded memory, against a floor measured in the same run.
 *
 *   npm run bench:report -- --plan /tmp/plan-1m            # generate the results, then measure
 *   npm run bench:report -- --plan DIR --results FILE      # results already there
 *
 * Options: `--plan DIR` (a folder `cacheplan plan --out` wrote; required), `--results FILE` (else
 * they are generated into a temp folder, removed at the end unless `--keep`), `--modes a,b`
 * (default all), `--seed N`, `--heap MB` (each child runs with `--max-old-space-size=MB`: the
 * report must fit), `--keep`.
 *
 * The generated results are one `succeeded` line per planned request in the shape of the
 * project's emulator (`simMessage()`: `usage.input_tokens`, `cache_creation_input_tokens`,
 * `cache_read_input_tokens`, `cache_creation.ephemeral_{5m,1h}_input_tokens`, `output_tokens`,
 * `service_tier: "batch"`): a group's primers write its shared prefix (at its TTL), its other
 * requests read it, every request has 300-700 uncached input tokens and 50-800 output tokens;
 * requests in no group neither read nor write.
 *
 * Modes, each in a fresh child process (peak RSS = `process.resourceUsage().maxRSS` of that child):
 *   read    `readJsonl()` of the results, every line parsed, nothing kept
 *   floor   `readJsonl()` of every batch file of the plan, then of the results: the parsing no
 *           report against the folder can avoid (without the batch files' hash checks)
 *   index   `readPlanFile()` and the plan's index alone (`indexPlanFolder()`); prints the memory
 *           they hold after a full collection (heap and array buffers), per planned request
 *   folder  `reportFolder(readJsonl(results), plan)` without an estimate: the report alone
 *   cli     `cacheplan report PLAN --results FILE --format json --out F`: the command, with the
 *           estimate of the plan folder (`estimateFolder()`)
 */
import { spawnSync } from "node:child_process";
import { createWriteStream, existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { finished } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import { fmt, mix, RESULT_PREFIX } from "./_shared.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const DIST = path.join(HERE, "..", "dist", "index.js");
const CLI = path.join(HERE, "..", "dist", "cli", "main.js");
const MODES = ["read", "floor", "index", "folder", "cli"];
const NO_BUILD =
  "`dist/index.js` is missing: the benchmark runs against the built library. Run `npm run bench:report` (it builds first) or `npm run build`.";

// An `--import` for the `cli` child: its peak RSS on standard error as it exits.
const RSS_HOOK = `data:text/javascript,${encodeURIComponent(
  `process.on("exit", () => process.stderr.write("\\n${RESULT_PREFIX}" + JSON.stringify({ maxRssMB: process.resourceUsage().maxRSS / 1024 }) + "\\n"));`,
)}`;

function option(argv, name, fallback) {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : fallback;
}

// ---------------------------------------------------------------------------------------------
// Child: one measurement.

async function child(mode, planDir, results) {
  const { readJsonl, reportFolder } = await import(DIST);
  const started = performance.now();
  let out;
  if (mode === "read" || mode === "floor") {
    const { readPlanFile } = await import(DIST);
    const files =
      mode === "floor"
        ? (await readPlanFile(planDir)).batches.map((b) => path.join(planDir, b.file))
        : [];
    let lines = 0;
    for (const file of [...files, results]) {
      for await (const line of readJsonl(file, { source: file })) {
        if (line.parseError === undefined) lines += 1;
      }
    }
    out = { lines };
  } else if (mode === "index") {
    const { readPlanFile } = await import(DIST);
    const { indexPlanFolder } = await import(path.join(HERE, "..", "dist", "report", "folder.js"));
    // The heap and the typed arrays' buffers (outside the heap).
    const used = () => {
      globalThis.gc();
      const m = process.memoryUsage();
      return m.heapUsed + m.arrayBuffers;
    };
    const before = used();
    const plan = await readPlanFile(planDir);
    const index = await indexPlanFolder(planDir, plan, undefined);
    const held = used() - before;
    out = { requests: index.size, heldMB: held / 2 ** 20, bytesPerRequest: held / index.size };
  } else {
    const r = await reportFolder(readJsonl(results, { source: results }), planDir);
    out = {
      lines: r.lines,
      succeeded: r.overall.requests.succeeded,
      missing: r.overall.requests.missing,
      hitRate: r.overall.hitRate,
      problems: r.problems.length,
    };
  }
  const seconds = (performance.now() - started) / 1000;
  // maxRSS is in KiB (Node docs, process.resourceUsage()).
  const maxRssMB = process.resourceUsage().maxRSS / 1024;
  console.log(`${RESULT_PREFIX}${JSON.stringify({ mode, seconds, maxRssMB, ...out })}`);
}

function measure(mode, planDir, results, workDir, heap) {
  const started = performance.now();
  const flags = [
    ...(heap ? [`--max-old-space-size=${heap}`] : []),
    ...(mode === "index" ? ["--expose-gc"] : []),
  ];
  const argv =
    mode === "cli"
      ? [
          "--import",
          RSS_HOOK,
          CLI,
          "report",
          planDir,
          "--results",
          results,
          "--format",
          "json",
          "--out",
          path.join(workDir, "report.json"),
          "--quiet",
        ]
      : [fileURLToPath(import.meta.url), "--child", mode, planDir, results];
  const run = spawnSync(process.execPath, [...flags, ...argv], {
    encoding: "utf8",
    maxBuffer: 64 * 2 ** 20,
  });
  const wall = (performance.now() - started) / 1000;
  const text = `${run.stdout ?? ""}\n${run.stderr ?? ""}`;
  const line = text.split("\n").find((l) => l.startsWith(RESULT_PREFIX));
  if (run.status !== 0 || !line) {
    const why = run.signal ? `signal ${run.signal}` : `exit code ${run.status}`;
    const tail = (run.stderr ?? "").trim().split("\n").slice(-6).join("\n    ");
    return { mode, failed: `${why}\n    ${tail}`, wall };
  }
  const result = { mode, wall, ...JSON.parse(line.slice(RESULT_PREFIX.length)) };
  if (mode === "cli") {
    const r = JSON.parse(readFileSync(path.join(workDir, "report.json"), "utf8"));
    Object.assign(result, {
      lines: r.lines,
      succeeded: r.overall.requests.succeeded,
      missing: r.overall.requests.missing,
      hitRate: r.overall.hitRate,
      problems: r.problems.length,
    });
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// The results of a plan, generated.

/** A deterministic number in [lo, hi] for request `i`, draw `k`. */
const draw = (seed, i, k, lo, hi) => lo + (mix(seed, k, i) % (hi - lo + 1));

function resultLine(customId, model, usage, i) {
  return JSON.stringify({
    custom_id: customId,
    result: {
      type: "succeeded",
      message: {
        id: `msg_bench${String(i).padStart(12, "0")}`,
        type: "message",
        role: "assistant",
        model,
        content: [
          {
            type: "text",
            text: `Simulated response to ${customId} (${usage.output_tokens} output tokens).`,
          },
        ],
        stop_reason: "end_turn",
        stop_sequence: null,
        usage: { ...usage, service_tier: "batch", inference_geo: "global" },
      },
    },
  });
}

function usageOf(seed, i, { read, write, ttl }) {
  const input = draw(seed, i, 1, 300, 700);
  return {
    input_tokens: input,
    cache_creation_input_tokens: write,
    cache_read_input_tokens: read,
    cache_creation: {
      ephemeral_5m_input_tokens: ttl === "1h" ? 0 : write,
      ephemeral_1h_input_tokens: ttl === "1h" ? write : 0,
    },
    output_tokens: draw(seed, i, 2, 50, 800),
  };
}

/** Writes one `succeeded` result per planned request of `planDir` to `file`; returns the count. */
async function generate(planDir, file, seed) {
  const { readPlanFile, planRequests } = await import(DIST);
  const plan = await readPlanFile(planDir);
  const out = createWriteStream(file);
  let chunk = [];
  let n = 0;
  const put = async (line) => {
    chunk.push(line);
    if (chunk.length < 1000) return;
    if (!out.write(`${chunk.join("\n")}\n`)) await new Promise((r) => out.once("drain", r));
    chunk = [];
  };
  const planned = plan.batches.reduce((s, b) => s + b.requestCount, 0);
  const inGroups = plan.groups.reduce((s, g) => s + g.customIds.length, 0);
  // Requests in no group are in the batch files only: the grouped ids are kept to skip them there.
  const grouped = inGroups < planned ? new Set() : undefined;
  for (const g of plan.groups) {
    const top = g.breakpoints[0];
    const primers = new Set(g.primers);
    const shared = Math.round(g.sharedTokens);
    for (const id of g.customIds) {
      grouped?.add(id);
      const first = primers.has(id) || (primers.size === 0 && id === g.customIds[0]);
      const cache = first
        ? { read: 0, write: shared, ttl: top?.ttl ?? "5m" }
        : { read: shared, write: 0, ttl: top?.ttl ?? "5m" };
      await put(resultLine(id, g.model, usageOf(seed, n, cache), n));
      n += 1;
    }
  }
  if (grouped) {
    for await (const { request } of planRequests(planDir, plan, { unique: false })) {
      if (grouped.has(request.custom_id)) continue;
      const usage = usageOf(seed, n, { read: 0, write: 0, ttl: "5m" });
      await put(resultLine(request.custom_id, String(request.params.model), usage, n));
      n += 1;
    }
  }
  if (chunk.length > 0) out.write(`${chunk.join("\n")}\n`);
  out.end();
  await finished(out);
  return n;
}

// ---------------------------------------------------------------------------------------------
// Parent.

async function main(argv) {
  if (argv[0] === "--child") return child(argv[1], argv[2], argv[3]);
  if (!existsSync(DIST)) throw new Error(NO_BUILD);
  const planDir = option(argv, "plan");
  if (!planDir)
    throw new Error("Give the plan folder: `--plan DIR` (written by `cacheplan plan --out`).");
  const seed = Number(option(argv, "seed", "20260301"));
  const modes = option(argv, "modes", MODES.join(",")).split(",");
  const workDir = await mkdtemp(path.join(os.tmpdir(), "cacheplan-bench-report-"));
  let results = option(argv, "results");
  try {
    if (!results) {
      results = path.join(workDir, "results.jsonl");
      const started = performance.now();
      const n = await generate(planDir, results, seed);
      console.log(
        `generated ${n.toLocaleString("en-US")} result lines in ${fmt((performance.now() - started) / 1000, 1)} s: ${results}`,
      );
    }
    const heap = option(argv, "heap");
    if (heap) console.log(`each child with --max-old-space-size=${heap}`);
    const rows = modes.map((mode) => measure(mode, planDir, results, workDir, heap));
    const floor = rows.find((r) => r.mode === "floor" && !r.failed);
    for (const r of rows) {
      if (r.failed) {
        console.log(`${r.mode.padEnd(6)} FAILED after ${fmt(r.wall, 1)} s: ${r.failed}`);
        continue;
      }
      const vs = floor && r !== floor ? ` (${fmt(r.wall / floor.wall, 1)}× the floor's time)` : "";
      const what =
        r.mode === "read" || r.mode === "floor"
          ? `${r.lines.toLocaleString("en-US")} lines parsed`
          : r.mode === "index"
            ? `plan.json and the index of ${r.requests.toLocaleString("en-US")} requests hold ${fmt(r.heldMB)} MB after a full GC (heap + array buffers): ${fmt(r.bytesPerRequest)} bytes per request`
            : `${r.succeeded.toLocaleString("en-US")} succeeded, ${r.missing} missing, ${r.problems} problems, hit rate ${fmt(100 * r.hitRate, 1)}%`;
      console.log(
        `${r.mode.padEnd(6)} ${fmt(r.wall, 1).padStart(6)} s wall, ${fmt(r.maxRssMB).padStart(5)} MB peak RSS${vs}: ${what}`,
      );
    }
  } finally {
    if (!argv.includes("--keep")) await rm(workDir, { recursive: true, force: true });
    else console.log(`kept ${workDir}`);
  }
}

await main(process.argv.slice(2));
