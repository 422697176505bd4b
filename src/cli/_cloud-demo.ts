/**
 * `cacheplan demo --target vertex|bedrock` (internal, issue 15): the built-in sample job planned
 * for the cloud, estimated with its rows, submitted through the real SDKs to the offline emulator
 * on 127.0.0.1 (throwaway credentials, nothing leaves the machine), and reported.
 */
import { generateKeyPairSync } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { startBedrockEmulator, startVertexEmulator } from "../exports/sim.js";
import { loadTarget } from "../exports/targets.js";
import {
  bedrockAlternative,
  estimate,
  modelTableOf,
  plan,
  readJsonl,
  renderPlan,
  renderReportText,
  report,
  sampleRequests,
  submit,
  writePlan,
} from "../index.js";
import { type CliIo, write } from "./_context.js";
import { type ExitCode, exitCodeOf } from "./_exit.js";
import { progressMode, progressPrinter } from "./_progress.js";

/** Settings of the cloud demo. */
export interface CloudDemoSettings {
  target: "vertex" | "bedrock";
  timeScale: number;
  seed: number;
  /** Keep the plan folder here (absolute), else a temp folder removed at the end. */
  dir: string | undefined;
  quiet: boolean;
  full: boolean;
}

const usd = (x: number) => `$${x.toFixed(x >= 10 ? 2 : 3)}`;

/** A throwaway service-account key that signs its own JWTs (no token endpoint is ever called). */
function throwawayGoogleAuth() {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return {
    credentials: {
      type: "service_account",
      client_email: "demo@demo-project.iam.gserviceaccount.com",
      private_key: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
      universe_domain: "emulator.test",
    },
    universeDomain: "emulator.test",
  };
}

async function clientFor(s: CloudDemoSettings, url: string) {
  const target = await loadTarget(s.target);
  const common = { baseURL: url, maxRetries: 2, timeScale: s.timeScale };
  if (s.target === "bedrock")
    return target.createClient({
      ...common,
      region: "us-east-1",
      bucket: "s3://demo-jobs/cacheplan",
      roleArn: "arn:aws:iam::000000000000:role/demo",
      credentials: { accessKeyId: "demo", secretAccessKey: "demo" },
    } as never);
  return target.createClient({
    ...common,
    project: "demo-project",
    location: "us-east5",
    bucket: "gs://demo-jobs/cacheplan",
    googleAuthOptions: throwawayGoogleAuth(),
  } as never);
}

/** Runs the demo; the plan folder is removed at the end unless kept. */
export async function runCloudDemo(s: CloudDemoSettings, io: CliIo): Promise<ExitCode> {
  const root = s.dir ? undefined : await mkdtemp(path.join(tmpdir(), "cacheplan-demo-"));
  const dir = s.dir ?? path.join(root!, "plan");
  const target = await loadTarget(s.target);
  const models = modelTableOf(target);
  const options = { port: 0, timeScale: s.timeScale, seed: s.seed };
  const emulator =
    s.target === "bedrock"
      ? await startBedrockEmulator({ ...options, buckets: ["demo-jobs"] })
      : await startVertexEmulator(options);
  try {
    const requests = sampleRequests();
    const planned = await plan(requests, { target: s.target });
    await writePlan(planned, dir);
    const estimated = await estimate(planned, { models, sensitivity: false });
    const sc = estimated.total.scenarios;
    const alt = await bedrockAlternative(planned, { models });
    if (!s.quiet)
      await write(
        io.stdout,
        [
          `cacheplan demo --target ${s.target}: the sample job on the offline ${target.name} emulator`,
          "(127.0.0.1, the real SDKs with throwaway credentials; nothing leaves this machine).",
          "",
          `1. Plan (${requests.length} requests):`,
          renderPlan(planned)
            .split("\n")
            .map((l) => `   ${l}`)
            .join("\n"),
          `2. Estimate: ${usd(sc.planned.usd)} planned, ${usd(sc.batch.usd)} in batch without caching, ${usd(sc.standard.usd)} on demand.${alt ? ` On demand with caching: ${usd(alt.onDemandCached)}; best mix ${usd(alt.bestMix)}.` : ""}`,
          "3. Submit:",
          "",
        ].join("\n"),
      );
    const printer = progressPrinter(io, progressMode(io, { quiet: s.quiet }));
    const result = await submit(planned, {
      client: (await clientFor(s, emulator.url)) as object,
      planDir: dir,
      poll: { intervalMs: 20, maxIntervalMs: 100, factor: 1.5 },
      onProgress: printer.on,
    }).finally(printer.finish);
    async function* lines() {
      for (const file of result.resultsFiles)
        yield* readJsonl(path.join(dir, file), { source: file });
    }
    // `report()` reads the target's lines through its `readResult`.
    const achieved = await report(lines(), {
      plan: planned,
      estimate: estimated,
      models,
    });
    const text = renderReportText(achieved);
    await write(
      io.stdout,
      `\n4. Report${s.full ? "" : " (summary; `--full` for all of it)"}:\n\n${s.full ? text : `${text.split("\n\n")[0]}\n`}`,
    );
    return exitCodeOf({ command: "demo", stopped: false, signal: null });
  } finally {
    await emulator.close();
    if (root) await rm(root, { recursive: true, force: true });
  }
}
