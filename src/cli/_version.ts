/**
 * The package version (internal), read from package.json in one place: `src/cli/` and
 * `dist/cli/` both sit two folders below it, and package.json is always in the package.
 */
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

/** The version of the installed cacheplan package, e.g. `"0.1.0"`. */
export const VERSION: string = (require("../../package.json") as { version: string }).version;

/**
 * A `--json` document: `value` with the package version as `cacheplanVersion` first. The key is
 * not `version` because plan.json, run.json and the report already use `version` for the version
 * of their format.
 */
export function jsonDocument(value: object): string {
  return `${JSON.stringify({ cacheplanVersion: VERSION, ...value }, null, 2)}\n`;
}
