/**
 * The planner's state (internal): what every stage of `plan()` reads (`PlanContext`), the requests
 * it accepted, and what it decided about each breakpoint (`PlacedMark`), in one typed object that
 * the stages pass along instead of loose maps.
 */
import type { ModelTable } from "../pricing/models.js";
import type { JsonSizer } from "../request/json-size.js";
import type { SegmentedRequest } from "../request/segments.js";
import type { TokenCounter } from "../tokens/counter.js";
import type { ResolvedPlanOptions } from "../types.js";
import type { Mark } from "./_breakpoints.js";
import type { FirstPieces } from "./_slim.js";
import type { RequestSource } from "./_source.js";
import type { CutMemo } from "./_text-paths.js";
import type { TrieNode } from "./_trie.js";
import type { WaveResult } from "./_waves.js";
import type { PlanWarning } from "./warnings.js";

/** Most warnings of one kind listed individually. */
const MAX_WARNINGS_PER_KIND = 20;

/**
 * A request that passed validation, with what the planner keeps of it: never the request itself
 * (a job of millions would not fit in memory), only its id, sizes and slim segments (`_slim.ts`);
 * the request is read again from `PlanContext.source` when its bytes are needed.
 */
export interface Accepted {
  customId: string;
  model: string;
  segmented: SegmentedRequest;
  maxTokens: number;
  bytes: number;
  /** Markers the request keeps (0 with `userMarkers: "replace"`). */
  fixedMarkers: number;
}

/** The plan's warnings, in the order found; some kinds are capped at `MAX_WARNINGS_PER_KIND`. */
export class Warnings {
  readonly list: PlanWarning[] = [];
  readonly #perKind = new Map<string, number>();

  /** Adds a warning whatever the count of its kind. */
  push(warning: PlanWarning): void {
    this.list.push(warning);
    this.#perKind.set(warning.kind, (this.#perKind.get(warning.kind) ?? 0) + 1);
  }

  /** Adds a warning unless its kind already has `MAX_WARNINGS_PER_KIND`. */
  capped(warning: PlanWarning): void {
    if ((this.#perKind.get(warning.kind) ?? 0) < MAX_WARNINGS_PER_KIND) this.push(warning);
  }
}

/** What the planner decided about one breakpoint. */
export interface PlacedMark {
  mark: Mark;
  /** The nearest mark above it on the same paths, if any. */
  parent: PlacedMark | undefined;
  /** Index of its group (the group of its outermost mark), in planned order of discovery. */
  group: number;
  model: string;
  readMultiplier: number;
  /** The segment it goes on (index in the request as written). */
  segment: number;
  /** Split offset inside that segment, or -1 for the block's end. */
  cut: number;
  /** Its label, named by the first request through it when markers are placed. */
  label?: string;
  /** Primers (job-wide request indices), expected writes and reads, once waves are chosen. */
  stats?: { primers: number[]; writes: number; reads: number };
}

/** One model's wave layouts (2 and 3 waves under `maxWaves: "auto"`) and their expected costs. */
export interface ModelWaves {
  indices: number[];
  layouts: WaveResult[];
  costs: number[];
}

/** What every stage of `plan()` reads and writes. */
export interface PlanContext {
  readonly options: ResolvedPlanOptions;
  readonly models: ModelTable;
  readonly counter: TokenCounter;
  /** `userMarkers: "replace"`. */
  readonly replace: boolean;
  readonly sizer: JsonSizer;
  readonly warnings: Warnings;
  readonly accepted: Accepted[];
  /** Where each accepted request is read again from (by accepted index). */
  readonly source: RequestSource;
  /** Every mark, model by model, each model's in pre-order. */
  readonly marks: PlacedMark[];
  readonly placed: Map<Mark, PlacedMark>;
  /** Outermost mark of each group, by group index. */
  readonly groupTops: PlacedMark[];
  /** Marks on each accepted request's path, outermost first (by request index). */
  readonly pathOf: (PlacedMark[] | undefined)[];
  /** Accepted requests, model by model, each model's in depth-first trie order. */
  readonly order: number[];
  readonly waves: ModelWaves[];
  /** Prefix tokens of each counted trie node (node ids are unique within the plan). */
  readonly tokensOf: Map<TrieNode, number>;
  readonly cutMemo: CutMemo;
  /** Which cuttable blocks' first pieces more than one request has (set by the index pass). */
  firstPieces: FirstPieces;
  nextNodeId: number;
}
