/** The package version in `--json` documents (internal); the version itself has one home. */
import { VERSION } from "../index.js";

export { VERSION };

/**
 * A `--json` document: `value` with the package version as `cacheplanVersion` first. The key is
 * not `version` because plan.json, run.json and the report already use `version` for the version
 * of their format.
 */
export function jsonDocument(value: object): string {
  return `${JSON.stringify({ cacheplanVersion: VERSION, ...value }, null, 2)}\n`;
}
