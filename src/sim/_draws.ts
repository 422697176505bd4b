/**
 * The seeded random streams of `simulate()` and the emulator (internal), one per purpose, so that
 * changing one parameter keeps the other draws; both use the same streams in the same order, so
 * one batch created alone in the emulator draws what `simulate()` draws for it.
 */
import { seededRandom } from "../util/random.js";

/** The `errored` result injected into a request (`errorRate`), or `null`. */
export type Fault = "api_error" | "overloaded_error" | null;

/** The processing loop's draws (start delays, queue order, slot jitter) and the fault draws. */
export interface SimStreams {
  timing: () => number;
  faults: () => number;
}

export function simStreams(seed: number): SimStreams {
  return {
    timing: seededRandom(seed ^ 0x7131_0001),
    faults: seededRandom(seed ^ 0x7131_0002),
  };
}

/** Whether one request gets an injected fault, and which: at most two draws from `faults`. */
export function drawFault(faults: () => number, errorRate: number): Fault {
  if (errorRate > 0 && faults() < errorRate) {
    return faults() < 0.5 ? "api_error" : "overloaded_error";
  }
  return null;
}
