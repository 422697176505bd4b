/**
 * Primers and waves (internal). A primer is a real request of the job sent in an earlier wave so
 * that its write is visible to the rest (reference fact 16, the primer-batch recipe). Each primed
 * breakpoint gets one primer unless a primer chosen for another breakpoint already passes through
 * it. The primer of a breakpoint with k primed breakpoints above it goes in wave
 * min(k, maxWaves − 2); everything else goes in the last wave.
 */
import type { Mark } from "./_breakpoints.js";
import { expectedWrites } from "./_cost-model.js";
import type { TrieNode } from "./_trie.js";

export interface WaveInput {
  marks: readonly Mark[];
  /** The model's requests in depth-first order. */
  order: readonly number[];
  /** Marks on a request's path, outermost first. */
  marksOf: (request: number) => readonly Mark[];
  /** Lower is a better primer: cheap and quick, so wave 0 ends soon. */
  primerCost: (request: number) => number;
  maxWaves: number;
  concurrency: number;
}

export interface MarkStats {
  primers: number[];
  writes: number;
  reads: number;
}

export interface WaveResult {
  /** Wave of each primer; every other request goes in `lastWave`. */
  primerWave: Map<number, number>;
  lastWave: number;
  stats: Map<Mark, MarkStats>;
}

function nodeOf(mark: Mark): TrieNode {
  return mark.candidate.node;
}

export function assignWaves(input: WaveInput): WaveResult {
  const { marks, order, maxWaves } = input;
  const primerWave = new Map<number, number>();
  const primersOf = new Map<Mark, number[]>();
  const primed = marks.filter((m) => m.mode === "primed");
  const depthAmongPrimed = new Map<Mark, number>();
  const covered = new Set<Mark>();

  // Outermost first: a marks list from selectBreakpoints is in pre-order already.
  for (const mark of primed) {
    const node = nodeOf(mark);
    if (covered.has(mark)) continue;
    let best = -1;
    let bestCost = Number.POSITIVE_INFINITY;
    for (let i = node.range[0]; i < node.range[1]; i++) {
      const request = order[i]!;
      if (primerWave.has(request)) continue;
      const cost = input.primerCost(request);
      if (cost < bestCost) {
        bestCost = cost;
        best = request;
      }
    }
    if (best < 0) continue;
    // The primed marks on the primer's path, outermost first: `mark` and every primed mark above
    // it, so a mark's index here is the number of primed breakpoints above it.
    const pathMarks = input.marksOf(best).filter((m) => m.mode === "primed");
    for (const [k, m] of pathMarks.entries()) depthAmongPrimed.set(m, k);
    const wave = Math.min(depthAmongPrimed.get(mark) ?? 0, Math.max(0, maxWaves - 2));
    primerWave.set(best, wave);
    for (const m of pathMarks) {
      if (nodeOf(m).depth >= node.depth) covered.add(m);
    }
  }

  const lastWave = primerWave.size === 0 ? 0 : Math.max(...primerWave.values()) + 1;
  const perWave = new Map<Mark, number[]>();
  for (const mark of marks) perWave.set(mark, new Array<number>(lastWave + 1).fill(0));
  for (const [request, wave] of primerWave) {
    for (const m of input.marksOf(request)) {
      perWave.get(m)![wave]! += 1;
      if (m.mode === "primed") {
        const list = primersOf.get(m) ?? [];
        list.push(request);
        primersOf.set(m, list);
      }
    }
  }
  const stats = new Map<Mark, MarkStats>();
  for (const mark of marks) {
    const counts = perWave.get(mark)!;
    const primersHere = counts.reduce((a, b) => a + b, 0);
    counts[lastWave]! += nodeOf(mark).count - primersHere;
    const writes = expectedWrites(counts, mark.ttl, input.concurrency);
    stats.set(mark, {
      primers: primersOf.get(mark) ?? [],
      writes,
      reads: nodeOf(mark).count - writes,
    });
  }
  return { primerWave, lastWave, stats };
}
