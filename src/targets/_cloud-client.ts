/**
 * What the Vertex and Bedrock clients read the same way (internal): the `gs://` / `s3://`
 * location (`CACHEPLAN_BUCKET`), the endpoint of a local emulator (the target's own variable) and
 * that emulator's time scale (`CACHEPLAN_EMULATOR_TIME_SCALE`), each from the options first.
 */
import type { ClientOptions } from "./target.js";

/** Where a cloud run's files go and which endpoint it talks to. */
export interface CloudRunConfig {
  /** `gs://bucket/prefix` or `s3://bucket/prefix` for input and output files. */
  bucket: string | undefined;
  /** The endpoint both clients use, when not the cloud's own (an emulator). */
  endpoint: string | undefined;
  /** Simulated ms per real ms of a local emulator's clock, to poll on. */
  timeScale: number | undefined;
}

/** Options both cloud clients take beyond the common ones. */
export interface CloudClientOptions extends ClientOptions {
  /** The run's `gs://` or `s3://` location (else `CACHEPLAN_BUCKET`). */
  bucket?: string;
  /** A local emulator's time scale (else `CACHEPLAN_EMULATOR_TIME_SCALE`). */
  timeScale?: number;
}

/** The run settings of `options`, else of the environment (`endpointEnv`: the target's endpoint variable). */
export function cloudRunConfig(options: CloudClientOptions, endpointEnv: string): CloudRunConfig {
  const env = process.env;
  const scale = options.timeScale ?? Number(env.CACHEPLAN_EMULATOR_TIME_SCALE ?? Number.NaN);
  return {
    bucket: options.bucket ?? env.CACHEPLAN_BUCKET,
    endpoint: options.baseURL ?? env[endpointEnv],
    timeScale: Number.isFinite(scale) ? scale : undefined,
  };
}
