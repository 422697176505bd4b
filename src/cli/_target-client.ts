/**
 * The client of the batch system a plan is for (internal): for the Anthropic API the key and
 * endpoint of the environment (`_client.ts`); for another target its own `createClient()`, which
 * reads that system's environment (project, region, key). `injected` (tests) wins.
 */
import { loadTarget } from "../exports/targets.js";
import { apiClient } from "./_client.js";
import type { CliIo } from "./_context.js";

/** The client to submit or cancel a plan of `target` with. */
export async function targetClient(
  io: CliIo,
  target: string,
  keyMessage: string,
  injected?: object,
): Promise<object> {
  if (injected) return injected;
  if (target === "anthropic") return apiClient(io, keyMessage);
  const loaded = await loadTarget(target as Parameters<typeof loadTarget>[0]);
  return (await loaded.createClient({})) as object;
}
