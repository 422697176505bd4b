/**
 * The optional peer SDKs (`openai`, `@google/genai`, `@google-cloud/storage`,
 * `@aws-sdk/client-bedrock`, `@aws-sdk/client-s3`) are imported only when a target's client or
 * backend is made. One that is not installed becomes an `OptionsError` that says what to install,
 * instead of Node's bare `ERR_MODULE_NOT_FOUND`.
 */
import { OptionsError } from "../errors.js";

/** Whether `error` is Node's "cannot find" for the package `name` itself (not one it imports). */
function missingPackage(error: unknown, name: string): boolean {
  const e = error as { code?: unknown; message?: unknown } | null;
  if (e?.code !== "ERR_MODULE_NOT_FOUND") return false;
  // Node quotes the specifier: `Cannot find package 'openai' imported from …`.
  const message = String(e.message ?? "");
  return message.includes(`'${name}'`) || message.includes(`'${name}/`);
}

/**
 * Runs `load` — keep it a literal `() => import("name")` so bundlers see the import — and gives
 * its module. When the package `name` is not installed, throws an `OptionsError` naming it, the
 * version range to install (`range`, e.g. `"6"`) and what needs it (`neededBy`, e.g.
 * `"--target openai"`); any other failure is rethrown unchanged.
 */
export async function importPeer<T>(
  load: () => Promise<T>,
  name: string,
  range: string,
  neededBy: string,
): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (!missingPackage(error, name)) throw error;
    throw new OptionsError(
      `${neededBy} needs the optional package ${name} (version ${range}), which is not installed: run \`npm install ${name}@${range}\`.`,
      { cause: error },
    );
  }
}
