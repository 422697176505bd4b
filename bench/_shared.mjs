/**
 * Helpers the benchmarks share (internal to bench/): seeded mixing for generators, medians and
 * number formats for tables, and a `.cpuprofile` summary.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";

/** 32-bit mix of a few integers (for per-workload, per-group and per-request seeds). */
export function mix(...values) {
  let h = 0x9e3779b9;
  for (const v of values) {
    h = Math.imul(h ^ (v >>> 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/** A whole number from `lo` to `hi`, both included. */
export const between = (random, lo, hi) => lo + Math.floor(random() * (hi - lo + 1));

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
export const fmt = (x, digits = 0) =>
  x.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** The hottest functions of a `.cpuprofile`, by self and by total (inclusive) time. */
export function profileSummary(file, top = 15) {
  const profile = JSON.parse(readFileSync(file, "utf8"));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfOf = new Map();
  for (let k = 0; k < profile.samples.length; k++) {
    const id = profile.samples[k];
    selfOf.set(id, (selfOf.get(id) ?? 0) + (profile.timeDeltas[k] ?? 0));
  }
  const keyOf = (n) => {
    const f = n.callFrame;
    const where = f.url
      ? `${f.url.replace(/^.*\/(dist|node_modules|bench)\//, "$1/")}:${f.lineNumber + 1}`
      : "";
    return `${f.functionName || "(anonymous)"} ${where}`.trim();
  };
  const self = new Map();
  const total = new Map();
  const walk = (id, onStack) => {
    const n = byId.get(id);
    const key = keyOf(n);
    const t = selfOf.get(id) ?? 0;
    self.set(key, (self.get(key) ?? 0) + t);
    const stack = onStack.has(key) ? onStack : new Set(onStack).add(key);
    for (const k of stack) total.set(k, (total.get(k) ?? 0) + t);
    for (const c of n.children ?? []) walk(c, stack);
  };
  walk(profile.nodes[0].id, new Set());
  const all = [...self.values()].reduce((a, b) => a + b, 0);
  const list = (m) =>
    [...m.entries()]
      .filter(([k]) => !/^\((root|program|idle)\)/.test(k))
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(
        ([k, us]) =>
          `    ${fmt(us / 1000).padStart(8)} ms ${fmt((100 * us) / all, 1).padStart(5)}%  ${k}`,
      )
      .join("\n");
  return `  by self time:\n${list(self)}\n  by total time (inclusive):\n${list(total)}`;
}

/** The line a measurement child prints its JSON result on. */
export const RESULT_PREFIX = "BENCH_RESULT ";

/**
 * Runs `script --child mode ...childArgv` in a fresh Node process (with this process's flags plus
 * `extraFlags`) and returns the JSON it printed after `RESULT_PREFIX`, or `{ mode, failed }`.
 */
export function runChild(script, mode, childArgv, extraFlags = []) {
  const run = spawnSync(
    process.execPath,
    [...process.execArgv, ...extraFlags, script, "--child", mode, ...childArgv],
    { encoding: "utf8", maxBuffer: 64 * 2 ** 20 },
  );
  const line = run.stdout?.split("\n").find((l) => l.startsWith(RESULT_PREFIX));
  if (run.status !== 0 || !line) {
    const why = run.signal ? `signal ${run.signal}` : `exit code ${run.status}`;
    const tail = (run.stderr ?? "").trim().split("\n").slice(-6).join("\n    ");
    return { mode, failed: `${why}\n    ${tail}` };
  }
  return JSON.parse(line.slice(RESULT_PREFIX.length));
}
