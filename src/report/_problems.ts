/**
 * Collects the problems of a report while the results stream (internal): exact counts, a few
 * examples each, and per file the share of `custom_id`s not in the plan, to tell a stray result
 * from a file of another plan.
 */
import {
  MAX_PROBLEM_EXAMPLES,
  type ProblemExample,
  type ReportProblem,
  type ResultLocation,
} from "./problems.js";

type Counted = "invalid-line" | "invalid-result" | "duplicate-custom-id" | "unknown-custom-id";

interface SourceTally {
  lines: number;
  unknown: number;
  examples: ProblemExample[];
}

/** More than this share of a file's `custom_id`s not in the plan makes it another plan's results. */
const FOREIGN_SHARE = 0.5;

export class ProblemCollector {
  private readonly counted = new Map<Counted, { count: number; examples: ProblemExample[] }>();
  private readonly sources = new Map<string | undefined, SourceTally>();
  private readonly foreign: ReportProblem[] = [];
  private readonly missingIds: string[] = [];
  private missingCount = 0;
  private readonly models: ReportProblem[] = [];

  add(kind: Counted, example: ProblemExample, count = 1): void {
    let entry = this.counted.get(kind);
    if (!entry) {
      entry = { count: 0, examples: [] };
      this.counted.set(kind, entry);
    }
    entry.count += count;
    if (entry.examples.length < MAX_PROBLEM_EXAMPLES) entry.examples.push(example);
  }

  private tally(source: string | undefined): SourceTally {
    let t = this.sources.get(source);
    if (!t) {
      t = { lines: 0, unknown: 0, examples: [] };
      this.sources.set(source, t);
    }
    return t;
  }

  /** A line with a `custom_id` was read from `source`. */
  sourceLine(source: string | undefined): void {
    this.tally(source).lines += 1;
  }

  /** A `custom_id` not in the plan. */
  unknown(location: ResultLocation, customId: string): void {
    const t = this.tally(location.source);
    t.unknown += 1;
    if (t.examples.length < MAX_PROBLEM_EXAMPLES) t.examples.push({ ...location, customId });
  }

  /** After the last line: each file is either another plan's results or has stray ids. */
  finishSources(): void {
    for (const [source, t] of this.sources) {
      if (t.unknown === 0) continue;
      if (t.unknown > t.lines * FOREIGN_SHARE) {
        this.foreign.push({
          kind: "foreign-results",
          source: source ?? "input",
          unknown: t.unknown,
          lines: t.lines,
        });
      } else {
        const [first, ...rest] = t.examples;
        this.add("unknown-custom-id", first!, t.unknown - rest.length);
        for (const e of rest) this.add("unknown-custom-id", e);
      }
    }
  }

  /** Planned requests without a result: how many, and the first few (in plan order). */
  missing(count: number, first: readonly string[]): void {
    this.missingCount += count;
    for (const id of first)
      if (this.missingIds.length < MAX_PROBLEM_EXAMPLES) this.missingIds.push(id);
  }

  unknownModel(model: string, requests: number): void {
    this.models.push({ kind: "unknown-model", model, requests });
  }

  /** The problems, in a fixed order: unusable lines, wrong lines, missing results, prices. */
  list(): ReportProblem[] {
    const out: ReportProblem[] = [];
    for (const kind of ["invalid-line", "invalid-result"] as const) {
      const e = this.counted.get(kind);
      if (e) out.push({ kind, count: e.count, examples: e.examples });
    }
    out.push(...this.foreign);
    for (const kind of ["unknown-custom-id", "duplicate-custom-id"] as const) {
      const e = this.counted.get(kind);
      if (e) out.push({ kind, count: e.count, examples: e.examples });
    }
    if (this.missingCount > 0)
      out.push({ kind: "missing-results", count: this.missingCount, customIds: this.missingIds });
    out.push(...this.models);
    return out;
  }
}
