/**
 * `cacheplan emulate --target vertex|bedrock` (internal, issue 15 item 4): the Vertex AI or Amazon
 * Bedrock emulator on 127.0.0.1 until Ctrl-C, with how to point the SDKs at it.
 */
import { startBedrockEmulator, startVertexEmulator } from "../exports/sim.js";
import { type CliIo, write } from "./_context.js";
import { type ExitCode, exitCodeOf } from "./_exit.js";
import { untilStopSignal } from "./_signals.js";

/** Settings of a cloud emulator from the command line. */
export interface CloudEmulateSettings {
  target: "vertex" | "bedrock";
  port: number;
  timeScale: number;
  seed: number;
}

/** How to reach the emulator, per target. */
function banner(s: CloudEmulateSettings, url: string): string {
  const lines =
    s.target === "bedrock"
      ? [
          `Amazon Bedrock batch inference emulator (S3 + Bedrock control plane) on ${url}`,
          `  time scale ${s.timeScale} simulated ms per real ms; seed ${s.seed}; no prompt caching in batch jobs; at least 100 records per job`,
          "  Point cacheplan at it:",
          `    export CACHEPLAN_BEDROCK_ENDPOINT=${url} AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test`,
          "    export CACHEPLAN_BUCKET=s3://jobs/cacheplan CACHEPLAN_ROLE_ARN=arn:aws:iam::000000000000:role/test",
          "  The SDKs: @aws-sdk/client-bedrock { endpoint }, @aws-sdk/client-s3 { endpoint, forcePathStyle: true }.",
        ]
      : [
          `Vertex AI batch prediction emulator (Cloud Storage + batchPredictionJobs) on ${url}`,
          `  time scale ${s.timeScale} simulated ms per real ms; seed ${s.seed}; caching as Anthropic's; 4 jobs at once per project`,
          "  Point cacheplan at it:",
          `    export CACHEPLAN_VERTEX_ENDPOINT=${url} GOOGLE_CLOUD_PROJECT=test-project GOOGLE_CLOUD_LOCATION=us-east5`,
          "    export CACHEPLAN_BUCKET=gs://jobs/cacheplan",
          "  The SDKs: @google/genai { vertexai: true, httpOptions: { baseUrl } }, @google-cloud/storage { apiEndpoint }.",
          "  @google/genai still signs its calls: give it credentials that need no token endpoint (a service-account key with a non-default universe_domain).",
        ];
  return `${lines.join("\n")}\nPress Ctrl-C to stop.\n`;
}

/** Serves the emulator until stopped. */
export async function runCloudEmulator(
  s: CloudEmulateSettings,
  io: CliIo,
  stop: Promise<void> = untilStopSignal(),
): Promise<ExitCode> {
  const options = { port: s.port, timeScale: s.timeScale, seed: s.seed };
  const emulator =
    s.target === "bedrock"
      ? await startBedrockEmulator(options)
      : await startVertexEmulator(options);
  try {
    await write(io.stdout, banner(s, emulator.url));
    await stop;
  } finally {
    await emulator.close();
  }
  await write(
    io.stdout,
    `Stopped after ${emulator.jobs().size} job${emulator.jobs().size === 1 ? "" : "s"}.\n`,
  );
  return exitCodeOf({ command: "done" });
}
