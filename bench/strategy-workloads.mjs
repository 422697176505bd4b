/**
 * Seeded workloads of the strategy benchmark (`bench/strategies.mjs`): what people actually send
 * through the Message Batches API, each a few hundred to a few thousand requests, as request
 * objects without any `cache_control` (each strategy adds its own).
 *
 *   classify     one ~12k-token rubric as the system prompt, 3,000 short tickets (Sonnet 4.5)
 *   doc-qa       shared instructions, then one of 50 long documents (8k-26k tokens), 10-50
 *                questions each: two shared levels (Opus 5.5)
 *   few-shot     48 subjects, each with a 5-example few-shot prefix of 1.5k-7.5k tokens, 20-120
 *                questions each; about a third of the prefixes are below Haiku 4.5's 4,096 minimum
 *   support      4 tool definitions + system (~5k tokens), then a per-customer account history
 *                (1k-8k tokens) shared by that customer's 1-40 requests (Sonnet 5.5)
 *   tiny         1,200 conversations of 2k-10k tokens with 1-3 follow-ups each (Sonnet 4.5)
 *   unique       nothing shared: 1,500 one-off requests, half with their own system prompt, over
 *                three models
 *   mixed-models a model comparison: one system prompt and 20 product catalogs (2k-8k tokens)
 *                × their questions, each sent to Haiku 4.5, Sonnet 4.5 and Opus 5.5
 *
 * Sizes are in cl100k tokens (`sampleText()` gives ~1.07 a word); models on the newer tokenizer
 * (Opus 5.5, Sonnet 5.5) count about 30% more for the same text. `max_tokens` values are even, so
 * half of them (the output assumption of `simulate()` and `estimate()`) is a whole number. Requests
 * are shuffled, so group members are scattered through the job as they are in real datasets.
 * Generators reuse `sampleText()` and `seededRandom()` from `dist/sample.js`, as
 * `bench/workloads.mjs` does.
 */
import { sampleText, seededRandom } from "../dist/sample.js";
import { between, mix } from "./_shared.mjs";

/** cl100k tokens per `sampleText()` word (measured: ~1.07). */
const TOKENS_PER_WORD = 1.07;

/** Prose of about `tokens` cl100k tokens. */
const prose = (random, tokens) =>
  sampleText(random, Math.max(1, Math.round(tokens / TOKENS_PER_WORD)));
/** An even `max_tokens` in [lo, hi], in steps of `step` (itself even). */
const maxTokens = (random, lo, hi, step = 50) => lo + step * between(random, 0, (hi - lo) / step);
const pad = (n, width) => String(n).padStart(width, "0");

/** Fisher-Yates, in place, seeded. */
function shuffle(items, random) {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

function classify(seed) {
  const random = seededRandom(mix(seed, 1));
  const rubric = `You classify customer support tickets into one of 40 categories and give a one-line reason. Rubric and labelled examples:\n${prose(random, 12_000)}`;
  const requests = [];
  for (let i = 0; i < 3_000; i++) {
    requests.push({
      custom_id: `ticket-${pad(i, 5)}`,
      params: {
        model: "claude-sonnet-4-5",
        max_tokens: 50,
        system: rubric,
        messages: [
          { role: "user", content: `Ticket ${i}: ${prose(random, between(random, 50, 600))}` },
        ],
      },
    });
  }
  return requests;
}

function docQa(seed) {
  const random = seededRandom(mix(seed, 2));
  const instructions = `Answer from the document only. Quote the passage you rely on and name its section. If the document does not answer the question, say so.\n${prose(random, 1_500)}`;
  const requests = [];
  for (let d = 0; d < 50; d++) {
    const document = `Document ${d}:\n${prose(random, between(random, 6_000, 20_000))}`;
    const questions = between(random, 10, 50);
    for (let q = 0; q < questions; q++) {
      requests.push({
        custom_id: `doc${pad(d, 3)}-q${pad(q, 2)}`,
        params: {
          model: "claude-opus-5-5",
          max_tokens: maxTokens(random, 300, 1_000),
          system: [{ type: "text", text: instructions }],
          messages: [
            {
              role: "user",
              content: [
                { type: "text", text: document },
                {
                  type: "text",
                  text: `Question ${q}: ${prose(random, between(random, 50, 300))}?`,
                },
              ],
            },
          ],
        },
      });
    }
  }
  return requests;
}

function fewShot(seed) {
  const random = seededRandom(mix(seed, 3));
  const system =
    "You are taking a multiple-choice exam. Think briefly, then answer with the letter of the correct option.";
  const requests = [];
  for (let s = 0; s < 48; s++) {
    // Five worked examples of 300-1,500 tokens each: prefixes of ~1.5k to ~7.5k tokens.
    const exampleTokens = between(random, 300, 1_500);
    const shots = [];
    for (let e = 0; e < 5; e++) {
      shots.push({
        role: "user",
        content: `Subject ${s}, example ${e}: ${prose(random, exampleTokens)}\n(A) ${prose(random, 8)} (B) ${prose(random, 8)} (C) ${prose(random, 8)} (D) ${prose(random, 8)}`,
      });
      shots.push({
        role: "assistant",
        content: `The answer is (${"ABCD"[between(random, 0, 3)]}).`,
      });
    }
    const questions = between(random, 20, 120);
    for (let q = 0; q < questions; q++) {
      requests.push({
        custom_id: `subj${pad(s, 2)}-q${pad(q, 3)}`,
        params: {
          model: "claude-haiku-4-5",
          max_tokens: 50,
          system,
          messages: [
            ...shots,
            {
              role: "user",
              content: `Subject ${s}, question ${q}: ${prose(random, between(random, 50, 400))}\n(A) ${prose(random, 8)} (B) ${prose(random, 8)} (C) ${prose(random, 8)} (D) ${prose(random, 8)}`,
            },
          ],
        },
      });
    }
  }
  return requests;
}

function support(seed) {
  const random = seededRandom(mix(seed, 4));
  const tool = (name) => ({
    name,
    description: `${name}: ${prose(random, 500)}`,
    input_schema: {
      type: "object",
      properties: {
        customer_id: { type: "string", description: prose(random, 20) },
        query: { type: "string", description: prose(random, 20) },
        limit: { type: "integer", minimum: 1, maximum: 50 },
      },
      required: ["customer_id"],
    },
  });
  const tools = [
    tool("lookup_order"),
    tool("issue_refund"),
    tool("update_address"),
    tool("escalate_ticket"),
  ];
  const system = `You are the support agent of an online store. Policies and tone guide:\n${prose(random, 3_000)}`;
  const requests = [];
  for (let c = 0; c < 200; c++) {
    const history = `Customer ${c} account history:\n${prose(random, between(random, 1_000, 8_000))}`;
    // Skewed: most customers write a few times, some write a lot.
    const asks = Math.max(1, Math.min(40, Math.round(40 * random() ** 3)));
    for (let a = 0; a < asks; a++) {
      requests.push({
        custom_id: `cust${pad(c, 3)}-m${pad(a, 2)}`,
        params: {
          model: "claude-sonnet-5-5",
          max_tokens: maxTokens(random, 200, 800),
          tools,
          system,
          messages: [
            {
              role: "user",
              content: [
                { type: "text", text: history },
                { type: "text", text: `New message: ${prose(random, between(random, 50, 500))}` },
              ],
            },
          ],
        },
      });
    }
  }
  return requests;
}

function tiny(seed) {
  const random = seededRandom(mix(seed, 5));
  const system = `You are a careful assistant. ${prose(random, 300)}`;
  const requests = [];
  for (let g = 0; g < 1_200; g++) {
    const context = `Case ${g}:\n${prose(random, between(random, 2_000, 10_000))}`;
    const size = between(random, 1, 3);
    for (let m = 0; m < size; m++) {
      requests.push({
        custom_id: `case${pad(g, 4)}-f${m}`,
        params: {
          model: "claude-sonnet-4-5",
          max_tokens: 300,
          system,
          messages: [
            { role: "user", content: context },
            { role: "assistant", content: "Understood. I have read the case." },
            {
              role: "user",
              content: `Follow-up ${m}: ${prose(random, between(random, 50, 1_000))}`,
            },
          ],
        },
      });
    }
  }
  return requests;
}

function unique(seed) {
  const random = seededRandom(mix(seed, 6));
  const models = ["claude-sonnet-4-5", "claude-haiku-4-5", "claude-opus-5-5"];
  const requests = [];
  for (let i = 0; i < 1_500; i++) {
    const params = {
      model: models[i % 3],
      max_tokens: maxTokens(random, 100, 1_000),
      messages: [
        { role: "user", content: `Item ${i}: ${prose(random, between(random, 500, 5_000))}` },
      ],
    };
    if (i % 2 === 0)
      params.system = `Instructions for item ${i}: ${prose(random, between(random, 1_000, 3_000))}`;
    requests.push({ custom_id: `item-${pad(i, 5)}`, params });
  }
  return requests;
}

function mixedModels(seed) {
  const random = seededRandom(mix(seed, 7));
  const models = ["claude-haiku-4-5", "claude-sonnet-4-5", "claude-opus-5-5"];
  const system = `You answer shoppers' questions about a product catalog. Be exact about specifications and prices.\n${prose(random, 3_000)}`;
  const requests = [];
  for (let k = 0; k < 20; k++) {
    const catalog = `Catalog ${k}:\n${prose(random, between(random, 2_000, 8_000))}`;
    const questions = between(random, 10, 40);
    for (let q = 0; q < questions; q++) {
      const question = `Question ${q}: ${prose(random, between(random, 50, 300))}?`;
      const max = maxTokens(random, 100, 600);
      for (const [m, model] of models.entries()) {
        requests.push({
          custom_id: `cat${pad(k, 2)}-q${pad(q, 2)}-m${m}`,
          params: {
            model,
            max_tokens: max,
            system,
            messages: [
              {
                role: "user",
                content: [
                  { type: "text", text: catalog },
                  { type: "text", text: question },
                ],
              },
            ],
          },
        });
      }
    }
  }
  return requests;
}

/** The workloads, in display order: name, one line for the table, and the seeded generator. */
/**
 * A workload written the way string templates write it: every message's content one string (the
 * blocks of a message joined by a blank line), and the few-shot turns folded into the one user
 * message they precede, so shared text sits inside one block (issue 13).
 */
function asStrings(requests, foldTurns) {
  const text = (content) =>
    typeof content === "string" ? content : content.map((b) => b.text).join("\n\n");
  return requests.map((r) => {
    const { messages } = r.params;
    const folded = foldTurns
      ? [
          {
            role: "user",
            content: messages.map((m) => text(m.content)).join("\n\n"),
          },
        ]
      : messages.map((m) => ({ role: m.role, content: text(m.content) }));
    const system = r.params.system === undefined ? {} : { system: text(r.params.system) };
    return { ...r, params: { ...r.params, ...system, messages: folded } };
  });
}

export const STRATEGY_WORKLOADS = [
  {
    name: "classify",
    about: "one 12k-token system prompt, 3,000 tickets",
    sharing: true,
    generate: classify,
  },
  {
    name: "doc-qa",
    about: "instructions, then 50 documents (8k-26k tokens) × 10-50 questions",
    sharing: true,
    generate: docQa,
  },
  {
    name: "few-shot",
    about: "48 subjects × 20-120 questions, few-shot prefixes 1.5k-7.5k tokens, some below 4,096",
    sharing: true,
    generate: fewShot,
  },
  {
    name: "support",
    about: "tools + system (~5k tokens), then 200 customer histories (1k-8k) × 1-40 messages",
    sharing: true,
    generate: support,
  },
  {
    name: "tiny",
    about: "1,200 conversations (2k-10k tokens) × 1-3 follow-ups",
    sharing: true,
    generate: tiny,
  },
  {
    name: "unique",
    about: "1,500 one-off requests, nothing shared, three models",
    sharing: false,
    generate: unique,
  },
  {
    name: "doc-qa-str",
    about: "doc-qa as templates write it: system string, then one user string (document, question)",
    sharing: true,
    twin: "doc-qa",
    generate: (seed) => asStrings(docQa(seed), false),
  },
  {
    name: "few-shot-str",
    about: "few-shot as one user string per request (examples and answers, then the question)",
    sharing: true,
    twin: "few-shot",
    generate: (seed) => asStrings(fewShot(seed), true),
  },
  {
    name: "mixed-models",
    about:
      "system + 20 catalogs (2k-8k) × 10-40 questions, each on Haiku 4.5, Sonnet 4.5, Opus 5.5",
    sharing: true,
    generate: mixedModels,
  },
];

/** A workload's requests for a seed, shuffled. */
export function generateWorkload(workload, seed) {
  return shuffle(workload.generate(seed), seededRandom(mix(seed, 99)));
}
