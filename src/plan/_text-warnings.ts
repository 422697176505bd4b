/**
 * The `split-text` warning (internal, issue 13): without `splitText`, what splitting text blocks
 * at their shared prefixes would save. The breakpoints are chosen twice over the same trie, without
 * and with split points allowed; each group of the second choice that holds a split point is
 * compared with the marks of the first choice inside it, by the expected-miss model's own gains.
 */
import type { Mark } from "./_breakpoints.js";
import { savingsPerToken } from "./_cost-model.js";
import type { DriftOptions } from "./_drift.js";
import type { TextPaths } from "./_text-paths.js";
import type { TrieNode } from "./_trie.js";
import type { PlanWarning } from "./warnings.js";

export interface SplitTextInput {
  model: string;
  /** The marks chosen (no split points). */
  marks: readonly Mark[];
  /** The marks chosen with split points allowed. */
  withSplits: readonly Mark[];
  /** Whether a node is a split point inside a block. */
  isSplit: (node: TrieNode) => boolean;
  /** The block a node is in, for people. */
  label: (node: TrieNode) => string;
  concurrency: number;
  readMultiplier: number;
  /** USD of one base-input token at batch price; 0 when the model has no price. */
  usdPerUnit: number;
}

const within = (inner: TrieNode, outer: TrieNode) =>
  inner.range[0] >= outer.range[0] && inner.range[1] <= outer.range[1];

/** Expected saving of each mark in base-input units, and the top (group) mark of each. */
function gains(marks: readonly Mark[], input: SplitTextInput) {
  const gain = new Map<Mark, number>();
  const top = new Map<Mark, Mark>();
  const stack: Mark[] = [];
  for (const mark of marks) {
    const node = mark.candidate.node;
    while (stack.length > 0 && !within(node, stack[stack.length - 1]!.candidate.node)) stack.pop();
    const parent = stack[stack.length - 1];
    const perToken = savingsPerToken(
      node.count,
      mark.mode,
      mark.ttl,
      input.concurrency,
      input.readMultiplier,
    );
    gain.set(mark, (mark.candidate.tokens - (parent?.candidate.tokens ?? 0)) * perToken);
    top.set(mark, stack[0] ?? mark);
    stack.push(mark);
  }
  return { gain, top };
}

/**
 * Groups listed one by one per model; the rest are folded into one more warning, so the warnings
 * always add up to the whole saving (`estimate` sums them) without listing thousands of groups.
 */
export const SPLIT_TEXT_LISTED = 19;

/** What splitting would save, and the split points of the groups it names. */
export interface SplitTextFindings {
  /** One warning per group, largest saving first; groups past the listed ones folded into one. */
  warnings: PlanWarning[];
  /** The split points of the groups the warnings name (their shared text explains the sharing). */
  covered: Set<TrieNode>;
}

/** One warning per group that split points would add to or improve, largest saving first. */
export function splitTextWarnings(input: SplitTextInput): SplitTextFindings {
  const without = gains(input.marks, input);
  const withSplits = gains(input.withSplits, input);
  const groups = new Map<Mark, { units: number; splits: Mark[] }>();
  for (const mark of input.withSplits) {
    const top = withSplits.top.get(mark)!;
    const group = groups.get(top) ?? { units: 0, splits: [] };
    group.units += withSplits.gain.get(mark)!;
    if (input.isSplit(mark.candidate.node)) group.splits.push(mark);
    groups.set(top, group);
  }
  const out: { units: number; warning: Extract<PlanWarning, { kind: "split-text" }> }[] = [];
  const covered = new Set<TrieNode>();
  for (const [top, { units, splits }] of groups) {
    if (splits.length === 0) continue;
    let saved = units;
    for (const mark of input.marks) {
      if (within(mark.candidate.node, top.candidate.node)) saved -= without.gain.get(mark)!;
    }
    if (saved <= 0) continue;
    for (const split of splits) covered.add(split.candidate.node);
    const split = splits[0]!;
    const node = split.candidate.node;
    out.push({
      units: saved,
      warning: {
        kind: "split-text",
        model: input.model,
        segment: input.label(node),
        requests: node.count,
        sharedTokens: split.candidate.tokens,
        savedInputUnits: Math.round(saved),
        savingUsd: usd(saved, input.usdPerUnit),
      },
    });
  }
  out.sort((a, b) => b.units - a.units);
  const listed = out.slice(0, SPLIT_TEXT_LISTED).map((o) => o.warning);
  const rest = out.slice(SPLIT_TEXT_LISTED);
  if (rest.length > 0) {
    const units = rest.reduce((sum, o) => sum + o.units, 0);
    listed.push({
      ...rest[0]!.warning,
      requests: rest.reduce((sum, o) => sum + o.warning.requests, 0),
      savedInputUnits: Math.round(units),
      savingUsd: usd(units, input.usdPerUnit),
      groups: rest.length,
    });
  }
  return { warnings: listed, covered };
}

function usd(units: number, usdPerUnit: number): number | null {
  return usdPerUnit > 0 ? Math.round(units * usdPerUnit * 100) / 100 : null;
}

/** The split points among a plan's marks (with `splitText`: the splits it makes). */
export function splitPoints(
  marks: readonly Mark[],
  isSplit: (node: TrieNode) => boolean,
): Set<TrieNode> {
  return new Set(marks.map((m) => m.candidate.node).filter(isSplit));
}

/**
 * How drift detection reads text pieces: siblings below a piece share its characters (compared
 * from there on), and a split point the plan splits at or the warnings name explains the sharing
 * below it within its block, so no `prefix-drift` is reported there (issue 13: a short variable
 * part after a shared template is what `split-text` is for).
 */
export function driftOptions(paths: TextPaths, covered: ReadonlySet<TrieNode>): DriftOptions {
  const cutOf = (node: TrieNode) =>
    node.depth > 0 ? paths.cutAt(node.representative, node.depth) : -1;
  return {
    sharedChars: (node) => Math.max(0, cutOf(node)),
    explained: (node) => {
      if (covered.size === 0) return false;
      for (let n: TrieNode | undefined = node; n && cutOf(n) >= 0; n = n.parent) {
        if (covered.has(n)) return true;
      }
      return false;
    },
  };
}
