/**
 * What the report needs to know about each planned request (internal): its group, wave, batch and
 * model, whether its prefix drifts from its group's, what the estimate expects of it, and where
 * its result was first seen. Built from the plan's requests one at a time (`IndexBuilder`), kept
 * as a `custom_id` → number map and a few numbers per request in typed arrays (about 100 bytes a
 * request with the id itself), never the requests: the results are then streamed against it.
 */
import { InputError } from "../errors.js";
import type { Estimate } from "../estimate/types.js";
import type { BatchRequest, Plan } from "../types.js";
import type { Json } from "../util/json.js";
import { type Expected, strata } from "./_expected.js";
import { type GroupShape, GroupShapeBuilder, TextKeyInterner } from "./_shape.js";

export type { GroupShape } from "./_shape.js";

/** The plan as the report reads it: `plan.json`'s content (a `Plan`, or a plan folder's `PlanFile`). */
export type ReportPlan = Omit<Plan, "batches"> & {
  batches: readonly { index: number; wave: number }[];
};

/** One planned request, as the index gives it (a view: changing it changes nothing). */
export interface PlannedRequest {
  /** Its number in the index. */
  ordinal: number;
  /** Index in `plan.groups`, or -1. */
  group: number;
  wave: number;
  /** Index in `plan.batches`. */
  batch: number;
  model: string;
  /** Its top-level prefix differs from the one most of its group shares. */
  drifted: boolean;
  /** What the estimate expects of it; undefined without an estimate. */
  expected: Expected | undefined;
}

/** Where a result line was read: its source's number (see `SeenResults.source`) and line. */
export interface SeenAt {
  source: number;
  line: number;
}

/** The planned requests by `custom_id`, with the facts of each in typed arrays. */
export class PlanIndex {
  /** Per group, the shape of its requests. */
  readonly groups: GroupShape[];
  /** Per group, the part of the estimate credited once, when any of its requests succeeded; `[]` without an estimate. */
  readonly fixed: Expected[];
  readonly #ids: Map<string, number>;
  readonly #facts: Facts;
  readonly #waves: number[];
  readonly #models: string[];
  readonly #majority: number[];
  readonly #expected: { group: Expected[]; model: Map<string, Expected> } | undefined;
  /** Line (1-based) where each request's result was first seen, 0 before; and its source. */
  readonly #seenLine: Uint32Array;
  readonly #seenSource: Int32Array;

  constructor(parts: IndexParts, estimate: Estimate | undefined) {
    this.#ids = parts.ids;
    this.#facts = parts.facts;
    this.#waves = parts.waves;
    this.#models = parts.models;
    this.#majority = parts.majority;
    this.groups = parts.shapes;
    this.#seenLine = new Uint32Array(parts.ids.size);
    this.#seenSource = new Int32Array(parts.ids.size);
    if (!estimate) {
      this.fixed = [];
      return;
    }
    const { group, model } = strata(parts.plan, estimate, parts.ids.size);
    this.#expected = { group: group.map((g) => g.perRequest), model };
    this.fixed = group.map((g) => g.fixed);
  }

  /** Planned requests. */
  get size(): number {
    return this.#ids.size;
  }

  /** The planned request with this `custom_id`, or undefined. */
  get(customId: string): PlannedRequest | undefined {
    const r = this.#ids.get(customId);
    return r === undefined ? undefined : this.#view(r);
  }

  #view(r: number): PlannedRequest {
    const f = this.#facts;
    const group = f.group[r]!;
    const batch = f.batch[r]!;
    const model = this.#models[f.model[r]!]!;
    return {
      ordinal: r,
      group,
      wave: this.#waves[batch]!,
      batch,
      model,
      drifted: group >= 0 && f.variant[r] !== this.#majority[group],
      expected:
        this.#expected &&
        (group >= 0 ? this.#expected.group[group] : this.#expected.model.get(model)),
    };
  }

  /** Where the result of `planned` was first seen; undefined before. */
  seenAt(planned: PlannedRequest): SeenAt | undefined {
    const line = this.#seenLine[planned.ordinal]!;
    return line === 0 ? undefined : { source: this.#seenSource[planned.ordinal]!, line };
  }

  /** Records the first result of `planned`. */
  markSeen(planned: PlannedRequest, at: SeenAt): void {
    this.#seenLine[planned.ordinal] = Math.max(1, at.line);
    this.#seenSource[planned.ordinal] = at.source;
  }

  /** The planned requests without a result, in no particular order. */
  *unseen(): Generator<PlannedRequest> {
    for (const r of this.#ids.values()) if (this.#seenLine[r] === 0) yield this.#view(r);
  }

  /** The `custom_id`s of the first `limit` planned requests without a result, in plan order. */
  firstUnseen(limit: number): string[] {
    const first: [number, string][] = [];
    for (const [id, r] of this.#ids) {
      if (this.#seenLine[r] !== 0) continue;
      if (first.length === limit && r > first[limit - 1]![0]) continue;
      first.push([r, id]);
      first.sort((a, b) => a[0] - b[0]);
      if (first.length > limit) first.pop();
    }
    return first.map(([, id]) => id);
  }
}

/** The numbers kept per planned request, by its ordinal. */
interface Facts {
  batch: Int32Array;
  group: Int32Array;
  model: Int32Array;
  variant: Int32Array;
}

interface IndexParts {
  plan: ReportPlan;
  ids: Map<string, number>;
  facts: Facts;
  waves: number[];
  models: string[];
  majority: number[];
  shapes: GroupShape[];
}

function newFacts(size: number): Facts {
  return {
    batch: new Int32Array(size),
    group: new Int32Array(size),
    model: new Int32Array(size),
    variant: new Int32Array(size),
  };
}

function grown(facts: Facts, size: number): Facts {
  const out = newFacts(size);
  for (const key of ["batch", "group", "model", "variant"] as const) out[key].set(facts[key]);
  return out;
}

/**
 * Builds a `PlanIndex` from a plan's requests, added one at a time in plan order: memory for the
 * ids and numbers of the requests, and for each group's distinct prefixes. A group's `custom_id`s
 * come from `plan.groups` (as `plan.json` lists them); a request is segmented only when grouped.
 */
export class IndexBuilder {
  readonly #plan: ReportPlan;
  /** `custom_id` → ordinal once added; before that −1 − the group it is listed in. */
  readonly #ids = new Map<string, number>();
  #facts: Facts;
  #count = 0;
  readonly #models: string[] = [];
  readonly #modelNumbers = new Map<string, number>();
  readonly #shapes: GroupShapeBuilder[];
  readonly #interner = new TextKeyInterner();
  /** Ordinal of each batch's first request, to name where a repeated `custom_id` first was. */
  readonly #batchStarts = new Map<number, number>();

  /** `size`: the plan's requests, when known (arrays grow past it). */
  constructor(plan: ReportPlan, size: number) {
    this.#plan = plan;
    this.#facts = newFacts(Math.max(1, size));
    plan.groups.forEach((g, k) => {
      for (const id of g.customIds) this.#ids.set(id, -1 - k);
    });
    this.#shapes = plan.groups.map((g) => new GroupShapeBuilder(g));
  }

  /**
   * Adds the request at `position` (0-based) of batch `batch` (its index in `plan.batches`).
   * `where` names a request's place for the error on a repeated `custom_id`.
   *
   * @throws {InputError} when its `custom_id` was added before.
   */
  add(
    batch: number,
    position: number,
    request: BatchRequest,
    where: (batch: number, position: number) => string,
  ): void {
    if (position === 0) this.#batchStarts.set(batch, this.#count);
    const id = request.custom_id;
    const listed = this.#ids.get(id);
    if (listed !== undefined && listed >= 0)
      throw this.#repeated(id, listed, batch, position, where);
    const r = this.#count;
    if (r === this.#facts.batch.length) this.#facts = grown(this.#facts, r * 2);
    const group = listed === undefined ? -1 : -1 - listed;
    const f = this.#facts;
    f.batch[r] = batch;
    f.group[r] = group;
    f.model[r] = this.#modelNumber(String((request.params as unknown as Json).model));
    f.variant[r] = group >= 0 ? this.#shapes[group]!.add(request, this.#interner) : 0;
    this.#ids.set(id, r);
    this.#count += 1;
  }

  #modelNumber(model: string): number {
    let n = this.#modelNumbers.get(model);
    if (n === undefined) {
      n = this.#models.length;
      this.#models.push(model);
      this.#modelNumbers.set(model, n);
    }
    return n;
  }

  #repeated(
    id: string,
    first: number,
    batch: number,
    position: number,
    where: (batch: number, position: number) => string,
  ): InputError {
    const firstBatch = this.#facts.batch[first]!;
    const before = where(firstBatch, first - this.#batchStarts.get(firstBatch)!);
    return new InputError(
      `The plan repeats custom_id \`${id}\` (${before} and ${where(batch, position)}); every custom_id of a plan must be unique. Restore the plan as \`cacheplan plan\` wrote it, or plan again.`,
    );
  }

  /** The index; the builder is spent. */
  finish(estimate: Estimate | undefined): PlanIndex {
    // Ids listed in a group but in no batch are not planned requests.
    for (const [id, r] of this.#ids) if (r < 0) this.#ids.delete(id);
    const finished = this.#shapes.map((s) => s.finish());
    return new PlanIndex(
      {
        plan: this.#plan,
        ids: this.#ids,
        facts: this.#facts,
        waves: this.#plan.batches.map((b) => b.wave),
        models: this.#models,
        majority: finished.map((f) => f.majority),
        shapes: finished.map((f) => f.shape),
      },
      estimate,
    );
  }
}

/** Indexes a plan held in memory by `custom_id`. */
export function indexPlan(plan: Plan, estimate: Estimate | undefined): PlanIndex {
  const size = plan.batches.reduce((n, b) => n + b.requests.length, 0);
  const builder = new IndexBuilder(plan, size);
  const where = (b: number, p: number) => `batch ${plan.batches[b]!.index} request ${p + 1}`;
  plan.batches.forEach((batch, b) => {
    batch.requests.forEach((request, p) => {
      builder.add(b, p, request, where);
    });
  });
  return builder.finish(estimate);
}
