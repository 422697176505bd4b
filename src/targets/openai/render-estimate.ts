/** An OpenAI estimate as text for an 80-column terminal. Pure. */
import { wrap } from "../../util/format.js";
import { OPENAI_SCENARIOS, type OpenAIEstimate, type OpenAIScenario } from "./estimate.js";

const LABELS: Record<OpenAIScenario, string> = {
  standard: "standard API, no caching",
  batch: "Batch API, no caching",
  ideal: "Batch, ideal (each prefix written once)",
  planned: "Batch, this plan (parallel rounds)",
  worst: "Batch, nothing read, all writes",
  flex: "Flex alternative (upper bound)",
};

const usd = (v: number | null) => (v === null ? "no price" : `$${v.toFixed(3)}`);
const pct = (v: number) => `${(v * 100).toFixed(1)}%`;

/** The estimate as text. */
export function renderOpenAIEstimate(e: OpenAIEstimate): string {
  const out: string[] = [
    `Estimate: ${e.requests.toLocaleString("en-US")} requests on the OpenAI Batch API (tokens by ${e.counter})`,
    "",
  ];
  const table = (scenarios: OpenAIEstimate["total"], indent: string) => {
    for (const s of OPENAI_SCENARIOS) {
      const c = scenarios[s];
      out.push(
        `${indent}${LABELS[s].padEnd(42)} ${usd(c.usd).padStart(10)}  hit rate ${pct(c.hitRate)}`,
      );
    }
  };
  table(e.total, "  ");
  const planned = e.total.planned.usd;
  const batch = e.total.batch.usd;
  if (planned !== null && batch !== null && batch > 0)
    out.push(
      "",
      `The plan costs ${pct(1 - planned / batch)} less than the same batches without caching.`,
    );
  const models = Object.entries(e.byModel);
  if (models.length > 1) {
    for (const [model, m] of models) {
      out.push("", `${model} (${m.requests} requests, ${m.cacheMode} caching)`);
      table(m.scenarios, "    ");
    }
  }
  out.push("", "Notes");
  for (const note of e.notes) out.push(...wrap(note, 79, "  "));
  return `${out.join("\n")}\n`;
}
