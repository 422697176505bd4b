/**
 * The Anthropic Message Batches API target: every fact of that API lives in this folder, one
 * module per concern (limits, format, caching, batch-only rules, prices).
 */
export * from "./batch-rules.js";
export * from "./caching.js";
export * from "./format.js";
export * from "./limits.js";
export * from "./prices.js";
