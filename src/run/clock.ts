/**
 * Following the emulator's clock (internal). `cacheplan emulate` and `startEmulator()` run batches
 * on a scaled clock (a simulated minute per real millisecond in tests) and say so in a response
 * header, {@link TIME_SCALE_HEADER}. Polling every 10 s, as suits the API (batches take minutes
 * to an hour), would then wait 10 real seconds for batches that ended in 100 ms; so when a poll's
 * answer comes from a server on this machine (loopback) and carries the header, the run divides
 * its poll interval by the scale, never below {@link MIN_SCALED_POLL_MS}. The Anthropic API never
 * sends the header, and a remote server that did is ignored: the scale only ever shortens the
 * waits for a local emulator.
 */
import { TIME_SCALE_HEADER } from "../sim/time-scale.js";

/** The response header in which the emulator gives its time scale (simulated ms per real ms). */

/** Shortest poll interval on a scaled clock: a local emulator answers in about a millisecond. */
export const MIN_SCALED_POLL_MS = 50;

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

/** The time scale an answer from `url` announces in `headers`; 1 without one, or not local. */
export function timeScaleOf(url: string, headers: { get(name: string): string | null }): number {
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    return 1;
  }
  if (!LOOPBACK.has(host)) return 1;
  const scale = Number(headers.get(TIME_SCALE_HEADER));
  return Number.isFinite(scale) && scale > 1 ? scale : 1;
}

/** A poll interval on a clock running `scale` times as fast, bounded below. Pure. */
export function scaledInterval(ms: number, scale: number): number {
  if (!(scale > 1)) return ms;
  return Math.max(Math.min(ms, MIN_SCALED_POLL_MS), ms / scale);
}

/**
 * Awaits an SDK call and passes the time scale its answer announces to `onScale`. A client
 * whose calls are not the SDK's promises (no `withResponse()`) is awaited as it is.
 */
export async function withTimeScale<T>(
  call: Promise<T>,
  onScale: (scale: number) => void,
): Promise<T> {
  const sdk = call as Promise<T> & {
    withResponse?: () => Promise<{ data: T; response: Response }>;
  };
  if (typeof sdk.withResponse !== "function") return call;
  const { data, response } = await sdk.withResponse();
  onScale(timeScaleOf(response.url, response.headers));
  return data;
}
