/**
 * The Bedrock clients, made on demand: `@aws-sdk/client-bedrock` (the job calls) and
 * `@aws-sdk/client-s3` (the JSONL files), imported only here and only when a client is asked for.
 * Credentials and region come from the AWS SDK's default chains (env, profile, IMDS); never
 * written anywhere. What a run needs besides (the `s3://` location, the service role) comes from
 * the options or the environment: `CACHEPLAN_BUCKET`, `CACHEPLAN_ROLE_ARN`, and
 * `CACHEPLAN_BEDROCK_ENDPOINT` for a local emulator (both clients, S3 path-style).
 */
import { type CloudClientOptions, type CloudRunConfig, cloudRunConfig } from "../_cloud-client.js";
import { importPeer } from "../peer.js";

/** Where and as whom a run's jobs go (`bucket`: `s3://bucket/prefix`). */
export interface BedrockRunConfig extends CloudRunConfig {
  /** The IAM service role Bedrock assumes to read and write the bucket (`--role-arn`). */
  roleArn: string | undefined;
}

/** What a Bedrock run needs. */
export interface BedrockClients {
  bedrock: import("@aws-sdk/client-bedrock").BedrockClient;
  s3: import("@aws-sdk/client-s3").S3Client;
  config: BedrockRunConfig;
}

/** Options beyond the common ones. */
export interface BedrockClientOptions extends CloudClientOptions {
  region?: string;
  /** Another S3 endpoint (the emulator); path-style addressing is used with it. */
  s3Endpoint?: string;
  roleArn?: string;
  /** Static credentials instead of the SDK's chain (the offline demo's throwaway ones). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/** The two clients and the run's settings; `baseURL` replaces both endpoints (`s3Endpoint` S3's alone). */
export async function createClient(options: BedrockClientOptions = {}): Promise<BedrockClients> {
  const { BedrockClient } = await importPeer(
    () => import("@aws-sdk/client-bedrock"),
    "@aws-sdk/client-bedrock",
    "3",
    "--target bedrock",
  );
  const { S3Client } = await importPeer(
    () => import("@aws-sdk/client-s3"),
    "@aws-sdk/client-s3",
    "3",
    "--target bedrock",
  );
  const env = process.env;
  const region = options.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  const run = cloudRunConfig(options, "CACHEPLAN_BEDROCK_ENDPOINT");
  const endpoint = run.endpoint;
  // The emulator serves both: `baseURL` points S3 there too unless `s3Endpoint` says otherwise.
  const s3Endpoint = options.s3Endpoint ?? endpoint;
  const common = {
    ...(region ? { region } : {}),
    ...(options.maxRetries === undefined ? {} : { maxAttempts: options.maxRetries + 1 }),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  };
  return {
    bedrock: new BedrockClient({ ...common, ...(endpoint ? { endpoint } : {}) }),
    s3: new S3Client({
      ...common,
      ...(s3Endpoint ? { endpoint: s3Endpoint, forcePathStyle: true } : {}),
    }),
    config: { ...run, roleArn: options.roleArn ?? env.CACHEPLAN_ROLE_ARN },
  };
}
