/**
 * The client of the batch system a plan is for (internal): for the Anthropic API the key and
 * endpoint of the environment (`_client.ts`); for another target its own `createClient()`, which
 * reads that system's environment (project, region, key). `injected` (tests) wins.
 */
import { type ClientOptions, loadTarget } from "../exports/targets.js";
import { apiClient } from "./_client.js";
import { type CliIo, UsageError } from "./_context.js";

/** Where a cloud target's batch files go and the role its jobs run as (`--bucket`, `--role-arn`). */
export interface CloudPlace {
  bucket?: string | undefined;
  roleArn?: string | undefined;
}

/** The client to submit or cancel a plan of `target` with. */
export async function targetClient(
  io: CliIo,
  target: string,
  keyMessage: string,
  injected?: object,
  place: CloudPlace = {},
): Promise<object> {
  checkPlace(target, place);
  if (injected) return injected;
  if (target === "anthropic") return apiClient(io, keyMessage);
  const loaded = await loadTarget(target as Parameters<typeof loadTarget>[0]);
  // Vertex and Bedrock clients take `bucket` (and Bedrock `roleArn`) beyond the common options.
  const options: ClientOptions & CloudPlace = {
    ...(place.bucket ? { bucket: place.bucket } : {}),
    ...(place.roleArn ? { roleArn: place.roleArn } : {}),
  };
  return (await loaded.createClient(options)) as object;
}

/** `--bucket` and `--role-arn` only where the target uses them. */
function checkPlace(target: string, place: CloudPlace): void {
  if (place.bucket && target !== "vertex" && target !== "bedrock") {
    throw new UsageError(
      `\`--bucket\` is where Vertex AI and Amazon Bedrock batch files go; this plan is for ${target}, which takes the requests directly. Leave it out.`,
    );
  }
  if (place.roleArn && target !== "bedrock") {
    throw new UsageError(
      `\`--role-arn\` is the IAM role an Amazon Bedrock job runs as; this plan is for ${target}. Leave it out.`,
    );
  }
}
