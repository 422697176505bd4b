/**
 * `probe()`: measures the provider's cache for one model with a small designed experiment, within
 * a spending cap, resumable, and writes what it measured as a calibration file that `plan`,
 * `estimate` and `simulate` accept. Each batch system supplies its own design (a
 * {@link ProbeTarget}): what to send to answer its open questions, and what that costs. Only the
 * Anthropic Message Batches API has one so far; the designs that would settle the open questions
 * of Bedrock, Vertex and OpenAI are described in the README.
 */
import { OptionsError } from "../errors.js";
import type { ModelTable } from "../pricing/models.js";
import { probeAnthropic } from "./_anthropic.js";
import { probeCost as anthropicCost } from "./_cost.js";
import type { ProbeCost, ProbeLongOptions, ProbeOptions, ProbeResult } from "./types.js";

/** Options of a probe's price table. */
export interface ProbeCostOptions {
  /** Requests per measured batch. @default 16 */
  k?: number | undefined;
  /** The timed reads, as `ProbeOptions.long`. @default false */
  long?: boolean | ProbeLongOptions | undefined;
  /** Model table. @default defaultModelTable */
  models?: ModelTable | undefined;
  /** Tokens of each prefix, once known. @default the model's minimum plus 15% */
  prefixTokens?: number;
}

/** What a batch system supplies to be probed. */
export interface ProbeTarget {
  /** The target's id, as `PlanOptions.target` names it. */
  id: string;
  /** The price table of its design for a model, before anything is sent. */
  cost(model: string, options?: ProbeCostOptions): ProbeCost;
  /** Runs (or resumes) its design. */
  run(options: ProbeOptions): Promise<ProbeResult>;
}

/** The probe designs there are, by target. */
export const PROBE_TARGETS: Readonly<Record<string, ProbeTarget>> = Object.freeze({
  anthropic: { id: "anthropic", cost: anthropicCost, run: probeAnthropic },
});

function targetOf(id: string | undefined): ProbeTarget {
  const target = PROBE_TARGETS[id ?? "anthropic"];
  if (target) return target;
  throw new OptionsError(
    `\`target\` ${JSON.stringify(id)} has no probe design yet; probes exist for ${Object.keys(PROBE_TARGETS).join(", ")}. The README lists the designs that would settle each other target's open questions.`,
  );
}

/**
 * Runs (or resumes) a probe of `options.model` on `options.target` (default `"anthropic"`).
 * Never spends more than `maxUsd` at the table's prices: a stage whose worst case could cross it
 * is not started (`status: "capped"`).
 *
 * @throws {ProbeError} when `out` is not this probe's folder, the model has no price, or the
 * prefixes cannot be sized; {@link OptionsError} on bad options or a target without a design;
 * the runner's `RunError` on an API failure (the state is saved: run again to resume).
 *
 * @example
 * ```ts
 * const result = await probe({ client: new Anthropic(), model: "claude-haiku-4-5", out: "probe/" });
 * result.measurements; // per quantity: estimate, 95% interval, counts, docs, verdict
 * // then: estimate(plan, { calibration: parseCalibration(result.calibration, "probe") })
 * ```
 */
export function probe(options: ProbeOptions): Promise<ProbeResult> {
  return targetOf(options?.target).run(options);
}

/** The price table of a probe of `model` on `target` (default `"anthropic"`); sends nothing. */
export function probeCost(
  model: string,
  options: ProbeCostOptions & { target?: string } = {},
): ProbeCost {
  return targetOf(options.target).cost(model, options);
}
