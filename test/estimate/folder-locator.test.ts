/** The large-plan estimate finds each custom_id's group in plan.json, in any order. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { locator } from "../../src/estimate/_folder-read.js";

describe("locator", () => {
  it("gives every id its group and position, in plan order or shuffled, and none to others", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 60 }), { minLength: 1, maxLength: 6 }),
        fc.infiniteStream(fc.nat()),
        (sizes, randoms) => {
          const groups = sizes.map((n, g) => ({
            customIds: Array.from({ length: n }, (_, k) => `g${g}-${k}`),
          }));
          const expected = groups.flatMap((g, k) => g.customIds.map((id) => ({ id, group: k })));
          const order = expected.map((e, k) => ({ ...e, position: k }));
          // Shuffle all but a run at the start (in order), so both ways of finding are used.
          const it = randoms[Symbol.iterator]();
          for (let k = order.length - 1; k > 10; k--) {
            const j = 10 + (it.next().value % (k - 9));
            [order[k], order[j]] = [order[j]!, order[k]!];
          }
          const locate = locator(groups);
          expect(locate.size).toBe(expected.length);
          for (const { id, group, position } of order) {
            expect(locate(id)).toEqual({ group, position });
            expect(locate(`${id}-other`)).toBeUndefined();
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
