/**
 * Seeded generator of the estimate benchmark's job, held in memory: `requests` requests on one
 * model, all under one shared system prompt of ~20,000 tokens, each with its own user message of
 * ~500 tokens (uniformly 300 to 700). The job is the Done-when scenario of issue 3; the tails are
 * built so that a sample has something to get wrong:
 *
 *   - prose from `sampleText()` (~5.7 bytes a cl100k token), as in the planner benchmark;
 *   - a header with ids, an e-mail address, a date and an amount (digits and punctuation tokenize
 *     at ~2 to 3 chars a token);
 *   - in 30% of the requests, 2 to 8 order lines (SKUs, hex refs, prices);
 *   - in 10%, a passage in Spanish, German or French with accented letters (more tokens per char);
 *
 * so chars per token differ from request to request, as they do in real support tickets. Every
 * request's text is drawn from its own seeded stream: the job depends on the seed and size only.
 * The shared system prompt is one string, referenced by every request (no copies).
 */
import { sampleText, seededRandom } from "../dist/sample.js";
import { between, mix } from "./_shared.mjs";

/** The model of every request: Claude Opus 4.6 (legacy tokenizer, factor 1.0; min 4,096 tokens). */
export const MODEL = "claude-opus-4-6";
/** cl100k tokens per `sampleText()` word (measured: 21,455 tokens for 20,000 words). */
const TOKENS_PER_WORD = 1.0728;
/** Target tokens of the shared system prompt. */
const PREFIX_TOKENS = 20_000;
/** Target tokens of a unique tail: uniform from `TAIL_TOKENS[0]` to `TAIL_TOKENS[1]` (mean 500). */
const TAIL_TOKENS = [300, 700];

/** The named jobs of the benchmark. */
export const JOBS = { "10k": 10_000, "100k": 100_000 };

/** Parses a job name: `10k`, `100k`, or any `<n>k` (thousands of requests). */
export function jobSize(name) {
  const k = /^(\d+)k$/.exec(name);
  if (k && Number(k[1]) > 0) return { name, requests: Number(k[1]) * 1000 };
  throw new Error(
    `Unknown job size \`${name}\`. Expected one of: ${Object.keys(JOBS).join(", ")}, or \`<n>k\` (thousands of requests).`,
  );
}

const pick = (random, list) => list[Math.floor(random() * list.length)];
const pad = (n, width) => String(n).padStart(width, "0");
const hex = (random, digits) =>
  Array.from({ length: digits }, () => Math.floor(random() * 16).toString(16)).join("");

const FOREIGN = [
  "el pedido llegó con retraso y la facturación no coincide con el importe acordado según la cláusula",
  "la información de envío está incompleta y solicito la devolución del pago en los próximos días",
  "die Lieferung war unvollständig, bitte prüfen Sie die Rückerstattung und die Größe der Bestellung",
  "wir haben die Rechnung erhalten, aber der Betrag für die Gebühren ist höher als vereinbart",
  "la réception du colis a été retardée et la qualité du produit ne correspond pas à la description",
  "merci de vérifier le délai de livraison et le remboursement prévu dans les conditions générales",
];

/** One request's unique user message, about `tokens` tokens long. */
function tailText(random, index, tokens) {
  const parts = [
    `Ticket ${pad(index, 7)} · customer C-${between(random, 10_000, 99_999)} <user${between(random, 1, 99_999)}@example.${pick(random, ["com", "org", "de", "fr"])}> · opened 2026-${pad(between(random, 1, 12), 2)}-${pad(between(random, 1, 28), 2)}T${pad(between(random, 0, 23), 2)}:${pad(between(random, 0, 59), 2)}Z · amount $${between(random, 1, 9_999)}.${pad(between(random, 0, 99), 2)}`,
  ];
  let structured = 45; // tokens of the header, roughly
  if (random() < 0.3) {
    const lines = between(random, 2, 8);
    for (let k = 0; k < lines; k++) {
      parts.push(
        `- order ${between(random, 10_000, 99_999)}-${hex(random, 2).toUpperCase()}: ${between(random, 1, 12)} × SKU-${pad(between(random, 1, 9_999), 4)}-${pick(random, ["A", "B", "C", "XL"])} at $${between(random, 1, 999)}.${pad(between(random, 0, 99), 2)} (ref ${hex(random, 8)})`,
      );
      structured += 35;
    }
  }
  if (random() < 0.1) {
    const sentences = between(random, 1, 4);
    for (let k = 0; k < sentences; k++) parts.push(`${pick(random, FOREIGN)}.`);
    structured += sentences * 30;
  }
  const words = Math.max(20, Math.round((tokens - structured) / TOKENS_PER_WORD));
  parts.splice(1, 0, sampleText(random, words));
  return parts.join("\n");
}

/**
 * The job as an array of request objects, and what it holds. `systemChars` and `tailChars` are
 * UTF-16 code units (`String#length`).
 */
export function generateRequests(count, seed = 20_260_301) {
  const system = `You are the support assistant of a retailer. Follow the policy and examples below exactly.\n${sampleText(seededRandom(mix(seed, 1)), Math.round(PREFIX_TOKENS / TOKENS_PER_WORD))}`;
  const requests = new Array(count);
  let tailChars = 0;
  for (let i = 0; i < count; i++) {
    const random = seededRandom(mix(seed, 2, i));
    const text = tailText(random, i, between(random, TAIL_TOKENS[0], TAIL_TOKENS[1]));
    tailChars += text.length;
    requests[i] = {
      custom_id: `ticket-${pad(i, 7)}`,
      params: {
        model: MODEL,
        max_tokens: between(random, 200, 2_000),
        system,
        messages: [{ role: "user", content: text }],
      },
    };
  }
  return { requests, systemChars: system.length, tailChars };
}
