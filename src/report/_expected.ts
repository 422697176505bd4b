/**
 * What the estimate expects of each planned request (internal): its group's or its model's share
 * of the estimate's `planned` and `ideal` scenarios, and the part of each group credited once.
 */
import { OptionsError } from "../errors.js";
import type { Estimate, EstimateFigures } from "../estimate/types.js";
import { addTokens, type TokenBreakdown, zeroTokens } from "../pricing/cost.js";
import type { PlannedGroup } from "../types.js";

/** A scenario's tokens and USD by kind, for one request (a stratum's mean). */
export interface ScenarioShare {
  tokens: TokenBreakdown;
  usdByKind: TokenBreakdown;
}

/** What the estimate expects of one request: its stratum's mean in `planned` and `ideal`. */
export interface Expected {
  planned: ScenarioShare;
  ideal: ScenarioShare;
}

function share(figures: EstimateFigures, s: "planned" | "ideal", factor: number): ScenarioShare {
  return {
    tokens: addTokens(zeroTokens(), figures.scenarios[s].tokens, factor),
    usdByKind: addTokens(zeroTokens(), figures.scenarios[s].usdByKind, factor),
  };
}

function scale(figures: EstimateFigures, factor: number): Expected {
  return { planned: share(figures, "planned", factor), ideal: share(figures, "ideal", factor) };
}

/**
 * A group's estimate split so that any subset of k of its n requests can be credited: an entry
 * is written once however many requests follow, so the writes are credited whole (`fixed`, once
 * the group has a succeeded request); the reads go to the other k − 1 (R/(n − 1) per request, and
 * one share taken back in `fixed`); input and output per request (1/n each).
 */
function groupShares(figures: EstimateFigures): { perRequest: Expected; fixed: Expected } {
  const n = figures.requests;
  const split = (s: "planned" | "ideal") => {
    const whole = figures.scenarios[s];
    const perRequest = share(figures, s, n > 0 ? 1 / n : 0);
    const fixed = { tokens: zeroTokens(), usdByKind: zeroTokens() };
    for (const key of ["tokens", "usdByKind"] as const) {
      perRequest[key].cacheWrite5m = perRequest[key].cacheWrite1h = 0;
      perRequest[key].cacheRead = n > 1 ? whole[key].cacheRead / (n - 1) : 0;
      fixed[key].cacheWrite5m = whole[key].cacheWrite5m;
      fixed[key].cacheWrite1h = whole[key].cacheWrite1h;
      fixed[key].cacheRead = -perRequest[key].cacheRead;
    }
    return { perRequest, fixed };
  };
  const planned = split("planned");
  const ideal = split("ideal");
  return {
    perRequest: { planned: planned.perRequest, ideal: ideal.perRequest },
    fixed: { planned: planned.fixed, ideal: ideal.fixed },
  };
}

/** Per-request shares of the estimate: per group (plus its fixed part), per model outside groups. */
export function strata(
  plan: { groups: readonly PlannedGroup[] },
  estimate: Estimate,
  planned: number,
) {
  if (estimate.total.requests !== planned || estimate.groups.length !== plan.groups.length)
    throw new OptionsError(
      `\`estimate\` does not belong to \`plan\`: it covers ${estimate.total.requests} requests in ${estimate.groups.length} groups, the plan ${planned} in ${plan.groups.length}. Pass \`estimate(plan)\` of the same plan.`,
    );
  const group = plan.groups.map((g, k) => {
    const e = estimate.groups[k]!;
    if (e.id !== g.id)
      throw new OptionsError(
        `\`estimate\` does not belong to \`plan\`: its group ${k + 1} is ${e.id}, the plan's ${g.id}.`,
      );
    return groupShares(e);
  });
  const model = new Map<string, Expected>();
  for (const [id, m] of Object.entries(estimate.byModel)) {
    let requests = m.requests;
    const rest = scale(m, 1);
    plan.groups.forEach((g, k) => {
      if (g.model !== id) return;
      const e = estimate.groups[k]!;
      requests -= e.requests;
      for (const s of ["planned", "ideal"] as const) {
        addTokens(rest[s].tokens, e.scenarios[s].tokens, -1);
        addTokens(rest[s].usdByKind, e.scenarios[s].usdByKind, -1);
      }
    });
    if (requests > 0) {
      for (const s of ["planned", "ideal"] as const) {
        rest[s].tokens = addTokens(zeroTokens(), rest[s].tokens, 1 / requests);
        rest[s].usdByKind = addTokens(zeroTokens(), rest[s].usdByKind, 1 / requests);
      }
      model.set(id, rest);
    }
  }
  return { group, model };
}
