/**
 * `cacheplan/sim`: the cache model under `simulate()` and the emulator, for experiments of your
 * own: `CacheState` (prefix entries with TTLs, the lookback window, per-request usage) and the
 * simulator's parameters with their defaults, and the parts of `SimResult` (per request, batch,
 * wave, prewarm). `simulate()`, `SimResult` and `startEmulator()` are at the root.
 */

// Offline emulators of Vertex AI batch prediction and Amazon Bedrock batch inference (issue 15).
export {
  type BedrockEmulator,
  type BedrockEmulatorOptions,
  startBedrockEmulator,
} from "../sim/bedrock/emulator.js";
export {
  type CacheEntry,
  type CacheLookup,
  type CacheSource,
  CacheState,
  type CacheStateOptions,
  type CacheUsage,
  type CacheWrite,
  type Preparation,
  type PreparedRequest,
  type ResolvedBreakpoint,
  type TtlOrderViolation,
} from "../sim/cache.js";
// The OpenAI API emulator (H16): files, batches and both endpoints on the OpenAI cache model.
export {
  type OpenAIEmulator,
  type OpenAIEmulatorOptions,
  startOpenAIEmulator,
} from "../sim/openai/emulator.js";
export { type ResolvedSimParams, resolveSimParams, SIM_DEFAULTS } from "../sim/params.js";
export type {
  SimBatchResult,
  SimCacheTrace,
  SimPrewarmResult,
  SimRequestResult,
  SimResponse,
  SimTiming,
  SimTokenTotals,
  SimWaveResult,
} from "../sim/results.js";
export {
  startVertexEmulator,
  type VertexEmulator,
  type VertexEmulatorOptions,
} from "../sim/vertex/emulator.js";
