/**
 * The Bedrock clients, made on demand: `@aws-sdk/client-bedrock` (the job calls) and
 * `@aws-sdk/client-s3` (the JSONL files), imported only here and only when a client is asked for.
 * Credentials and region come from the AWS SDK's default chains (env, profile, IMDS); never
 * written anywhere.
 */
import type { ClientOptions } from "../target.js";

/** What a Bedrock run needs. */
export interface BedrockClients {
  bedrock: import("@aws-sdk/client-bedrock").BedrockClient;
  s3: import("@aws-sdk/client-s3").S3Client;
}

/** Options beyond the common ones: region and the emulator's S3 endpoint. */
export interface BedrockClientOptions extends ClientOptions {
  region?: string;
  /** Another S3 endpoint (the emulator); path-style addressing is used with it. */
  s3Endpoint?: string;
}

/** The two clients; `baseURL` replaces the Bedrock control-plane endpoint. */
export async function createClient(options: BedrockClientOptions = {}): Promise<BedrockClients> {
  const { BedrockClient } = await import("@aws-sdk/client-bedrock");
  const { S3Client } = await import("@aws-sdk/client-s3");
  const region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  const common = {
    ...(region ? { region } : {}),
    ...(options.maxRetries === undefined ? {} : { maxAttempts: options.maxRetries + 1 }),
  };
  return {
    bedrock: new BedrockClient({
      ...common,
      ...(options.baseURL ? { endpoint: options.baseURL } : {}),
    }),
    s3: new S3Client({
      ...common,
      ...(options.s3Endpoint ? { endpoint: options.s3Endpoint, forcePathStyle: true } : {}),
    }),
  };
}
