/**
 * Choosing the run's backend (internal): the one the caller passed (`backend`), else the plan's
 * target's (`Target.backend`, given the caller's `client`). The Anthropic API's is built here
 * without loading the target registry.
 */
import { OptionsError } from "../errors.js";
import { anthropicBackend } from "../targets/anthropic/backend.js";
import { isTargetId, loadTarget } from "../targets/index.js";
import type { BatchBackend } from "./backend.js";

/** What the options of `submit()` and `cancelRun()` give to choose a backend. */
export interface BackendChoice {
  client?: unknown;
  backend?: BatchBackend | undefined;
}

const METHODS = ["create", "retrieve", "cancel", "results", "list", "newest", "readResult"];

function checkBackend(backend: unknown, target: string): BatchBackend {
  const b = backend as Partial<BatchBackend> | null;
  const missing =
    typeof b !== "object" || b === null
      ? METHODS
      : METHODS.filter((m) => typeof (b as Record<string, unknown>)[m] !== "function");
  if (missing.length > 0 || !(b?.idPattern instanceof RegExp)) {
    throw new OptionsError(
      `\`backend\` must be a \`BatchBackend\` (\`src/run/backend.ts\`); it lacks ${missing.length > 0 ? missing.map((m) => `\`${m}()\``).join(", ") : "`idPattern`"}.`,
    );
  }
  if (b.target !== target) {
    throw new OptionsError(
      `\`backend\` is for ${JSON.stringify(b.target)}, but the plan is for ${JSON.stringify(target)}: submit it with that target's backend, or plan the requests again with \`target: ${JSON.stringify(b.target)}\`.`,
    );
  }
  return b as BatchBackend;
}

function checkAnthropicClient(client: unknown): void {
  if (typeof client !== "object" || client === null || !("messages" in client)) {
    throw new OptionsError(
      "`client` must be an `Anthropic` client from `@anthropic-ai/sdk`, e.g. `new Anthropic()` (it reads `ANTHROPIC_API_KEY`).",
    );
  }
}

/**
 * The backend of a run on `target`.
 *
 * @throws {OptionsError} when neither a usable `backend` nor a `client` of the target is given,
 * or the target has no runner backend.
 */
export async function backendFor(target: string, options: BackendChoice): Promise<BatchBackend> {
  if (options?.backend !== undefined) return checkBackend(options.backend, target);
  if (target === "anthropic") {
    checkAnthropicClient(options?.client);
    return anthropicBackend(options.client as Parameters<typeof anthropicBackend>[0]);
  }
  if (!isTargetId(target)) {
    throw new OptionsError(
      `The plan is for the target ${JSON.stringify(target)}, which this version of cacheplan does not know: submit it with the version that planned it.`,
    );
  }
  const loaded = await loadTarget(target);
  if (typeof loaded.backend !== "function") {
    throw new OptionsError(
      `The target ${JSON.stringify(target)} cannot be submitted by cacheplan yet (it has no runner backend); pass \`backend\` to use your own.`,
    );
  }
  if (options?.client === undefined || options.client === null) {
    throw new OptionsError(
      `\`client\` must be a client of ${loaded.name} (\`createClient()\` of the target makes one), or pass \`backend\`.`,
    );
  }
  return checkBackend(await loaded.backend(options.client), target);
}
