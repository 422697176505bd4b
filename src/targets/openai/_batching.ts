/**
 * Cuts the planned lines into input files (internal): wave by wave, one model and one endpoint per
 * file (reference §4.1: "Each input file can only include requests to a single model"; one
 * endpoint per batch), under `maxRequests`, `maxBytes` and the enqueued-token budget, keeping a
 * group in one file when it fits.
 */

export interface BatchItem {
  bytes: number;
  tokens: number;
  /** Group index, -1 for none; equal groups are contiguous. */
  unit: number;
}

export interface Limits {
  maxRequests: number;
  maxBytes: number;
  maxTokens: number;
}

/** [start, end) ranges over the items, and the groups cut across files. */
export function splitFiles(
  items: readonly BatchItem[],
  limits: Limits,
): { ranges: [number, number][]; splitUnits: Set<number> } {
  const ranges: [number, number][] = [];
  const splitUnits = new Set<number>();
  let start = 0;
  let count = 0;
  let bytes = 0;
  let tokens = 0;
  const fits = (b: number, t: number, n: number) =>
    count + n <= limits.maxRequests &&
    bytes + b <= limits.maxBytes &&
    tokens + t <= limits.maxTokens;
  const close = () => {
    if (count > 0) ranges.push([start, start + count]);
    start += count;
    count = 0;
    bytes = 0;
    tokens = 0;
  };
  let i = 0;
  while (i < items.length) {
    const unit = items[i]!.unit;
    let j = i + 1;
    if (unit >= 0) while (j < items.length && items[j]!.unit === unit) j++;
    let b = 0;
    let t = 0;
    for (let k = i; k < j; k++) {
      b += items[k]!.bytes + 1;
      t += items[k]!.tokens;
    }
    if (!fits(b, t, j - i)) {
      const empty = count === 0;
      if (!empty && b <= limits.maxBytes && t <= limits.maxTokens && j - i <= limits.maxRequests)
        close();
    }
    if (fits(b, t, j - i)) {
      count += j - i;
      bytes += b;
      tokens += t;
    } else {
      // The group does not fit in one file: fill item by item.
      const first = ranges.length;
      for (let k = i; k < j; k++) {
        const it = items[k]!;
        if (!fits(it.bytes + 1, it.tokens, 1)) close();
        count += 1;
        bytes += it.bytes + 1;
        tokens += it.tokens;
      }
      if (unit >= 0 && ranges.length > first) splitUnits.add(unit);
    }
    i = j;
  }
  close();
  return { ranges, splitUnits };
}
