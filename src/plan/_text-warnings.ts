/**
 * The `split-text` warning (internal, issue 13): without `splitText`, what splitting text blocks
 * at their shared prefixes would save. The breakpoints are chosen twice over the same trie, without
 * and with split points allowed; each group of the second choice that holds a split point is
 * compared with the marks of the first choice inside it, by the expected-miss model's own gains.
 */
import type { Mark } from "./_breakpoints.js";
import { savingsPerToken } from "./_cost-model.js";
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

/** One warning per group that split points would add to or improve, largest saving first. */
export function splitTextWarnings(input: SplitTextInput): PlanWarning[] {
  const without = gains(input.marks, input);
  const withSplits = gains(input.withSplits, input);
  const groups = new Map<Mark, { units: number; split: Mark | undefined }>();
  for (const mark of input.withSplits) {
    const top = withSplits.top.get(mark)!;
    const group = groups.get(top) ?? { units: 0, split: undefined };
    group.units += withSplits.gain.get(mark)!;
    if (group.split === undefined && input.isSplit(mark.candidate.node)) group.split = mark;
    groups.set(top, group);
  }
  const out: { units: number; warning: PlanWarning }[] = [];
  for (const [top, { units, split }] of groups) {
    if (split === undefined) continue;
    let saved = units;
    for (const mark of input.marks) {
      if (within(mark.candidate.node, top.candidate.node)) saved -= without.gain.get(mark)!;
    }
    if (saved <= 0) continue;
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
        savingUsd: input.usdPerUnit > 0 ? Math.round(saved * input.usdPerUnit * 100) / 100 : null,
      },
    });
  }
  return out.sort((a, b) => b.units - a.units).map((o) => o.warning);
}
