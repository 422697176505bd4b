/**
 * HTTP faults the emulator injects (internal): which exchanges fail, drawn per request from a
 * seeded stream, and the replies the API gives for them.
 */
import { seededRandom } from "../util/random.js";
import { errorReply, type Reply } from "./_emulator-api.js";
import { check, checkedNonNegative } from "./_emulator-checks.js";
import { EMULATOR_ROUTES, type EmulatorRoute } from "./_emulator-routes.js";

/**
 * A fault the emulator can inject into an HTTP exchange:
 * - `"429"`: `rate_limit_error` with a `retry-after` header;
 * - `"500"`: `api_error`;
 * - `"529"`: `overloaded_error`;
 * - `"drop"`: the connection is closed without a response, before anything is done;
 * - `"lost-response"`: the request is carried out (a batch is created, canceled, deleted, …),
 *   then the connection is closed without a response, as when a response is lost on the way back.
 *
 * Every fault but `"lost-response"` happens before the request has any effect, so a client that
 * retries never creates a batch twice; `"lost-response"` is the case a runner must detect by
 * listing, and `EmulatorStats.lostResponses` records it.
 */
export type EmulatorFaultKind = "429" | "500" | "529" | "drop" | "lost-response";

/** Which HTTP exchanges fail, and how. */
export interface EmulatorFaultOptions {
  /** Share of HTTP requests that get a fault, drawn per request from `seed`; 0 to 1. */
  rate: number;
  /**
   * The faults to draw from, uniformly.
   * @default ["429", "500", "529", "drop"]
   */
  kinds?: readonly EmulatorFaultKind[];
  /**
   * Routes that can fail, by SDK method name (e.g. `"batches.create"`).
   * @default every route
   */
  routes?: readonly EmulatorRoute[];
  /**
   * Seconds in the `retry-after` header of a 429 and a 529; the SDK waits that long before it
   * retries. Fractions are allowed (the SDK parses them; the API sends whole seconds).
   * @default 1
   */
  retryAfterSeconds?: number;
  /**
   * When set, every 429, 500 and 529 also carries `retry-after-ms`, which the SDK prefers to
   * `retry-after` (client.js `retryRequest()`): lets tests retry in milliseconds. The API does not
   * send it.
   * @default undefined
   */
  retryAfterMs?: number;
  /**
   * Seed of the fault draws.
   * @default the emulator's `seed`
   */
  seed?: number;
}

const FAULT_KINDS: readonly EmulatorFaultKind[] = ["429", "500", "529", "drop", "lost-response"];
const DEFAULT_FAULT_KINDS: readonly EmulatorFaultKind[] = ["429", "500", "529", "drop"];

/**
 * `anthropic-ratelimit-requests-limit` of an injected 429. The emulator counts no requests per
 * minute; the value is the Start tier's batch RPM (reference §5.6), so the headers have their
 * documented shape (https://docs.claude.com/en/api/rate-limits "Response headers").
 */
const NOMINAL_RPM = 1000;

interface ResolvedFaults {
  rate: number;
  kinds: readonly EmulatorFaultKind[];
  routes: ReadonlySet<EmulatorRoute> | null;
  retryAfterSeconds: number;
  retryAfterMs: number | undefined;
  random: () => number;
}

function resolveFaults(faults: EmulatorFaultOptions | undefined, seed: number): ResolvedFaults {
  const f = faults ?? { rate: 0 };
  check(f.rate >= 0 && f.rate <= 1, "faults.rate", "a probability in [0, 1]", f.rate);
  const kinds = f.kinds ?? DEFAULT_FAULT_KINDS;
  check(
    kinds.length > 0 && kinds.every((k) => FAULT_KINDS.includes(k)),
    "faults.kinds",
    `a non-empty list of ${FAULT_KINDS.map((k) => `"${k}"`).join(", ")}`,
    kinds,
  );
  const retryAfterSeconds = f.retryAfterSeconds ?? 1;
  checkedNonNegative(retryAfterSeconds, "faults.retryAfterSeconds", "a number ≥ 0");
  if (f.retryAfterMs !== undefined) {
    checkedNonNegative(f.retryAfterMs, "faults.retryAfterMs", "a number ≥ 0");
  }
  check(
    f.routes === undefined || f.routes.every((r) => EMULATOR_ROUTES.includes(r)),
    "faults.routes",
    `a list of ${EMULATOR_ROUTES.map((r) => `"${r}"`).join(", ")}`,
    f.routes,
  );
  return {
    rate: f.rate,
    kinds,
    routes: f.routes ? new Set(f.routes) : null,
    retryAfterSeconds,
    retryAfterMs: f.retryAfterMs,
    random: seededRandom((f.seed ?? seed) ^ 0xfa_0175),
  };
}

/** Draws the faults of HTTP exchanges, counts them, and answers the ones with a reply. */
export class FaultInjector {
  readonly #seed: number;
  readonly #wallNow: () => number;
  #faults: ResolvedFaults;
  /** Faults injected, per kind. */
  readonly injected: Record<EmulatorFaultKind, number> = {
    "429": 0,
    "500": 0,
    "529": 0,
    drop: 0,
    "lost-response": 0,
  };

  /** `wallNow` dates the rate-limit reset of a 429. */
  constructor(faults: EmulatorFaultOptions | undefined, seed: number, wallNow: () => number) {
    this.#seed = seed;
    this.#wallNow = wallNow;
    this.#faults = resolveFaults(faults, seed);
  }

  /** Replaces the fault options; `undefined` turns faults off. */
  set(faults: EmulatorFaultOptions | undefined): void {
    this.#faults = resolveFaults(faults, this.#seed);
  }

  /** The fault of one exchange on `route`, counted, or `null`. */
  draw(route: EmulatorRoute | "unknown"): EmulatorFaultKind | null {
    const faults = this.#faults;
    if (faults.rate === 0 || route === "unknown") return null;
    if (faults.routes !== null && !faults.routes.has(route)) return null;
    if (faults.random() >= faults.rate) return null;
    const kind = faults.kinds[Math.floor(faults.random() * faults.kinds.length)]!;
    this.injected[kind] += 1;
    return kind;
  }

  /** The API's reply for an injected 429, 500 or 529. */
  reply(kind: "429" | "500" | "529"): Reply {
    const faults = this.#faults;
    const headers: Record<string, string> = { "x-should-retry": "true" };
    if (kind !== "500") headers["retry-after"] = String(faults.retryAfterSeconds);
    if (faults.retryAfterMs !== undefined) headers["retry-after-ms"] = String(faults.retryAfterMs);
    if (kind === "429") {
      // Rate-limit headers as the API sends them on a 429 (docs.claude.com/en/api/rate-limits,
      // "Response headers"; a recorded 429 in anthropics/anthropic-sdk-typescript#357).
      headers["anthropic-ratelimit-requests-limit"] = String(NOMINAL_RPM);
      headers["anthropic-ratelimit-requests-remaining"] = "0";
      headers["anthropic-ratelimit-requests-reset"] = new Date(
        this.#wallNow() + faults.retryAfterSeconds * 1000,
      ).toISOString();
      return errorReply(
        429,
        "rate_limit_error",
        "Number of requests has exceeded your rate limit (emulated fault).",
        headers,
      );
    }
    if (kind === "529")
      return errorReply(529, "overloaded_error", "Overloaded (emulated fault).", headers);
    return errorReply(500, "api_error", "Internal server error (emulated fault).", headers);
  }
}
