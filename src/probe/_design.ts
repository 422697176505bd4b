/**
 * The Anthropic probe's design (internal): its prefixes, its requests and the plan that carries
 * its batches. Every prefix starts with the probe's nonce and its step, so no earlier write (of
 * another probe, another user of the workspace) can be read, and the steps cannot read each
 * other's. Each request is as small as the measurement allows: one system block just above the
 * model's minimum carrying the breakpoint, a user turn of a few characters, `max_tokens: 1`.
 *
 * Reference: ../shared/reference/anthropic-caching-and-batches.md facts 4, 7, 14, 15, 16, §10.
 */
import type { BatchRequest, CacheTtl, Plan, PlannedBatch, PlannedGroup } from "../types.js";
import { seededRandom } from "../util/random.js";
import type { ProbeLongOptions } from "./types.js";

/** The design's fixed figures. */
export const PROBE_DEFAULTS = Object.freeze({
  k: 16,
  maxUsd: 0.5,
  /** Margin above the minimum the prefixes are sized to (count_tokens may differ a little from billing). */
  margin: 0.05,
  /** Delays after a synchronous write returned at which its entry is read (visibility). */
  visibilityDelaysMs: Object.freeze([0, 1_000, 3_000, 10_000]),
  /** Reads of a TTL's entries at these fractions of the documented lifetime. */
  ttlFractions: Object.freeze([0.5, 0.9, 1.1]),
  /** Tokens of a request beyond its prefix: the user turn and the message framing. */
  tailTokens: 10,
});

/** `ProbeOptions.long` with its defaults. */
export interface ResolvedLong {
  visibility: boolean;
  ttls: CacheTtl[];
}

/** The `long` option with defaults; `false` or absent: no timed reads. */
export function resolveLong(long: boolean | ProbeLongOptions | undefined): ResolvedLong {
  if (long === undefined || long === false) return { visibility: false, ttls: [] };
  if (long === true) return { visibility: true, ttls: ["5m", "1h"] };
  return { visibility: long.visibility ?? true, ttls: [...(long.ttls ?? ["5m", "1h"])] };
}

/** One timed pair of `--long`: a synchronous write, then one read `delayMs` after it returned. */
export interface TimedPoint {
  /** `d-vis-0`, `d-ttl5m-1`, …: the write's custom id; the read's is this plus `-read`. */
  id: string;
  /** What it bounds. */
  kind: "visibility" | CacheTtl;
  /** TTL of both markers. */
  ttl: CacheTtl;
  /** Delay from the write's return to the read's send, in ms of the provider's clock. */
  delayMs: number;
}

/** The timed pairs of a long design. */
export function timedPoints(long: ResolvedLong): TimedPoint[] {
  const points: TimedPoint[] = [];
  if (long.visibility) {
    PROBE_DEFAULTS.visibilityDelaysMs.forEach((delayMs, j) => {
      points.push({ id: `d-vis-${j}`, kind: "visibility", ttl: "5m", delayMs });
    });
  }
  for (const ttl of long.ttls) {
    const life = ttl === "1h" ? 3_600_000 : 300_000; // reference §3
    PROBE_DEFAULTS.ttlFractions.forEach((f, j) => {
      points.push({ id: `d-ttl${ttl}-${j}`, kind: ttl, ttl, delayMs: Math.round(life * f) });
    });
  }
  return points;
}

const WORDS = (
  "amber basin cedar delta ember fjord grove harbor island juniper kettle lantern meadow " +
  "nectar orchard pebble quarry river saddle timber upland valley willow yonder zephyr " +
  "anchor bramble canyon dune estuary falcon glacier heron inlet jasper knoll lagoon marsh"
).split(" ");

/** `words` filler words, the same for every step and probe (only the first line differs). */
export function filler(words: number): string {
  const random = seededRandom(0x9e0b);
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(WORDS[Math.floor(random() * WORDS.length)]!);
  return out.join(" ");
}

/** The prefix of a step: its first line makes it unique to this probe and step. */
export function prefixText(nonce: string, step: string, words: number): string {
  return `cacheplan probe ${nonce} step ${step}: reference text, not a question.\n${filler(words)}`;
}

/** One probe request: a marked system prefix, a short unique user turn, one output token. */
export function probeRequest(
  customId: string,
  model: string,
  prefix: string,
  ttl: CacheTtl,
  tail: string,
): BatchRequest {
  return {
    custom_id: customId,
    params: {
      model,
      max_tokens: 1,
      system: [{ type: "text", text: prefix, cache_control: { type: "ephemeral", ttl } }],
      messages: [{ role: "user", content: tail }],
    },
  };
}

/** What the design needs to build its requests. */
export interface DesignInput {
  model: string;
  k: number;
  nonce: string;
  /** Filler words per prefix (sized with count_tokens). */
  words: number;
  /** Tokens of a prefix, as counted. */
  prefixTokens: number;
}

/** The requests of the batch steps, by step. */
export function batchRequests(d: DesignInput) {
  const p = (step: string) => prefixText(d.nonce, step, d.words);
  const many = (step: string, role: string, ttl: CacheTtl) =>
    Array.from({ length: d.k }, (_, i) =>
      probeRequest(`${step}-${role}-${i}`, d.model, p(step), ttl, `q${i}`),
    );
  return {
    // (a) A cold batch: every request shares a prefix nobody wrote (the planner's cold mode, 5m).
    cold: many("a", "cold", "5m"),
    // (b) The documented recipe: one primer with a 1h marker in a batch, then the readers
    // (reference fact 16). Readers carry a 5m marker: a read does not depend on it, a miss costs less.
    primer: [probeRequest("b-primer", d.model, p("b"), "1h", "w")],
    readers: many("b", "reader", "5m"),
    // (c) After a synchronous 1h write of the same prefix (reference fact 15, ISS-1475).
    syncReaders: many("c", "reader", "5m"),
  };
}

/** The synchronous write of step (c). */
export function syncWrite(d: DesignInput): BatchRequest {
  return probeRequest("c-write", d.model, prefixText(d.nonce, "c", d.words), "1h", "w");
}

/** The write and the read of a timed pair. */
export function timedRequests(d: DesignInput, point: TimedPoint) {
  const prefix = prefixText(d.nonce, point.id, d.words);
  return {
    write: probeRequest(point.id, d.model, prefix, point.ttl, "w"),
    read: probeRequest(`${point.id}-read`, d.model, prefix, point.ttl, "r"),
  };
}

function batchOf(index: number, wave: number, requests: BatchRequest[]): PlannedBatch {
  const bytes = Buffer.byteLength(JSON.stringify({ requests }));
  return { index, wave, requests, requestCount: requests.length, bytes };
}

function groupOf(
  id: string,
  d: DesignInput,
  requests: BatchRequest[],
  primers: string[],
  why: string,
): PlannedGroup {
  const ttl: CacheTtl = primers.length > 0 ? "1h" : "5m";
  return {
    id,
    model: d.model,
    requests: requests.length,
    sharedTokens: d.prefixTokens,
    breakpoints: [
      {
        id: `${id}.b1`,
        segment: "system[0]",
        depth: 1,
        prefixTokens: d.prefixTokens,
        requests: requests.length,
        ttl,
        mode: primers.length > 0 ? "primed" : "cold",
        origin: "user",
        expectedWrites: primers.length > 0 ? 1 : requests.length,
        expectedReads: primers.length > 0 ? requests.length - 1 : 0,
      },
    ],
    primers,
    inputUnits: {
      uncached: requests.length * d.prefixTokens,
      planned: requests.length * d.prefixTokens,
    },
    why,
    customIds: requests.map((r) => r.custom_id),
  };
}

/**
 * The plan of the batch steps: wave 0 holds the cold batch, the primer and the synchronous
 * write's readers (created right after the write); wave 1 the primer's readers. Not `plan()`'s
 * output: the probe chooses its waves itself, but it is a plan like any other, so `submit()` runs
 * it, resumes it, and `cacheplan status` shows it.
 */
export function probePlan(d: DesignInput): Plan {
  const r = batchRequests(d);
  const batches = [
    batchOf(0, 0, r.cold),
    batchOf(1, 0, r.primer),
    batchOf(2, 0, r.syncReaders),
    batchOf(3, 1, r.readers),
  ];
  const groups = [
    groupOf(
      "g1",
      d,
      r.cold,
      [],
      "(a) cold batch: how many requests of one batch read each other's writes",
    ),
    groupOf(
      "g2",
      d,
      [...r.primer, ...r.readers],
      ["b-primer"],
      "(b) one primer in a batch, then its readers",
    ),
    groupOf("g3", d, r.syncReaders, [], "(c) readers of a synchronous write"),
  ];
  const planned = batches.reduce((n, b) => n + b.requestCount, 0);
  return {
    version: 1,
    options: {
      strategy: "auto",
      ttl: "auto",
      userMarkers: "keep",
      maxRequests: 100_000,
      maxBytes: 256_000_000,
      maxWaves: 2,
      concurrency: 64,
      counter: "count_tokens",
    },
    groups,
    batches,
    warnings: [],
    rejected: [],
    summary: {
      inputRequests: planned,
      planned,
      rejected: 0,
      grouped: planned,
      waves: 2,
      batches: batches.length,
      markersAdded: 0,
      markersRemoved: 0,
      byModel: { [d.model]: planned },
    },
  };
}
