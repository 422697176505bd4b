import { cell, int, money, usdFormatter as usdFormat, wrap } from "../util/format.js";
import { type Estimate, type EstimateFigures, SCENARIOS } from "./types.js";

/** Options of `renderEstimate`. */
export interface RenderEstimateOptions {
  /** Most groups listed, by saving against batch. @default 10 */
  maxGroups?: number;
  /** Width to wrap notes to. @default 80 */
  width?: number;
}

const tokens = (value: number) =>
  value >= 1e10 ? `${(value / 1e9).toFixed(2)}B` : Math.round(value).toLocaleString("en-US");

function change(value: number, reference: number): string {
  if (reference === 0) return "—";
  const p = ((value - reference) / reference) * 100;
  const text = p.toFixed(1);
  // What rounds to zero is shown as zero: "0.0%", never "-0.0%".
  if (Number(text) === 0) return "0.0%";
  return `${p > 0 ? "+" : ""}${text}%`;
}

/** USD amounts of the tables: four significant digits of `scale`, no `$` (the header says USD). */
const usdFormatter = (scale: number) => usdFormat(scale, { symbol: false });

function costTable(figures: EstimateFigures, sampled: boolean): string[] {
  const s = figures.scenarios;
  const usd = usdFormatter(s.standard.usd);
  const lines = [
    `  ${cell("scenario", 9, true)}${cell("USD", 12)}${sampled ? cell("± 95%", 9) : ""}${cell("vs standard", 12)}${cell("vs batch", 10)}  USD, output 0 .. max`,
  ];
  for (const name of SCENARIOS) {
    const c = s[name];
    lines.push(
      `  ${cell(name, 9, true)}${cell(usd(c.usd), 12)}${sampled ? cell(usd(c.usdMargin95), 9) : ""}${cell(name === "standard" ? "—" : change(c.usd, s.standard.usd), 12)}${cell(name === "standard" || name === "batch" ? "—" : change(c.usd, s.batch.usd), 10)}  ${usd(c.usdRange.low)} .. ${usd(c.usdRange.high)}`,
    );
  }
  return lines;
}

function tokenTable(figures: EstimateFigures): string[] {
  const lines = [
    `  ${cell("tokens", 9, true)}${cell("input", 14)}${cell("write 5m", 12)}${cell("write 1h", 12)}${cell("read", 14)}${cell("output", 12)}`,
  ];
  for (const name of SCENARIOS) {
    const t = figures.scenarios[name].tokens;
    lines.push(
      `  ${cell(name, 9, true)}${cell(tokens(t.input), 14)}${cell(tokens(t.cacheWrite5m), 12)}${cell(tokens(t.cacheWrite1h), 12)}${cell(tokens(t.cacheRead), 14)}${cell(tokens(t.output), 12)}`,
    );
  }
  return lines;
}

/** How `planned` was computed, and its range over the simulated concurrencies. */
function plannedLine(estimate: Estimate): string {
  const how = estimate.plannedModel;
  if (how.kind === "expected")
    return `the plan's expected writes and reads (concurrency ${int(how.concurrency)})`;
  const simulated = `simulated, concurrency ${int(how.concurrency)}`;
  const range = estimate.total.plannedRange;
  if (range === null) return `${simulated}; no sensitivity runs`;
  const usd = usdFormatter(estimate.total.scenarios.standard.usd);
  const first = range.runs[0]!.concurrency;
  const last = range.runs[range.runs.length - 1]!.concurrency;
  return `${simulated}; at ${int(first)} to ${int(last)}: ${usd(range.low)} .. ${usd(range.high)} USD`;
}

/**
 * The estimate as text for an 80-column terminal: the scenario table with savings against
 * `standard` and `batch`, the token split, per model and per group figures, and the notes (which
 * counter, its uncertainty, the output assumption and its range). Pure: the CLI prints it.
 */
export function renderEstimate(estimate: Estimate, options: RenderEstimateOptions = {}): string {
  const width = options.width ?? 80;
  const { total } = estimate;
  const lines = headerLines(estimate, width);
  lines.push("");
  lines.push(...costTable(total, total.inputTokensMargin95 > 0));
  lines.push(...costCaveats(estimate, width));
  lines.push("");
  lines.push(...tokenTable(total));
  lines.push(...modelTable(estimate));
  lines.push(...groupTable(estimate, options.maxGroups ?? 10));
  if (estimate.notes.length > 0) {
    lines.push("");
    lines.push("Notes");
    for (const note of estimate.notes) lines.push(...wrap(note, width, "  - ", "    "));
  }
  lines.push("");
  const saved = (reference: number) => {
    const delta = reference - total.scenarios.planned.usd;
    return delta >= 0 ? `saves ${money(delta)}` : `costs ${money(-delta)} more`;
  };
  lines.push(
    ...wrap(
      `Planned ${saved(total.scenarios.batch.usd)} against the batch without caching and ${saved(total.scenarios.standard.usd)} against the Messages API.`,
      width,
      "",
      "",
    ),
  );
  return `${lines.join("\n")}\n`;
}

/** The title, and how tokens, output and `planned` were obtained. */
function headerLines(estimate: Estimate, width: number): string[] {
  const { total, count, output } = estimate;
  const models = Object.keys(estimate.byModel);
  const lines: string[] = [];
  lines.push(
    `Cost estimate: ${int(total.requests)} request${total.requests === 1 ? "" : "s"}, ${models.length} model${models.length === 1 ? "" : "s"}, ${estimate.groups.length} cached group${estimate.groups.length === 1 ? "" : "s"}`,
  );
  const how = estimate.estimated ? "an estimate" : "the API's counts";
  const coverage =
    count.mode === "sampled" && count.sampledRequests < count.requests
      ? `tails of ${int(count.sampledRequests)} of ${int(count.requests)} requests tokenized, input ±${int(total.inputTokensMargin95)} tokens (95%)`
      : "every request counted";
  lines.push(
    ...wrap(`${estimate.counter}, ${how}; ${coverage}`, width, "  tokens  ", "          "),
  );
  const assumption =
    output.assumption.kind === "tokens"
      ? `${int(output.assumption.tokens)} per request`
      : `${Math.round(output.assumption.fraction * 100)}% of max_tokens`;
  lines.push(
    ...wrap(
      `${assumption}: ${int(output.assumedTokens)} tokens (range 0 to ${int(output.maxTokens)})`,
      width,
      "  output  ",
      "          ",
    ),
  );
  lines.push(...wrap(plannedLine(estimate), width, "  planned ", "          "));
  return lines;
}

/** Under the cost table: models left unpriced, and what `--split-text` would save. */
function costCaveats(estimate: Estimate, width: number): string[] {
  const lines: string[] = [];
  if (estimate.unpriced) {
    const left = estimate.unpriced.map((u) => `${u.model} (${int(u.requests)})`).join(", ");
    lines.push(
      ...wrap(
        `USD leaves out requests of models without prices: ${left}; see the notes`,
        width,
        "  unknown price: ",
        "    ",
      ),
    );
  }
  if (estimate.splitText) {
    const { groups, requests, savingUsd } = estimate.splitText;
    lines.push(
      ...wrap(
        `$${savingUsd.toFixed(2)} less expected (${int(requests)} requests in ${groups} group${groups === 1 ? "" : "s"} share long text inside a block; see the split-text warnings)`,
        width,
        "  with --split-text: ",
        "    ",
      ),
    );
  }
  return lines;
}

/** Per model, when there are several models or any group. */
function modelTable(estimate: Estimate): string[] {
  const models = Object.keys(estimate.byModel);
  if (models.length <= 1 && estimate.groups.length === 0) return [];
  const usd = usdFormatter(estimate.total.scenarios.standard.usd);
  const lines = [
    "",
    `  ${cell("model", 26, true)}${cell("requests", 9)}${cell("batch", 11)}${cell("planned", 11)}${cell("vs batch", 10)}`,
  ];
  for (const model of models) {
    const f = estimate.byModel[model]!;
    lines.push(
      f.priced === false
        ? `  ${cell(model, 26, true)}${cell(int(f.requests), 9)}  unknown price`
        : `  ${cell(model, 26, true)}${cell(int(f.requests), 9)}${cell(usd(f.scenarios.batch.usd), 11)}${cell(usd(f.scenarios.planned.usd), 11)}${cell(change(f.scenarios.planned.usd, f.scenarios.batch.usd), 10)}`,
    );
  }
  return lines;
}

/** The groups that save most (at most `maxGroups`), with their break-even hit rates. */
function groupTable(estimate: Estimate, maxGroups: number): string[] {
  if (estimate.groups.length === 0) return [];
  const usd = usdFormatter(estimate.total.scenarios.standard.usd);
  const top = [...estimate.groups]
    .sort(
      (a, b) =>
        b.scenarios.batch.usd -
        b.scenarios.planned.usd -
        (a.scenarios.batch.usd - a.scenarios.planned.usd),
    )
    .slice(0, maxGroups);
  const lines = [
    "",
    `  ${cell(`group (${top.length} of ${estimate.groups.length})`, 26, true)}${cell("requests", 9)}${cell("batch", 11)}${cell("planned", 11)}${cell("vs batch", 10)}${cell("break-even", 11)}`,
  ];
  for (const g of top) {
    const h = g.breakEvenHitRate;
    if (estimate.byModel[g.model]?.priced === false) {
      lines.push(
        `  ${cell(`${g.id} ${g.model}`, 26, true)}${cell(int(g.requests), 9)}  unknown price`,
      );
      continue;
    }
    lines.push(
      `  ${cell(`${g.id} ${g.model}`, 26, true)}${cell(int(g.requests), 9)}${cell(usd(g.scenarios.batch.usd), 11)}${cell(usd(g.scenarios.planned.usd), 11)}${cell(change(g.scenarios.planned.usd, g.scenarios.batch.usd), 10)}${cell(h === null ? "—" : h > 1 ? "never" : `${Math.ceil(h * 100)}% hits`, 11)}`,
    );
  }
  return lines;
}
