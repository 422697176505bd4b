/**
 * A built-in sample OpenAI batch job (for `cacheplan demo --target openai` and the strategy
 * benchmark): classification under one long rubric on a GPT-5 model (automatic caching),
 * questions over long documents under shared instructions on GPT-5.6 (explicit breakpoints,
 * Responses API), and a few one-off requests on a pre-GPT-5 model (no batch caching).
 * Deterministic for a seed.
 */
import { sampleText, seededRandom } from "../../sample.js";
import type { OpenAIBatchLine } from "./format.js";

/** Options of {@link sampleOpenAIRequests}. */
export interface OpenAISampleOptions {
  /** Seed of the text. @default 1 */
  seed?: number;
  /** Classification requests (gpt-5-mini, chat). @default 160 */
  classify?: number;
  /** Documents, and questions per document (gpt-5.6-luna, responses). @default [6, 12] */
  documents?: [number, number];
  /** One-off requests (gpt-4o-mini). @default 8 */
  oneOff?: number;
}

/** The sample job's lines. */
export function sampleOpenAIRequests(options: OpenAISampleOptions = {}): OpenAIBatchLine[] {
  const random = seededRandom(options.seed ?? 1);
  const lines: OpenAIBatchLine[] = [];
  const rubric = `You label customer messages. Rubric:\n${sampleText(random, 2200)}`;
  for (let i = 0; i < (options.classify ?? 160); i++)
    lines.push({
      custom_id: `classify-${i}`,
      method: "POST",
      url: "/v1/chat/completions",
      body: {
        model: "gpt-5-mini",
        messages: [
          { role: "system", content: rubric },
          { role: "user", content: sampleText(random, 40 + Math.floor(random() * 60)) },
        ],
        max_completion_tokens: 200,
      },
    });
  const [docs, perDoc] = options.documents ?? [6, 12];
  const instructions = `Answer from the document only. ${sampleText(random, 700)}`;
  for (let d = 0; d < docs; d++) {
    const doc = sampleText(random, 1500 + Math.floor(random() * 1500));
    for (let q = 0; q < perDoc; q++)
      lines.push({
        custom_id: `doc${d}-q${q}`,
        method: "POST",
        url: "/v1/responses",
        body: {
          model: "gpt-5.6-luna",
          instructions,
          input: [
            {
              role: "user",
              content: [
                { type: "input_text", text: doc },
                { type: "input_text", text: `Question: ${sampleText(random, 15)}?` },
              ],
            },
          ],
          max_output_tokens: 300,
        },
      });
  }
  for (let i = 0; i < (options.oneOff ?? 8); i++)
    lines.push({
      custom_id: `oneoff-${i}`,
      method: "POST",
      url: "/v1/chat/completions",
      body: {
        model: "gpt-4o-mini",
        messages: [{ role: "user", content: sampleText(random, 300) }],
        max_completion_tokens: 100,
      },
    });
  return lines;
}
