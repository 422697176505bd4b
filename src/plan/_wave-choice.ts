/**
 * How many waves the job gets (internal). Each model's primers are laid out for the allowed wave
 * counts (`_waves.ts`); with `maxWaves: "auto"` the choice between 2 and 3 waves is made for the
 * whole job, on the expected cost of the cached prefixes.
 */
import type { Mark } from "./_breakpoints.js";
import type { ModelWaves, PlanContext } from "./_context.js";
import { writeMultiplier } from "./_cost-model.js";
import type { ModelScope } from "./_model.js";
import { sliceJob } from "./_slices.js";
import { assignWaves, type MarkStats } from "./_waves.js";

/**
 * With `maxWaves: "auto"`, a third wave (nested prefixes primed level by level) is used when it
 * lowers the expected cost of the cached prefixes by at least this share. In a 2-wave plan every
 * primer runs in wave 0, so a prefix above several primed sub-prefixes is written once per primer
 * (up to the concurrency) at the 1h price; the strategy benchmark measured +3% to +14% over ideal
 * from this on nested workloads, and 0% with 3 waves.
 */
const AUTO_THIRD_WAVE_MIN_SAVING = 0.01;

/** The job's waves: the wave of each primer (by request index); every other request runs last. */
export interface JobWaves {
  primerWave: (number | undefined)[];
  lastWave: number;
  /**
   * The wave of every request when the job was sliced for the processing queue (`_slices.ts`);
   * it overrides `primerWave` and `lastWave` for each request.
   */
  waveOf?: number[];
}

/**
 * One model's wave layouts: with `maxWaves: "auto"`, both 2 waves (every primer in wave 0) and 3
 * (nested prefixes primed level by level); the choice is made for the whole job by `chooseWaves`.
 */
export function layoutWaves(
  ctx: PlanContext,
  scope: ModelScope,
  marks: readonly Mark[],
  localMarks: readonly (Mark[] | undefined)[],
): ModelWaves {
  const { options, accepted } = ctx;
  const { indices } = scope;
  const waveCounts = options.maxWaves === "auto" ? [2, 3] : [options.maxWaves];
  const layouts = waveCounts.map((maxWaves) =>
    assignWaves({
      marks,
      order: scope.order,
      marksOf: (local) => localMarks[local] ?? [],
      primerCost: (local) => {
        const a = accepted[indices[local]!]!;
        // Prefer short answers and small bodies (wave 0 should end fast), then input order.
        return a.maxTokens * 1e12 + a.bytes * 1e3 + local / indices.length;
      },
      maxWaves,
      concurrency: options.concurrency,
    }),
  );
  const price = scope.info.inputPerMTok;
  const readMultiplier = scope.info.readMultiplier;
  return {
    indices,
    layouts,
    costs: layouts.map((l) => price * cachedInputUnits(ctx, marks, l.stats, readMultiplier)),
  };
}

/**
 * Picks the layout for the job (a third wave only when priming nested prefixes level by level
 * pays enough) and records each mark's primers, expected writes and reads.
 */
export function chooseWaves(ctx: PlanContext): JobWaves {
  const totalCost = (k: number) =>
    ctx.waves.reduce((sum, w) => sum + (w.costs[k] ?? w.costs[0]!), 0);
  // Slicing for the queue lays out two waves per slice: nested primers are not staged then.
  const slicing =
    ctx.options.maxQueued !== undefined && ctx.accepted.length > ctx.options.maxQueued;
  const useThird =
    !slicing &&
    ctx.options.maxWaves === "auto" &&
    totalCost(0) - totalCost(1) >= AUTO_THIRD_WAVE_MIN_SAVING * totalCost(0);
  const primerWave: (number | undefined)[] = new Array(ctx.accepted.length);
  let lastWave = 0;
  for (const { indices, layouts } of ctx.waves) {
    const waves = layouts[useThird ? 1 : 0] ?? layouts[0]!;
    for (const [local, wave] of waves.primerWave) primerWave[indices[local]!] = wave;
    lastWave = Math.max(lastWave, waves.lastWave);
    for (const [mark, stats] of waves.stats) {
      ctx.placed.get(mark)!.stats = { ...stats, primers: stats.primers.map((l) => indices[l]!) };
    }
  }
  return slicing && lastWave === 1
    ? sliceForQueue(ctx, primerWave, ctx.options.maxQueued!)
    : { primerWave, lastWave };
}

/** The job sliced for the processing queue, and the plan's note saying so (`_slices.ts`). */
function sliceForQueue(
  ctx: PlanContext,
  primerWave: (number | undefined)[],
  maxQueued: number,
): JobWaves {
  const sliced = sliceJob(ctx, primerWave, maxQueued);
  if (sliced === null) return { primerWave, lastWave: 1 };
  ctx.warnings.push({
    kind: "queue-slices",
    maxQueued,
    requests: ctx.accepted.length,
    slices: sliced.slices,
    waves: sliced.waves,
    reprimedGroups: sliced.reprimedGroups,
    reprimes: sliced.reprimes,
  });
  const waveOf = sliced.waveOf;
  return {
    primerWave: primerWave.map((w, r) => (w === undefined ? w : waveOf[r])),
    lastWave: sliced.waves - 1,
    waveOf,
  };
}

/** Expected cost of the cached prefixes in base-input units: each mark's own tokens × (writes × write price + reads × read price). */
function cachedInputUnits(
  ctx: PlanContext,
  marks: readonly Mark[],
  stats: ReadonlyMap<Mark, MarkStats>,
  readMultiplier: number,
): number {
  let units = 0;
  for (const mark of marks) {
    const s = stats.get(mark)!;
    const parent = ctx.placed.get(mark)!.parent;
    const delta = mark.candidate.tokens - (parent?.mark.candidate.tokens ?? 0);
    units += delta * (s.writes * writeMultiplier(mark.ttl) + s.reads * readMultiplier);
  }
  return units;
}
