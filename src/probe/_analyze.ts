/**
 * What the probe measured (internal): per quantity the estimate with its 95% interval or bounds,
 * the raw counts, what the documentation says, what cacheplan's model assumes, and whether the
 * measurement contradicts it. Pure: the responses' usage in, measurements out.
 *
 * Reference: ../shared/reference/anthropic-caching-and-batches.md facts 4, 7, 14, 15, 16, §10.
 */
import type { CacheTtl } from "../types.js";
import { type ResolvedLong, type TimedPoint, timedPoints } from "./_design.js";
import type { CallRecord } from "./_state.js";
import { type RateEstimate, type TimedObservation, thresholdBounds, wilson } from "./_stats.js";
import type { ProbeMeasurement } from "./types.js";

/** What one response did to the cache. */
export interface Touch {
  read: number;
  written: number;
}

/** The cache fields of a usage (reference fact 17); `null` when there is no usage. */
export function touchOf(usage: unknown): Touch | null {
  if (typeof usage !== "object" || usage === null) return null;
  const u = usage as Record<string, unknown>;
  const n = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : 0);
  return { read: n(u.cache_read_input_tokens), written: n(u.cache_creation_input_tokens) };
}

/** Everything the analysis reads. */
export interface AnalysisInput {
  k: number;
  model: string;
  minimum: number;
  prefixTokens: number | null;
  long: ResolvedLong;
  /** Usage of each succeeded batch request, by custom id. */
  batch: ReadonlyMap<string, Touch>;
  /** Whether the batch stage ran to its end. */
  batchesDone: boolean;
  /** The synchronous calls. */
  calls: Readonly<Record<string, CallRecord>>;
  /** Provider ms from the synchronous write's answer to the creation of its readers' batch. */
  syncGapMs: number | null;
  /** The planner's concurrency (what a cold batch is assumed to write). */
  concurrency: number;
}

const pct = (x: number) => `${(x * 100).toFixed(x > 0 && x < 0.01 ? 1 : 0)}%`;
const span = (r: RateEstimate) => `${pct(r.low)}–${pct(r.high)}`;
const seconds = (ms: number | null) =>
  ms === null
    ? "—"
    : ms >= 120_000
      ? `${(ms / 60_000).toFixed(1)} min`
      : `${(ms / 1000).toFixed(1)} s`;

function rateOf(ids: readonly string[], batch: ReadonlyMap<string, Touch>) {
  let hits = 0;
  let n = 0;
  let writes = 0;
  for (const id of ids) {
    const t = batch.get(id);
    if (!t) continue;
    n += 1;
    if (t.read > 0) hits += 1;
    if (t.written > 0) writes += 1;
  }
  return { rate: wilson(hits, n), writes };
}

const ids = (step: string, role: string, k: number) =>
  Array.from({ length: k }, (_, i) => `${step}-${role}-${i}`);

function notMeasured(
  id: ProbeMeasurement["id"],
  title: string,
  documented: string,
  modelAssumes: string,
  why: string,
): ProbeMeasurement {
  return { id, title, raw: "—", documented, modelAssumes, verdict: "not-measured", says: why };
}

/** Whether the prefixes were cached at all (fact 4). */
function cacheable(input: AnalysisInput): ProbeMeasurement {
  const touches = [
    ...input.batch.values(),
    ...Object.values(input.calls).map((c) => touchOf(c.usage)),
  ];
  const seen = touches.filter((t): t is Touch => t !== null);
  const cached = seen.filter((t) => t.read > 0 || t.written > 0).length;
  const base = {
    id: "cacheable" as const,
    title: "Prefix cached at all",
    documented: `Minimum cacheable prefix ${input.minimum} tokens for ${input.model}; a shorter one is silently not cached (fact 4).`,
    modelAssumes: `A prefix of at least ${input.minimum} tokens is cached.`,
  };
  if (seen.length === 0)
    return notMeasured(base.id, base.title, base.documented, base.modelAssumes, "No response yet.");
  const raw = `${cached} of ${seen.length} responses read or wrote the cache (prefix ${input.prefixTokens ?? "?"} tokens)`;
  if (cached > 0)
    return { ...base, raw, verdict: "consistent", says: "The probe's prefixes were cached." };
  return {
    ...base,
    raw,
    verdict: "contradicts",
    says: `No response read or wrote the cache: for the API a prefix of ${input.prefixTokens} tokens is below this model's minimum, so the documented ${input.minimum} is wrong for it, and nothing else here measures anything.`,
  };
}

function cold(input: AnalysisInput): { m: ProbeMeasurement; concurrency?: number } {
  const { k, concurrency } = input;
  const title = `Cold batch: requests reading each other's writes (k = ${k})`;
  const documented =
    'Batch hits are best-effort, "typically 30% to 98%" (fact 16, BP-en); a write is readable once its response starts (fact 14). Field data: cold batches of 10–48 read 0% (§10).';
  const assumed = Math.max(0, k - concurrency) / k;
  const modelAssumes = `A cold group of n writes min(n, ${concurrency}) times: ${pct(assumed)} of ${k} read.`;
  const { rate, writes } = rateOf(ids("a", "cold", k), input.batch);
  if (rate.n === 0)
    return {
      m: notMeasured(
        "cold-hit-rate",
        title,
        documented,
        modelAssumes,
        input.batchesDone
          ? "No request of the cold batch succeeded."
          : "The batch stage did not run.",
      ),
    };
  const raw = `${rate.hits} of ${rate.n} read, ${writes} wrote`;
  const contradicts = assumed < rate.low || assumed > rate.high;
  const m: ProbeMeasurement = {
    id: "cold-hit-rate",
    title,
    rate,
    raw,
    documented,
    modelAssumes,
    verdict: contradicts ? "contradicts" : "consistent",
    says:
      rate.hits === 0
        ? `None read another's write: at least ${rate.n} requests of a batch run before the first write is readable, as the model assumes.`
        : `${pct(rate.value!)} read (95%: ${span(rate)}): about ${rate.n - rate.hits} of ${rate.n} requests ran before the first write was readable${contradicts ? `; the planner's concurrency ${concurrency} overstates cold writes, so the calibration sets concurrency ${rate.n - rate.hits}` : ""}.`,
  };
  return rate.hits > 0 ? { m, concurrency: Math.max(1, rate.n - rate.hits) } : { m };
}

function primer(input: AnalysisInput): ProbeMeasurement {
  const { k } = input;
  const title = `Primer batch, then ${k} readers in the next batch`;
  const documented =
    "Recommended recipe: a one-request batch with a 1h marker, then the rest (fact 16, PC-zh FAQ); hits best-effort. Field data: 0% then 100% (§10).";
  const modelAssumes = "Every reader reads the primer's entry (100%).";
  const { rate } = rateOf(ids("b", "reader", k), input.batch);
  const primerTouch = input.batch.get("b-primer");
  if (rate.n === 0 || !primerTouch)
    return notMeasured(
      "primer-hit-rate",
      title,
      documented,
      modelAssumes,
      input.batchesDone ? "The primer or every reader failed." : "The batch stage did not run.",
    );
  const raw = `primer wrote ${primerTouch.written} tokens; ${rate.hits} of ${rate.n} readers read`;
  const contradicts = rate.high < 1;
  return {
    id: "primer-hit-rate",
    title,
    rate,
    raw,
    documented,
    modelAssumes,
    verdict: contradicts ? "contradicts" : "consistent",
    says: contradicts
      ? `Only ${pct(rate.value!)} of readers read the primer (95%: ${span(rate)}): priming is less reliable than the model assumes; the calibration sets batchReadRate ${rate.value!.toFixed(3)}.`
      : `Every reader read the primer's entry (95%: ${span(rate)}), as the model assumes.`,
  };
}

/**
 * The share of batch readers that read a synchronous write, net of what they would read from each
 * other anyway: the cold batch (a) is the control. With h_c the cold batch's hit rate and h_s the
 * readers', s = (h_s − h_c) / (1 − h_c), its interval from the readers' Wilson interval at the
 * control's point value; with h_c = 0 (cold batches of 10–48 read 0%, §10) it is h_s itself.
 */
function netOfControl(readers: RateEstimate, control: RateEstimate): RateEstimate | null {
  const hc = control.value ?? 0;
  if (hc >= 1) return null;
  const net = (x: number) => Math.min(1, Math.max(0, (x - hc) / (1 - hc)));
  return {
    ...readers,
    value: readers.value === null ? null : net(readers.value),
    low: net(readers.low),
    high: net(readers.high),
  };
}

function syncToBatch(input: AnalysisInput): ProbeMeasurement {
  const { k } = input;
  const title = `Synchronous write, then ${k} readers in a batch`;
  const documented =
    "Not stated whether Messages and Batches share entries (§1.7). Field reports: 0 reads 1 s after a synchronous write (ISS-1475); 16% after a synchronous pre-warm (§10).";
  const modelAssumes = "A batch does not see an entry only a synchronous call wrote (0%).";
  const write = touchOf(input.calls["c-write"]?.usage);
  const readers = rateOf(ids("c", "reader", k), input.batch).rate;
  const control = rateOf(ids("a", "cold", k), input.batch).rate;
  if (readers.n === 0 || control.n === 0 || !write)
    return notMeasured(
      "sync-to-batch",
      title,
      documented,
      modelAssumes,
      input.batchesDone
        ? "The write, every reader or the cold batch failed."
        : "The batch stage did not run.",
    );
  const gap =
    input.syncGapMs === null
      ? ""
      : `; their batch created ${seconds(input.syncGapMs)} after the write`;
  const raw = `write wrote ${write.written} tokens; ${readers.hits} of ${readers.n} readers read (cold batch: ${control.hits} of ${control.n})${gap}`;
  const unusable = (why: string) => ({
    ...notMeasured("sync-to-batch", title, documented, modelAssumes, why),
    raw,
  });
  if (input.syncGapMs !== null && input.syncGapMs >= 3_600_000)
    return unusable(
      "The readers' batch was created more than an hour after the 1h write (the probe was resumed late): misses say nothing.",
    );
  const rate = netOfControl(readers, control);
  if (rate === null)
    return unusable(
      "Every request of the cold batch read a sibling's write, so a reader of the synchronous write cannot be told from a reader of a sibling's.",
    );
  const contradicts = rate.low > 0;
  const net = control.hits > 0 ? ", net of the cold batch's reads" : "";
  return {
    id: "sync-to-batch",
    title,
    rate,
    raw,
    documented,
    modelAssumes,
    verdict: contradicts ? "contradicts" : "consistent",
    says: contradicts
      ? `${pct(rate.value!)} of batch readers read the synchronous write${net} (95%: ${span(rate)}): a synchronous pre-warm helps here, unlike the model assumes; the calibration sets syncToBatchVisibility ${rate.value!.toFixed(3)}.`
      : `No evidence that a batch reads a synchronous write${net} (95%: ${span(rate)}): warm batches with a primer batch, not a Messages call.`,
  };
}

/** The elapsed provider time between a write's start and a read's start, as an interval. */
function observation(write: CallRecord, read: CallRecord, reached: boolean): TimedObservation {
  // Each call started somewhere between its send and its answer; 0.5 ms for the clock's grain.
  const min = (read.sentAt - write.doneAt - 0.5) * read.scale;
  const max = (read.doneAt - write.sentAt + 0.5) * read.scale;
  return { min: Math.max(0, min), max, reached };
}

function observations(
  input: AnalysisInput,
  points: readonly TimedPoint[],
  reachedWhenRead: boolean,
) {
  const out: TimedObservation[] = [];
  for (const p of points) {
    const write = input.calls[p.id];
    const read = input.calls[`${p.id}-read`];
    const t = touchOf(read?.usage);
    if (!write || !read || !t) continue;
    out.push(observation(write, read, t.read > 0 === reachedWhenRead));
  }
  return out;
}

function visibility(input: AnalysisInput): { m: ProbeMeasurement; delayMs?: number } {
  const title = "Delay before a written entry is readable";
  const documented =
    "Readable once the writing response starts (fact 14); a synchronous call has returned by then, so a read sent after it should hit.";
  const modelAssumes = "No delay beyond the response start.";
  const points = timedPoints(input.long).filter((p) => p.kind === "visibility");
  const obs = observations(input, points, true);
  if (obs.length === 0)
    return {
      m: notMeasured(
        "visibility-delay",
        title,
        documented,
        modelAssumes,
        input.long.visibility
          ? "The timed reads did not run (cap or stop)."
          : "Not asked for (`--long`).",
      ),
    };
  const b = thresholdBounds(obs);
  const bounds = { lowMs: b.low, highMs: b.high, inconsistent: b.inconsistent };
  const misses = obs.filter((o) => !o.reached).length;
  const raw = `${obs.length - misses} of ${obs.length} reads hit, at ${obs.map((o) => seconds(o.max)).join(", ")} after the write started`;
  const contradicts = misses > 0;
  const m: ProbeMeasurement = {
    id: "visibility-delay",
    title,
    bounds,
    raw,
    documented,
    modelAssumes,
    verdict: contradicts ? "contradicts" : "consistent",
    says: b.inconsistent
      ? "A read missed after an earlier read hit: visibility is not a fixed delay here (best-effort); the calibration keeps the model's."
      : contradicts
        ? `An entry was not readable ${seconds(b.low)} after its write started${b.high === null ? " (no read hit)" : `, readable within ${seconds(b.high)}`}: later than documented; the calibration sets visibilityDelayMs ${Math.round(b.high ?? b.low ?? 0)}.`
        : `Readable at once (within ${seconds(b.high)} of the write's start), as documented.`,
  };
  return contradicts && !b.inconsistent ? { m, delayMs: Math.round(b.high ?? b.low ?? 0) } : { m };
}

function ttl(input: AnalysisInput, which: CacheTtl): { m: ProbeMeasurement; ttlMs?: number } {
  const life = which === "1h" ? 3_600_000 : 300_000;
  const id = which === "1h" ? "ttl-1h" : "ttl-5m";
  const title = `Lifetime of a ${which} entry`;
  const documented = `${which === "1h" ? "1 hour" : "5 minutes"} from the start of the request that wrote or read it (fact 7); deleted "promptly (but not immediately)" after (§1.7).`;
  const modelAssumes = `Exactly ${seconds(life)}.`;
  const points = timedPoints(input.long).filter((p) => p.kind === which);
  const obs = observations(input, points, false);
  if (obs.length === 0)
    return {
      m: notMeasured(
        id,
        title,
        documented,
        modelAssumes,
        input.long.ttls.includes(which)
          ? "The timed reads did not run (cap or stop)."
          : "Not asked for (`--long`).",
      ),
    };
  const b = thresholdBounds(obs);
  const bounds = { lowMs: b.low, highMs: b.high, inconsistent: b.inconsistent };
  const raw = obs.map((o) => `${o.reached ? "miss" : "hit"} at ${seconds(o.min)}`).join(", ");
  const short = b.high !== null && b.high < life;
  const verdict = short || b.inconsistent ? "contradicts" : "consistent";
  const says = b.inconsistent
    ? "A read missed before another hit later: entries were evicted before their TTL (best-effort caching)."
    : short
      ? `The entry was gone within ${seconds(b.high)}${b.low === null ? "" : ` (alive at ${seconds(b.low)})`}: shorter than the documented ${which}; the calibration sets ttlMs.${which} ${Math.round(b.low ?? b.high ?? 0)}.`
      : `Alive for more than ${seconds(b.low)}${b.high === null ? "" : `, gone within ${seconds(b.high)}`}: consistent with ${which}.`;
  const m: ProbeMeasurement = { id, title, bounds, raw, documented, modelAssumes, verdict, says };
  return short && !b.inconsistent ? { m, ttlMs: Math.round(b.low ?? b.high ?? 0) } : { m };
}

/** The measured parameters, in `SimParams` names, that differ from the model's defaults. */
export interface MeasuredParams {
  concurrency?: number;
  batchReadRate?: number;
  syncToBatchVisibility?: number;
  visibilityDelayMs?: number;
  ttlMs?: Partial<Record<CacheTtl, number>>;
}

/** Every measurement and the parameters they give. */
export function analyze(input: AnalysisInput): {
  measurements: ProbeMeasurement[];
  params: MeasuredParams;
} {
  const c = cold(input);
  const p = primer(input);
  const s = syncToBatch(input);
  const v = visibility(input);
  const t5 = ttl(input, "5m");
  const t1 = ttl(input, "1h");
  const params: MeasuredParams = {};
  if (c.concurrency !== undefined && c.m.verdict === "contradicts")
    params.concurrency = c.concurrency;
  // A parameter is written only where the measurement contradicts the model's default: a point
  // estimate inside the default's interval would move plans on noise.
  if (p.rate?.value != null && p.verdict === "contradicts")
    params.batchReadRate = round3(p.rate.value);
  if (s.rate?.value != null && s.verdict === "contradicts")
    params.syncToBatchVisibility = round3(s.rate.value);
  if (v.delayMs !== undefined) params.visibilityDelayMs = v.delayMs;
  const ttlMs: Partial<Record<CacheTtl, number>> = {};
  if (t5.ttlMs !== undefined) ttlMs["5m"] = t5.ttlMs;
  if (t1.ttlMs !== undefined) ttlMs["1h"] = t1.ttlMs;
  if (Object.keys(ttlMs).length > 0) params.ttlMs = ttlMs;
  return { measurements: [cacheable(input), c.m, p, s, v.m, t5.m, t1.m], params };
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;
