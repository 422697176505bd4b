/**
 * The estimate of a large plan folder (issue 14 item 3): runs `cacheplan estimate <folder>
 * --json` in a child process and prints its wall time, peak RSS, requests and GB of batch files,
 * beside a baseline measured in the same run: the time to read and SHA-256 every batch file once
 * (what any verified read of the plan costs, on one core).
 *
 *   npm run bench:estimate-scale -- <plan folder> [--heap <MB>]
 *
 * Without a folder it plans a generated job of 20,000 requests (~6 KB each) into a temp folder
 * first. `--heap` runs the child with `--max-old-space-size` (e.g. 256, to show the plan is not
 * held whole).
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
// `CACHEPLAN_BENCH_CLI` runs another build of the CLI (e.g. one built to a temp folder).
const cli = process.env.CACHEPLAN_BENCH_CLI ?? path.join(root, "dist", "cli", "main.js");
const args = process.argv.slice(2);
const heapAt = args.indexOf("--heap");
const heap = heapAt >= 0 ? Number(args[heapAt + 1]) : undefined;
let folder = args.find((a, k) => !a.startsWith("--") && (heapAt < 0 || k !== heapAt + 1));
let temp;

if (folder === undefined) {
  temp = await mkdtemp(path.join(tmpdir(), "cacheplan-estimate-scale-"));
  const lines = [];
  const systems = Array.from(
    { length: 8 },
    (_, g) => `Profile ${g}. ${"Follow these rules. ".repeat(200)}`,
  );
  for (let i = 0; i < 20_000; i++) {
    lines.push(
      JSON.stringify({
        custom_id: `r${i}`,
        params: {
          model: "claude-haiku-4-5",
          max_tokens: 100,
          system: systems[i % 8],
          messages: [
            { role: "user", content: `Item ${i}. ${"unique text ".repeat(150 + (i % 50))}` },
          ],
        },
      }),
    );
  }
  await writeFile(path.join(temp, "job.jsonl"), `${lines.join("\n")}\n`);
  folder = path.join(temp, "plan");
  const planned = spawnSync(
    process.execPath,
    [cli, "plan", path.join(temp, "job.jsonl"), "--out", folder],
    {
      stdio: ["ignore", "ignore", "inherit"],
    },
  );
  if (planned.status !== 0) throw new Error("planning the generated job failed");
}

const plan = JSON.parse(await readFile(path.join(folder, "plan.json"), "utf8"));
const requests = plan.batches.reduce((s, b) => s + b.requestCount, 0);
const bytes = plan.batches.reduce((s, b) => s + b.bytes, 0);

// Baseline: read and hash every batch file once, in this process.
let t = performance.now();
for (const b of plan.batches) {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path.join(folder, b.file))) hash.update(chunk);
  hash.digest();
}
const baseline = (performance.now() - t) / 1000;

t = performance.now();
const child = spawnSync(
  "/usr/bin/time",
  [
    "-v",
    process.execPath,
    ...(heap ? [`--max-old-space-size=${heap}`] : []),
    cli,
    "estimate",
    folder,
    "--json",
  ],
  { encoding: "utf8", maxBuffer: 1 << 28 },
);
const wall = (performance.now() - t) / 1000;
if (child.status !== 0) {
  process.stderr.write(child.stderr);
  throw new Error(`cacheplan estimate exited with ${child.status}`);
}
const rss =
  Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(child.stderr)?.[1] ?? 0) / 1024;
const seconds = (name) =>
  Number(new RegExp(`${name} time \\(seconds\\): ([\\d.]+)`).exec(child.stderr)?.[1] ?? 0);
const cpu = seconds("User") + seconds("System");
const estimate = JSON.parse(child.stdout);
const planned = estimate.total.scenarios.planned;

console.log(`plan folder        ${folder}`);
console.log(`requests           ${requests.toLocaleString("en-US")}`);
console.log(`batch files        ${(bytes / 1e9).toFixed(2)} GB in ${plan.batches.length} files`);
console.log(
  `estimate           ${wall.toFixed(1)} s wall, peak RSS ${rss.toFixed(0)} MB${heap ? ` (heap limit ${heap} MB)` : ""}`,
);
console.log(
  `cpu time           ${cpu.toFixed(1)} s, user + system over all threads (on idle cores the wall time is about this over the cores used)`,
);
console.log(
  `baseline           ${baseline.toFixed(1)} s to read and SHA-256 the batch files once (one core)`,
);
console.log(`ratio              ${(wall / baseline).toFixed(2)}x the baseline`);
console.log(
  `memory             ${((rss * 1024 * 1024) / requests).toFixed(0)} bytes of peak RSS per request`,
);
console.log(
  `sampled            ${estimate.count.sampledRequests.toLocaleString("en-US")} of ${estimate.count.requests.toLocaleString("en-US")} tails tokenized`,
);
console.log(
  `planned            $${planned.usd.toFixed(2)} ± $${planned.usdMargin95.toFixed(4)} (range $${planned.usdRange.low.toFixed(2)} to $${planned.usdRange.high.toFixed(2)})`,
);
if (temp) await rm(temp, { recursive: true, force: true });
