/**
 * The version of this cacheplan package, read from package.json in one place. `src/version.ts`
 * and `dist/version.js` both sit one folder below the package root, and package.json is always in
 * the package (npm ships it whatever `files` says).
 */
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

/** The version of the installed cacheplan package, e.g. `"0.1.0"`. */
export const VERSION: string = (require("../package.json") as { version: string }).version;
