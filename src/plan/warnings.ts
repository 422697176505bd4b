/**
 * Planner findings as data: a union on `kind` and a total table of texts (STYLE item 7), so a new
 * kind without a title and description does not compile.
 */

/** Up to this many example `custom_id`s are listed in a warning. */
export const MAX_EXAMPLES = 5;

export type PlanWarning =
  | { kind: "unknown-model"; model: string; requests: number; minimumUsed: number }
  | { kind: "unknown-minimum"; model: string; minimumUsed: number }
  | {
      kind: "below-minimum";
      model: string;
      segment: string;
      requests: number;
      prefixTokens: number;
      minimum: number;
    }
  | { kind: "near-minimum"; group: string; segment: string; prefixTokens: number; minimum: number }
  | { kind: "too-small-to-pay"; model: string; prefixes: number; requests: number }
  | { kind: "user-marker-unique-tail"; requests: number; examples: string[] }
  | {
      kind: "user-marker-below-minimum";
      segment: string;
      requests: number;
      prefixTokens: number;
      minimum: number;
      examples: string[];
    }
  | {
      kind: "inconsistent-user-markers";
      segment: string;
      withMarker: number;
      withoutMarker: number;
      examples: string[];
    }
  | { kind: "marker-budget"; model: string; segment: string; requests: number }
  | {
      kind: "prefix-drift";
      model: string;
      segment: string;
      requests: number;
      variants: number;
      sample: [string, string];
    }
  | {
      kind: "split-text";
      model: string;
      /** The block the shared text is in, as written: `system`, `messages[0].content`. */
      segment: string;
      /** Requests sharing the text prefix. */
      requests: number;
      /** Estimated tokens of the prefix up to the end of the shared text. */
      sharedTokens: number;
      /** Expected saving in base-input token units (tokens × price multiplier). */
      savedInputUnits: number;
      /** The same at the model's batch input price; null when the model has no price. */
      savingUsd: number | null;
      /**
       * Present when this warning stands for several groups (those past the ones listed one by
       * one): how many. `segment` and `sharedTokens` are then those of the largest of them, and
       * `requests` and the saving their sums.
       */
      groups?: number;
    }
  | { kind: "group-split"; group: string; batches: number }
  | { kind: "ttl-short-for-waves"; waves: number }
  | {
      /**
       * The job has more requests than `maxQueued` lets into the processing queue at once, so it
       * was cut into slices, group by group: each slice's primers, then its readers.
       */
      kind: "queue-slices";
      /** The queue the plan was cut for (`maxQueued`). */
      maxQueued: number;
      /** Requests in the job. */
      requests: number;
      /** Slices. */
      slices: number;
      /** Waves (two per slice; none for a slice where no group starts). */
      waves: number;
      /** Groups larger than a slice, primed again at the start of later slices. */
      reprimedGroups: number;
      /** Those re-primes (one write each, priced in the estimate). */
      reprimes: number;
    }
  | {
      kind: "target";
      /** The batch system the finding is about, e.g. `"bedrock"`. */
      target: string;
      /** What it is about: see `TargetTopic` in `_target-rules.ts`. */
      topic: string;
      /** The model concerned, when one. */
      model?: string;
      /** Requests concerned, when counted. */
      requests?: number;
      /** The finding and what to do, in full (uncertain facts say so). */
      message: string;
    };

/** Every warning kind. */
export type PlanWarningKind = PlanWarning["kind"];

/** What a warning kind means, for people. */
export interface PlanWarningInfo {
  /** A few words. */
  title: string;
  /** What it means and what to do. */
  description: string;
  /** Where the README explains it. */
  docs: string;
}

const DOCS = "https://www.npmjs.com/package/cacheplan#warnings";

export const planWarningInfo: Record<PlanWarningKind, PlanWarningInfo> = {
  "unknown-model": {
    title: "Unknown model",
    description:
      "The model is not in the model table: the planner used the largest known minimum cacheable length. Add the model's prices and minimum with a model override file (`--models file.json`).",
    docs: DOCS,
  },
  "unknown-minimum": {
    title: "Minimum cacheable length not published",
    description:
      "No source states this model's minimum cacheable prompt length; the planner used a guess. Prefixes near it may silently not be cached.",
    docs: DOCS,
  },
  "below-minimum": {
    title: "Shared prefix below the minimum",
    description:
      "Requests share a prefix, but it is shorter than the model's minimum cacheable length, so it cannot be cached. Lengthening the shared part (moving shared instructions before per-request content) would make it cacheable.",
    docs: DOCS,
  },
  "near-minimum": {
    title: "Breakpoint near the minimum",
    description:
      "The estimated prefix length is within 10% of the model's minimum. Token counts are estimates: if the real count is lower, the prefix is silently not cached. Check with exact counting.",
    docs: DOCS,
  },
  "too-small-to-pay": {
    title: "Shared by too few requests to pay",
    description:
      "These prefixes are long enough to cache, but shared by too few requests for a cache write to pay for itself (a 5m write pays after 1 read, a 1h write after 2, and requests of one batch run in parallel), so no marker was placed.",
    docs: DOCS,
  },
  "user-marker-unique-tail": {
    title: "Marker on a request's unique tail",
    description:
      "A `cache_control` marker that was already in the request sits on content no other request shares: in a one-shot batch it is pure write premium that nothing reads. Plan with `--user-markers replace` to drop it.",
    docs: DOCS,
  },
  "user-marker-below-minimum": {
    title: "Marker below the minimum",
    description:
      "A marker that was already in the request marks a prefix shorter than the model's minimum cacheable length: the API silently ignores it.",
    docs: DOCS,
  },
  "inconsistent-user-markers": {
    title: "Markers differ between requests",
    description:
      "Requests share this segment but only some carry a `cache_control` marker on it (or with different TTLs). Breakpoints must be identical across requests to share an entry; the planner left this segment alone. Use `--user-markers replace` to let the planner place markers.",
    docs: DOCS,
  },
  "marker-budget": {
    title: "Out of breakpoints",
    description:
      "A shared prefix would pay for a breakpoint, but its requests already use all 4 `cache_control` slots (a top-level `cache_control` uses one).",
    docs: DOCS,
  },
  "prefix-drift": {
    title: "Shared prefix drifts",
    description:
      "Requests carry nearly identical blocks that differ in a short span (a timestamp, an id, a name). The difference breaks the shared prefix; if it is accidental, move the varying part after the shared content or remove it.",
    docs: DOCS,
  },
  "split-text": {
    title: "Shared text inside a block",
    description:
      "Requests share a long prefix inside one text block (a templated string: shared instructions or a document, then the per-request part). No `cache_control` can go inside a block, so it is not cached. `--split-text` (library: `splitText: true`) splits such blocks into adjacent text blocks, the same text, and marks the shared part.",
    docs: DOCS,
  },
  "group-split": {
    title: "Group split across batches",
    description:
      "A group is larger than one batch allows (`maxRequests` / `maxBytes`), so it was split across consecutive batches. Its batches run in parallel, so expect a few more cache writes.",
    docs: DOCS,
  },
  target: {
    title: "Batch system",
    description:
      "What differs on the chosen target (`--target`): rules it does not share with the Anthropic API (Bedrock batch inference has no prompt caching and a minimum job size; Vertex runs 4 jobs at once), cheaper routes, and facts the sources leave uncertain.",
    docs: DOCS,
  },
  "queue-slices": {
    title: "Sliced for the processing queue",
    description:
      "The job has more requests than `maxQueued` lets into the Batches API's processing queue at once (200,000 / 300,000 / 500,000 by tier), so its readers would run slice after slice and late groups would find their primed entry expired. It is cut into slices of at most `maxQueued` readers, group by group: each slice's primers run in a wave just before its readers. A group larger than a slice is primed again at the start of each later slice (a wave takes up to an hour, so its entry may have expired; one write each, priced in the estimate).",
    docs: DOCS,
  },
  "ttl-short-for-waves": {
    title: "5m TTL with several waves",
    description:
      'Primer waves with `ttl: "5m"`: batches usually take 5 minutes to 1 hour, so a 5m entry written in one wave is likely gone when the next wave runs. Use `ttl: "1h"` or `"auto"`.',
    docs: DOCS,
  },
};

/** One line for a warning, for the terminal. */
export function formatWarning(warning: PlanWarning): string {
  const title = planWarningInfo[warning.kind].title;
  switch (warning.kind) {
    case "unknown-model":
      return `${title}: \`${warning.model}\` (${warning.requests} request${warning.requests === 1 ? "" : "s"}); used a minimum of ${warning.minimumUsed} tokens.`;
    case "unknown-minimum":
      return `${title}: \`${warning.model}\`; used ${warning.minimumUsed} tokens.`;
    case "below-minimum":
      return `${title}: ${warning.requests} ${warning.model} requests share ${warning.segment} (~${warning.prefixTokens} tokens < ${warning.minimum}).`;
    case "near-minimum":
      return `${title}: ${warning.group} at ${warning.segment} has ~${warning.prefixTokens} tokens (minimum ${warning.minimum}).`;
    case "too-small-to-pay":
      return `${title}: ${warning.prefixes} shared ${warning.model} prefix${warning.prefixes === 1 ? "" : "es"} over ${warning.requests} requests got no marker.`;
    case "user-marker-unique-tail":
      return `${title}: ${warning.requests} requests (e.g. ${warning.examples.join(", ")}).`;
    case "user-marker-below-minimum":
      return `${title}: ${warning.segment} in ${warning.requests} requests (~${warning.prefixTokens} < ${warning.minimum} tokens; e.g. ${warning.examples.join(", ")}).`;
    case "inconsistent-user-markers":
      return `${title}: ${warning.segment} is marked in ${warning.withMarker} requests and not in ${warning.withoutMarker} (e.g. ${warning.examples.join(", ")}).`;
    case "marker-budget":
      return `${title}: ${warning.requests} ${warning.model} requests could use a breakpoint at ${warning.segment}.`;
    case "prefix-drift":
      return `${title}: ${warning.requests} ${warning.model} requests have ${warning.variants} variants of ${warning.segment}, e.g. ${JSON.stringify(warning.sample[0])} vs ${JSON.stringify(warning.sample[1])}.`;
    case "split-text": {
      const saving =
        warning.savingUsd === null
          ? `${warning.savedInputUnits.toLocaleString("en-US")} input-token units (unknown price)`
          : `~$${warning.savingUsd.toFixed(2)}`;
      if (warning.groups !== undefined)
        return `${title}: ${warning.groups} more groups of ${warning.model} requests (${warning.requests} requests; the largest shares ~${warning.sharedTokens.toLocaleString("en-US")} tokens up to inside ${warning.segment}); --split-text would save ${saving} on them.`;
      return `${title}: ${warning.requests} ${warning.model} requests share ~${warning.sharedTokens.toLocaleString("en-US")} tokens up to inside ${warning.segment}; --split-text would save ${saving}.`;
    }
    case "group-split":
      return `${title}: ${warning.group} spans ${warning.batches} batches.`;
    case "ttl-short-for-waves":
      return `${title}: ${warning.waves} waves with 5m markers.`;
    case "queue-slices":
      return `${title}: ${warning.requests.toLocaleString("en-US")} requests, more than the queue of ${warning.maxQueued.toLocaleString("en-US")}, planned as ${warning.slices} slices in ${warning.waves} waves, group by group (each slice's primers, then its readers)${warning.reprimes > 0 ? `; ${warning.reprimedGroups} group${warning.reprimedGroups === 1 ? "" : "s"} larger than a slice ${warning.reprimedGroups === 1 ? "is" : "are"} primed again in later slices (${warning.reprimes} write${warning.reprimes === 1 ? "" : "s"}, priced)` : ""}.`;
    case "target":
      return `${title} (${warning.target}): ${warning.message}`;
  }
}
