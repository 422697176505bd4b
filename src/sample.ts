/**
 * A built-in sample job, generated from a seed, so that `cacheplan plan --sample` runs on a fresh
 * clone with no data and no API key. It mixes what people batch: a classification job under one
 * long shared system prompt, questions over long documents under shared instructions, a few-shot
 * evaluation below and above the minimum, and one-off requests.
 */
import type { BatchRequest } from "./types.js";
import { seededRandom } from "./util/random.js";

// The PRNG lives in util/random.ts; re-exported for the benchmarks and existing importers.
export { seededRandom } from "./util/random.js";

const WORDS = (
  "the of and to in is for on that with as by this are be from or an it at which data model request " +
  "customer order account invoice report policy section clause term payment delivery product service " +
  "review claim support ticket refund status quality risk summary result analysis evidence source " +
  "record value period total rate change market region team project system process method sample"
).split(" ");

/** Deterministic prose of about `words` words. */
export function sampleText(random: () => number, words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) {
    let w = WORDS[Math.floor(random() * WORDS.length)]!;
    if (i % 14 === 0) w = w[0]!.toUpperCase() + w.slice(1);
    out.push(i % 14 === 13 ? `${w}.` : w);
  }
  return out.join(" ");
}

/** Options of the sample generator. */
export interface SampleOptions {
  /** Seed of the generator. @default 7 */
  seed?: number;
  /** Scale factor for the number of requests. @default 1 */
  scale?: number;
}

/** The sample job: about 400 requests over two models. */
export function sampleRequests(options: SampleOptions = {}): BatchRequest[] {
  const random = seededRandom(options.seed ?? 7);
  const scale = options.scale ?? 1;
  const requests: BatchRequest[] = [];
  const model = "claude-sonnet-4-5";

  // 1. Classification: one long shared system prompt, many short tickets.
  const rubric = `You classify support tickets. Rubric:\n${sampleText(random, 2600)}`;
  for (let i = 0; i < 240 * scale; i++) {
    requests.push({
      custom_id: `ticket-${String(i).padStart(4, "0")}`,
      params: {
        model,
        max_tokens: 64,
        system: rubric,
        messages: [{ role: "user", content: `Ticket: ${sampleText(random, 40)}` }],
      },
    });
  }

  // 2. Documents × questions: shared instructions, then a long document shared by its questions.
  const instructions = `Answer from the document only; cite the section.\n${sampleText(random, 1400)}`;
  for (let d = 0; d < 8 * scale; d++) {
    const document = `Document ${d}:\n${sampleText(random, 3000)}`;
    for (let q = 0; q < 12; q++) {
      requests.push({
        custom_id: `doc${d}-q${q}`,
        params: {
          model,
          max_tokens: 400,
          system: [{ type: "text", text: instructions }],
          messages: [
            {
              role: "user",
              content: [
                { type: "text", text: document },
                { type: "text", text: `Question ${q}: ${sampleText(random, 20)}?` },
              ],
            },
          ],
        },
      });
    }
  }

  // 3. Few-shot evaluation on Haiku 4.5 (minimum 4,096 tokens): one subject's prefix is long
  //    enough, the other's is not.
  for (const [subject, words] of [
    ["law", 4200],
    ["math", 900],
  ] as const) {
    const shots = `Examples for ${subject}:\n${sampleText(random, words)}`;
    for (let i = 0; i < 30 * scale; i++) {
      requests.push({
        custom_id: `eval-${subject}-${i}`,
        params: {
          model: "claude-haiku-4-5",
          max_tokens: 16,
          system: shots,
          messages: [{ role: "user", content: `Item ${i}: ${sampleText(random, 30)}` }],
        },
      });
    }
  }

  // 4. One-off requests that share nothing.
  for (let i = 0; i < 20 * scale; i++) {
    requests.push({
      custom_id: `oneoff-${i}`,
      params: {
        model,
        max_tokens: 200,
        messages: [{ role: "user", content: sampleText(random, 300) }],
      },
    });
  }
  return requests;
}
