/**
 * Miss attribution: what each planned group's succeeded requests did with the cache, and why the
 * misses missed. A discriminated union on `kind` with a total text table (STYLE item 7).
 */

/** One thing a group's requests did with the cache, with the number of requests that did it. */
export type Attribution =
  | {
      /** The one write per entry the ideal needs: the primer's, or a cold group's first write. */
      kind: "expected-write";
      /** Requests. */
      requests: number;
    }
  | {
      /** Writes beyond the expected ones: requests that wrote a prefix the group had already written. */
      kind: "duplicate-write";
      requests: number;
      /** In the wave of the group's first write: they started before that write was readable (concurrent misses, fact 14). */
      sameWave: number;
      /** In a later wave: the earlier entry was gone (TTL) or not visible when they ran. */
      laterWave: number;
    }
  | {
      /** Reads in a later wave than the group's first write: priming across waves worked. */
      kind: "cross-wave-read";
      requests: number;
    }
  | {
      /** Reads in the wave of the group's first write: a cold write read by later requests. */
      kind: "same-wave-read";
      requests: number;
    }
  | {
      /** Reads before (or without) any write of the group in these results: an entry written elsewhere, e.g. an earlier job. */
      kind: "external-read";
      requests: number;
    }
  | {
      /** No read and no write: the shared prefix is below the model's minimum cacheable tokens (fact 4). */
      kind: "below-minimum";
      requests: number;
      /** The model's minimum cacheable prefix. */
      minimum: number;
      /** The plan's estimate of the shared prefix, times the model's measured calibration factor when there is one. */
      prefixTokens: number;
      /** The largest actual input (all three fields) among these requests. */
      largestRequestTokens: number;
    }
  | {
      /** No read and no write, and the request's prefix differs from the group's (its hash differs). */
      kind: "prefix-drift";
      requests: number;
      /** Distinct prefixes among the group's requests. */
      variants: number;
    }
  | {
      /** No read and no write, with no cause found. */
      kind: "unexplained";
      requests: number;
    };

/** The kinds of {@link Attribution}. */
export type AttributionKind = Attribution["kind"];

/** Text of an attribution kind. */
export interface AttributionInfo {
  /** A short title. */
  title: string;
  /** What it means. */
  description: string;
  /** Whether it is a miss (costs more than the ideal). */
  miss: boolean;
}

/** Title, description and whether it is a miss, for every attribution kind. */
export const attributionInfo: Readonly<Record<AttributionKind, AttributionInfo>> = {
  "expected-write": {
    title: "expected write",
    description:
      "The one write per cache entry the ideal needs: the primer's, or the first write of a cold group.",
    miss: false,
  },
  "duplicate-write": {
    title: "duplicate write",
    description:
      "Wrote a prefix the group had already written: in the same wave, the request started before the first write was readable (concurrent miss); in a later wave, the entry had expired or was not visible.",
    miss: true,
  },
  "cross-wave-read": {
    title: "cross-wave read",
    description: "Read an entry written in an earlier wave: priming worked.",
    miss: false,
  },
  "same-wave-read": {
    title: "same-wave read",
    description: "Read an entry written earlier in the same wave.",
    miss: false,
  },
  "external-read": {
    title: "external read",
    description:
      "Read an entry that no request of the group wrote in these results (an earlier job, or results not passed).",
    miss: false,
  },
  "below-minimum": {
    title: "below minimum",
    description:
      "Neither read nor wrote: the shared prefix is shorter than the model's minimum cacheable tokens, so the API silently skipped caching (it returns no error for a prefix below the minimum).",
    miss: true,
  },
  "prefix-drift": {
    title: "prefix drift",
    description:
      "Neither read nor wrote, and the request's prefix differs from the rest of the group's: the entry it needs does not exist.",
    miss: true,
  },
  unexplained: {
    title: "unexplained",
    description: "Neither read nor wrote, with no cause found in the plan or the usage.",
    miss: true,
  },
};

/** What a group's succeeded requests did, per wave, as `report()` counts them. */
export interface GroupActivity {
  /** Requests that wrote, per wave. */
  writers: Map<number, number>;
  /** Requests that read, per wave. */
  readers: Map<number, number>;
  /** Requests with neither, whose prefix matches the group's. */
  idle: number;
  /** Requests with neither, whose prefix differs from the group's. */
  idleDrifted: number;
  /** Largest actual input among idle requests. */
  idleLargest: number;
}

/** What the attribution needs to know about the group besides its activity. */
export interface GroupFacts {
  /** Requests that would write in the ideal (distinct deepest entries). */
  idealWrites: number;
  /** Distinct top-level prefixes among the group's planned requests. */
  variants: number;
  /** The model's minimum cacheable prefix. */
  minimum: number;
  /** The shared prefix in tokens, calibrated when possible. */
  prefixTokens: number;
}

/** Attributes a group's activity; kinds with no request are left out. */
export function attribute(activity: GroupActivity, facts: GroupFacts): Attribution[] {
  const waves = [...new Set([...activity.writers.keys(), ...activity.readers.keys()])].sort(
    (a, b) => a - b,
  );
  const firstWrite = waves.find((w) => (activity.writers.get(w) ?? 0) > 0);
  let budget = facts.idealWrites;
  let expected = 0;
  let sameWave = 0;
  let laterWave = 0;
  let cross = 0;
  let same = 0;
  let external = 0;
  for (const wave of waves) {
    const writers = activity.writers.get(wave) ?? 0;
    const ok = Math.min(writers, budget);
    budget -= ok;
    expected += ok;
    if (wave === firstWrite) sameWave += writers - ok;
    else laterWave += writers - ok;
    const readers = activity.readers.get(wave) ?? 0;
    if (firstWrite === undefined || wave < firstWrite) external += readers;
    else if (wave === firstWrite) same += readers;
    else cross += readers;
  }
  const active = waves.some(
    (w) => (activity.writers.get(w) ?? 0) + (activity.readers.get(w) ?? 0) > 0,
  );
  const out: Attribution[] = [];
  if (expected > 0) out.push({ kind: "expected-write", requests: expected });
  if (sameWave + laterWave > 0)
    out.push({ kind: "duplicate-write", requests: sameWave + laterWave, sameWave, laterWave });
  if (cross > 0) out.push({ kind: "cross-wave-read", requests: cross });
  if (same > 0) out.push({ kind: "same-wave-read", requests: same });
  if (external > 0) out.push({ kind: "external-read", requests: external });
  if (activity.idleDrifted > 0)
    out.push({ kind: "prefix-drift", requests: activity.idleDrifted, variants: facts.variants });
  if (activity.idle > 0) {
    // Only a group with no cache activity at all can be below the minimum: if any request of it
    // read or wrote, its prefix was long enough.
    const below =
      !active && (facts.prefixTokens < facts.minimum || activity.idleLargest < facts.minimum);
    out.push(
      below
        ? {
            kind: "below-minimum",
            requests: activity.idle,
            minimum: facts.minimum,
            prefixTokens: Math.round(facts.prefixTokens),
            largestRequestTokens: activity.idleLargest,
          }
        : { kind: "unexplained", requests: activity.idle },
    );
  }
  return out;
}

/** An attribution as a short phrase, e.g. `"2 duplicate writes (2 same wave)"`. */
export function formatAttribution(a: Attribution): string {
  const title = attributionInfo[a.kind].title;
  const plural = a.requests === 1 ? title : `${title}s`;
  switch (a.kind) {
    case "duplicate-write": {
      const parts = [];
      if (a.sameWave > 0) parts.push(`${a.sameWave} concurrent`);
      if (a.laterWave > 0) parts.push(`${a.laterWave} in a later wave`);
      return `${a.requests} ${plural} (${parts.join(", ")})`;
    }
    case "below-minimum":
      return `${a.requests} below minimum (prefix ~${a.prefixTokens.toLocaleString("en-US")} < ${a.minimum.toLocaleString("en-US")} tokens)`;
    case "prefix-drift":
      return `${a.requests} with prefix drift (${a.variants} prefix variants)`;
    case "unexplained":
      return `${a.requests} unexplained (no read, no write)`;
    default:
      return `${a.requests} ${plural}`;
  }
}
