/**
 * The version of this cacheplan package, as package.json gives it (a test keeps the two equal).
 * A constant, not read from package.json at run time, so that it holds wherever the modules are
 * compiled or bundled to.
 */
export const VERSION = "0.1.0";
