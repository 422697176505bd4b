/**
 * The statistics of the probe (internal): a Wilson score interval for a rate measured on a small
 * sample, and bounds on a threshold (a delay, a lifetime) from hits and misses at measured times.
 */

/** z of a two-sided 95% interval. */
export const Z95 = 1.959963984540054;

/** A rate with its 95% Wilson interval and the counts it comes from. */
export interface RateEstimate {
  /** Successes (requests that read the cache). */
  hits: number;
  /** Trials (requests that succeeded). */
  n: number;
  /** `hits / n`; `null` when `n` is 0. */
  value: number | null;
  /** Lower end of the 95% Wilson score interval (0 when `n` is 0). */
  low: number;
  /** Upper end of the 95% Wilson score interval (1 when `n` is 0). */
  high: number;
}

/**
 * The Wilson score interval of `hits` out of `n` (E. B. Wilson, 1927): unlike `p ± z·√(p(1−p)/n)`
 * it stays inside [0, 1] and is not empty at 0 or n successes, which is where a probe of 16
 * requests mostly lands (e.g. 0/16 → [0, 0.194]).
 */
export function wilson(hits: number, n: number, z = Z95): RateEstimate {
  if (!(Number.isInteger(hits) && Number.isInteger(n) && hits >= 0 && hits <= n)) {
    throw new RangeError(`wilson(${hits}, ${n}): hits must be an integer from 0 to n.`);
  }
  if (n === 0) return { hits, n, value: null, low: 0, high: 1 };
  const p = hits / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // Clamp the rounding at the ends: 0 hits gives exactly 0, n hits exactly 1.
  const low = hits === 0 ? 0 : Math.max(0, centre - half);
  const high = hits === n ? 1 : Math.min(1, centre + half);
  return { hits, n, value: p, low, high };
}

/** One timed observation of a threshold: at `elapsed` (somewhere in [min, max]) it was passed or not. */
export interface TimedObservation {
  /** Least time that can have elapsed at the observation, in ms. */
  min: number;
  /** Most time that can have elapsed at the observation, in ms. */
  max: number;
  /** Whether the threshold had been reached: the entry was readable (visibility) or gone (TTL). */
  reached: boolean;
}

/** Bounds on a threshold: it is above `low` and at most `high` (`null`: no bound that side). */
export interface ThresholdBounds {
  /** The threshold is more than this (ms), from the latest observation not yet past it. */
  low: number | null;
  /** The threshold is at most this (ms), from the earliest observation past it. */
  high: number | null;
  /** True when an observation past the threshold came earlier than one not past it. */
  inconsistent: boolean;
}

/**
 * Bounds a threshold T that is reached at a fixed time: an observation not past it at elapsed
 * time t says T > t ≥ `min`; one past it says T ≤ t ≤ `max`. Conservative on both sides.
 */
export function thresholdBounds(observations: readonly TimedObservation[]): ThresholdBounds {
  let low: number | null = null;
  let high: number | null = null;
  for (const o of observations) {
    if (o.reached) high = high === null ? o.max : Math.min(high, o.max);
    else low = low === null ? o.min : Math.max(low, o.min);
  }
  return { low, high, inconsistent: low !== null && high !== null && low >= high };
}
