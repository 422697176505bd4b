/**
 * Submit at scale (issue 14): `cacheplan submit PLAN` of a large plan folder through the emulator,
 * in a child process whose peak RSS is measured (`/usr/bin/time`), against the size of the plan's
 * batch files. `submit` reads one batch at a time, so its memory should not grow with the plan.
 *
 *   npm run build && node bench/submit-scale.mjs --job /tmp/scale/job-100k.jsonl --out /tmp/hsub/plan-100k
 *   node bench/submit-scale.mjs --synthetic 20000          # 20,000 requests of ~16 KB, planned here
 *   node bench/submit-scale.mjs --plan /tmp/hsub/plan-100k # a plan folder planned before
 *
 * Options: `--job FILE` (planned with `cacheplan plan FILE --out DIR`, timed), `--out DIR` (where
 * the plan goes; default a temp folder), `--plan DIR` (a plan folder written before; its run.json
 * and results/ are moved away first, only when the bench wrote them: see `--fresh`), `--synthetic
 * N` (N requests of ~16 KB, each its own text, batches of `--per-batch`, default 1000), `--heap MB`
 * (the child's `--max-old-space-size`), `--max-queued N` (submit and emulator; default 100,000),
 * `--time-scale N` (the emulator's simulated ms per real ms; default 1,000: results stay 29 simulated days, 40 real minutes), `--dist DIR` (the
 * built package, default `dist`), `--cpu-prof` (profile the child; prints the hottest functions).
 *
 * Prints: requests, batches, batch-file bytes, submit time, the child's peak RSS and RSS / plan.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, rmSync, statSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { fmt, profileSummary } from "./_shared.mjs";

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i < 0 ? fallback : args[i + 1];
};
const flag = (name) => args.includes(`--${name}`);
const root = path.resolve(import.meta.dirname, "..");
const dist = path.resolve(root, opt("dist", "dist"));
const main = path.join(dist, "cli", "main.js");
const lib = await import(pathToFileURL(path.join(dist, "index.js")).href);
const maxQueued = Number(opt("max-queued", 100_000));
const timeScale = Number(opt("time-scale", 1000));
const heap = opt("heap", undefined);

/** A counter that does not tokenize (4 characters a token): the emulator's usage, quickly. */
const quickCounter = {
  name: "chars/4",
  estimated: true,
  countSegments: async (segments) =>
    segments.map((s) => Math.ceil(JSON.stringify(s.block).length / 4)),
};

/** Runs `node main …argv` and returns its exit code, seconds and peak RSS (bytes). */
function timedCli(argv, env, nodeArgs = []) {
  return new Promise((resolve) => {
    const child = spawn(
      "/usr/bin/time",
      ["-f", "HSUB-TIME %M %e", process.execPath, ...nodeArgs, main, ...argv],
      { env: { PATH: process.env.PATH ?? "", ...env }, stdio: ["ignore", "inherit", "pipe"] },
    );
    let stderr = "";
    child.stderr.on("data", (c) => {
      stderr += c.toString("utf8");
    });
    child.once("close", (code) => {
      const m = /HSUB-TIME (\d+) ([\d.]+)/.exec(stderr);
      const rest = stderr.replace(/.*HSUB-TIME.*\n?/, "");
      if (rest.trim()) process.stderr.write(rest);
      resolve({ code, seconds: m ? Number(m[2]) : Number.NaN, rss: m ? Number(m[1]) * 1024 : 0 });
    });
  });
}

async function synthetic(n, perBatch, dir) {
  const pad = `Context. ${"lorem ipsum dolor sit amet ".repeat(600)}`;
  const light = Array.from({ length: n }, (_, i) => ({
    custom_id: `big-${i}`,
    params: {
      model: "claude-sonnet-4-6",
      max_tokens: 8,
      messages: [{ role: "user", content: `Item ${i}: yes or no?` }],
    },
  }));
  const planned = await lib.plan(light, {
    strategy: "none",
    maxRequests: perBatch,
    counter: quickCounter,
  });
  const batches = planned.batches.map((b) => {
    const requests = b.requests.map((r) => ({
      custom_id: r.custom_id,
      params: { ...r.params, system: `${r.custom_id}: ${pad}` }, // text of its own: no sharing
    }));
    const bytes = requests.reduce((s, r) => s + Buffer.byteLength(JSON.stringify(r)) + 1, 13);
    return { ...b, requests, bytes };
  });
  await lib.writePlan({ ...planned, batches }, dir);
}

async function planFolder() {
  const given = opt("plan", undefined);
  if (given) {
    for (const leftover of ["run.json", "results"]) {
      if (existsSync(path.join(given, leftover)) && !flag("fresh"))
        throw new Error(`${given} was submitted before: pass --fresh to move ${leftover} away`);
      rmSync(path.join(given, leftover), { recursive: true, force: true });
    }
    return given;
  }
  const dir =
    opt("out", undefined) ?? path.join(await mkdtemp(path.join(tmpdir(), "hsub-")), "plan");
  const job = opt("job", undefined);
  if (job) {
    const started = Date.now();
    const r = spawnSync(process.execPath, [main, "plan", job, "--out", dir, "--force", "--quiet"], {
      stdio: ["ignore", "ignore", "inherit"],
    });
    if (r.status !== 0) throw new Error(`cacheplan plan exited ${r.status}`);
    console.log(`planned ${job} into ${dir} in ${fmt((Date.now() - started) / 1000, 1)} s`);
    return dir;
  }
  await synthetic(Number(opt("synthetic", 20_000)), Number(opt("per-batch", 1000)), dir);
  return dir;
}

const dir = await planFolder();
const file = await lib.readPlanFile(dir);
let bytes = 0;
for (const b of file.batches) bytes += statSync(path.join(dir, b.file)).size;
const emulator = await lib.startEmulator({
  timeScale,
  maxQueued,
  counter: quickCounter,
  sim: { startDelayMs: 60_000, startDelayJitterMs: 60_000 },
});
const profDir = flag("cpu-prof") ? path.join(dir, "..", "cpu-prof") : undefined;
const nodeArgs = [
  ...(heap ? [`--max-old-space-size=${heap}`] : []),
  ...(profDir ? ["--cpu-prof", `--cpu-prof-dir=${profDir}`] : []),
];
const run = await timedCli(
  [
    "submit",
    dir,
    "--no-report",
    ...(flag("verbose") ? ["--json"] : ["--quiet"]),
    "--poll-interval",
    "200",
    "--max-queued",
    String(maxQueued),
  ],
  { ANTHROPIC_API_KEY: "bench-key", ANTHROPIC_BASE_URL: emulator.url },
  nodeArgs,
);
const stats = emulator.stats();
await emulator.close();
const state = await lib.readRunState(dir);
const downloaded = state?.batches.filter((b) => b.state === "downloaded").length ?? 0;
const mb = (x) => `${fmt(x / 2 ** 20)} MB`;
console.log(
  [
    `requests         ${fmt(file.summary.planned)} in ${fmt(file.batches.length)} batches (${fmt(downloaded)} downloaded, ${fmt(stats.batchesCreated)} created)`,
    `batch files      ${mb(bytes)}`,
    `submit           ${fmt(run.seconds, 1)} s (exit ${run.code}${heap ? `, --max-old-space-size=${heap}` : ""})`,
    `peak RSS         ${mb(run.rss)}  (${fmt((100 * run.rss) / bytes, 1)}% of the batch files)`,
  ].join("\n"),
);
if (profDir) {
  const prof = readdirSync(profDir).find((f) => f.endsWith(".cpuprofile"));
  if (prof) console.log(profileSummary(path.join(profDir, prof), 15));
}
process.exitCode = run.code === 0 && downloaded === file.batches.length ? 0 : 1;
