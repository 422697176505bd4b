/**
 * Cuts one wave's ordered requests into batches under `maxRequests` and `maxBytes` (internal).
 * Body bytes are those of `{"requests":[r1,r2,...]}`. A group stays within one batch when it
 * fits; one that cannot fit in an empty batch is split across consecutive batches.
 */

export interface SplitItem {
  /** Serialized bytes of the request. */
  bytes: number;
  /** Group of the request, or -1 when it is in no group. Equal groups are contiguous. */
  unit: number;
}

/** `{"requests":[` + `]}`: the body's fixed bytes. */
export const BODY_OVERHEAD_BYTES = '{"requests":['.length + "]}".length;

export interface SplitResult {
  /** Batches as [start, end) ranges over the items. */
  batches: Array<[number, number]>;
  /** Units that ended up in more than one batch, with the number of batches. */
  splitUnits: Map<number, number>;
}

export function splitBatches(
  items: readonly SplitItem[],
  maxRequests: number,
  maxBytes: number,
): SplitResult {
  const batches: Array<[number, number]> = [];
  const splitUnits = new Map<number, number>();
  let start = 0;
  let count = 0;
  let bytes = BODY_OVERHEAD_BYTES;
  const close = () => {
    if (count > 0) batches.push([start, start + count]);
    start += count;
    count = 0;
    bytes = BODY_OVERHEAD_BYTES;
  };
  const cost = (item: SplitItem, n: number) => item.bytes + (n > 0 ? 1 : 0);
  const fits = (n: number, b: number) => n <= maxRequests && b <= maxBytes;

  let i = 0;
  while (i < items.length) {
    // The unit starting at i: a group's contiguous run, or a single ungrouped request.
    const unit = items[i]!.unit;
    let j = i + 1;
    let unitBytes = items[i]!.bytes;
    if (unit >= 0) {
      while (j < items.length && items[j]!.unit === unit) {
        unitBytes += items[j]!.bytes + 1;
        j += 1;
      }
    }
    const n = j - i;
    if (fits(count + n, bytes + unitBytes + (count > 0 ? 1 : 0))) {
      count += n;
      bytes += unitBytes + (count > n ? 1 : 0);
    } else if (fits(n, BODY_OVERHEAD_BYTES + unitBytes)) {
      close();
      count = n;
      bytes += unitBytes;
    } else {
      // Larger than a whole batch: fill the current batch, then continue in new ones.
      // The batch the unit's first request lands in: the open one, unless it must close first.
      let first = batches.length;
      for (let k = i; k < j; k++) {
        const item = items[k]!;
        if (!fits(count + 1, bytes + cost(item, count))) close();
        if (k === i) first = batches.length;
        bytes += cost(item, count);
        count += 1;
      }
      const last = count > 0 ? batches.length : batches.length - 1;
      if (unit >= 0) splitUnits.set(unit, last - first + 1);
    }
    i = j;
  }
  close();
  return { batches, splitUnits };
}
