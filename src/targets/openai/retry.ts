/**
 * `retryOpenAI()`: a new OpenAI plan of what a finished run did not get done: failed requests with
 * a transient error (429, 5xx, timeouts), expired (`batch_expired`), cancelled
 * (`batch_cancelled`) and missing ones, and the batches a cancelled run never created. The
 * planner's own cache settings are taken off first (its `prompt_cache_key`s, its breakpoints and
 * its `prompt_cache_options`), the user's stay, and the requests are planned again. Requests that
 * failed for a reason a retry cannot cure (a 400, an unknown model) are listed instead. Offline.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { readPlan } from "../../io/plan-dir.js";
import { RunError } from "../../run/errors.js";
import { readRunState } from "../../run/state.js";
import type { RetryResult } from "../../run/types.js";
import { isObject, type Json } from "../../util/json.js";
import type { OpenAIGroupExtra } from "./core-plan.js";
import { toCorePlan } from "./core-plan.js";
import { endpointOf, type OpenAIBatchLine } from "./format.js";
import { planOpenAI } from "./plan.js";
import { readResult } from "./results.js";
import { walkOpenAI } from "./segments.js";

/** Error types a retry can cure: rate limits, server errors, timeouts. */
export const RETRYABLE_OPENAI_ERRORS: readonly string[] = Object.freeze([
  "rate_limit_exceeded",
  "rate_limit_error",
  "server_error",
  "api_error",
  "timeout",
  "http_408",
  "http_409",
  "http_429",
  "http_500",
  "http_502",
  "http_503",
  "http_504",
]);

/** `body` without the planner's breakpoints (at `labels`), key (`key`) and explicit mode. */
function withoutPlannerSettings(
  body: Json,
  labels: ReadonlySet<string>,
  key: string | undefined,
): Json {
  const url = endpointOf(body);
  let out: Json = { ...body };
  if (key !== undefined && out.prompt_cache_key === key) delete out.prompt_cache_key;
  if (
    isObject(out.prompt_cache_options) &&
    Object.keys(out.prompt_cache_options).length === 1 &&
    out.prompt_cache_options.mode === "explicit"
  )
    delete out.prompt_cache_options;
  const at: { item: number; part: number }[] = [];
  walkOpenAI(url, out, (s) => {
    if (s.marked && labels.has(s.label) && s.location.kind === "item")
      at.push({ item: s.location.item, part: s.location.part });
  });
  if (at.length === 0) return out;
  const field = url === "/v1/chat/completions" ? "messages" : "input";
  const items = [...(out[field] as Json[])];
  for (const { item, part } of at) {
    const content = [...(items[item]!.content as Json[])];
    const { prompt_cache_breakpoint: _bp, ...rest } = content[part]!;
    content[part] = rest;
    items[item] = { ...items[item]!, content };
  }
  out = { ...out, [field]: items };
  return out;
}

/** Plans again what a finished OpenAI run in `planDir` did not get done. */
export async function retryOpenAI(planDir: string): Promise<RetryResult> {
  const original = await readPlan(planDir);
  const state = await readRunState(planDir);
  if (state === null)
    throw new RunError(
      "bad-state",
      `\`${planDir}\` was never submitted: there is no run.json. Submit it first.`,
    );
  const open = state.batches.filter(
    (b) => b.state === "creating" || b.state === "submitted" || b.state === "ended",
  );
  if (open.length > 0)
    throw new RunError(
      "not-finished",
      `The run in \`${planDir}\` is not finished: ${open.length} batch${open.length === 1 ? " is" : "es are"} still processing or not downloaded. Resume it with \`cacheplan submit ${planDir}\`, or cancel it first.`,
    );
  const result: RetryResult = {
    plan: null,
    retried: { errored: 0, expired: 0, canceled: 0, missing: 0, "not-submitted": 0 },
    retriedErrors: {},
    toFix: [],
    succeeded: 0,
  };
  const decided = new Set<string>();
  const retry = new Set<string>();
  const created = new Set<number>();
  for (const b of state.batches) {
    if (b.state !== "downloaded") continue;
    created.add(b.index);
    const text = await readFile(path.join(planDir, b.results.file), "utf8");
    for (const line of text.split("\n")) {
      if (line.trim() === "") continue;
      const r = readResult(JSON.parse(line));
      if (!r || decided.has(r.id)) continue;
      decided.add(r.id);
      if (r.status === "succeeded") result.succeeded += 1;
      else if (r.status !== "failed") {
        retry.add(r.id);
        result.retried[r.status === "expired" ? "expired" : "canceled"] += 1;
      } else if (
        RETRYABLE_OPENAI_ERRORS.includes(r.errorType) ||
        r.errorType.startsWith("http_5")
      ) {
        retry.add(r.id);
        result.retried.errored += 1;
        result.retriedErrors[r.errorType] = (result.retriedErrors[r.errorType] ?? 0) + 1;
      } else {
        const raw = r.raw as { response?: { body?: { error?: { message?: string } } } };
        result.toFix.push({
          custom_id: r.id,
          errorType: r.errorType,
          message: raw.response?.body?.error?.message ?? r.errorType,
        });
      }
    }
  }
  for (const b of original.batches)
    for (const req of b.requests) {
      if (decided.has(req.custom_id)) continue;
      retry.add(req.custom_id);
      result.retried[created.has(b.index) ? "missing" : "not-submitted"] += 1;
    }
  if (retry.size === 0) return result;
  const settings = new Map<string, { labels: Set<string>; key: string | undefined }>();
  for (const g of original.groups as ((typeof original.groups)[number] &
    Partial<OpenAIGroupExtra>)[]) {
    const labels = new Set(g.breakpoints.map((b) => b.segment));
    const key = g.keyOrigin === "planner" ? (g.promptCacheKey ?? undefined) : undefined;
    for (const id of g.customIds) settings.set(id, { labels, key });
  }
  const lines: OpenAIBatchLine[] = [];
  for (const b of original.batches)
    for (const req of b.requests) {
      if (!retry.has(req.custom_id)) continue;
      const body = (req as unknown as { params: Json }).params;
      const s = settings.get(req.custom_id);
      const clean = s
        ? withoutPlannerSettings(body, s.labels, s.key)
        : withoutPlannerSettings(body, new Set(), undefined);
      lines.push({ custom_id: req.custom_id, method: "POST", url: endpointOf(clean), body: clean });
    }
  const o = original.options as typeof original.options & { maxEnqueuedTokens?: number };
  result.plan = toCorePlan(
    await planOpenAI(lines, {
      strategy: o.strategy,
      userMarkers: o.userMarkers,
      maxRequests: o.maxRequests,
      maxBytes: o.maxBytes,
      maxWaves: typeof o.maxWaves === "number" ? Math.min(2, o.maxWaves) : 2,
      concurrency: o.concurrency,
      ...(o.maxEnqueuedTokens === undefined ? {} : { maxEnqueuedTokens: o.maxEnqueuedTokens }),
    }),
  );
  return result;
}
