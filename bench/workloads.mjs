/**
 * Seeded generator of realistic batch jobs for the planner throughput benchmark. A job is written
 * to a JSONL file line by line (never held whole in memory) and mixes what people batch:
 *
 *   classify  one long shared system prompt (~16 KB, ~2.8k tokens), short unique tickets (Sonnet)
 *   docs      shared tools + system, then one ~10 KB document shared by its 10-50 questions (Opus)
 *   tiny      many tiny groups of 1-3 requests sharing a 2-10 KB conversation start (Haiku, Sonnet)
 *   drift     a shared system prompt with a per-request timestamp, the classic silent cache miss
 *   unique    requests that share nothing (all three models)
 *
 * plus a few malformed lines, which the planner must reject by line number. With `templated` the
 * classify and docs requests are written as one user string each (instructions, then the
 * document, then the question), the way a string template produces them. Requests are shuffled,
 * so group members are scattered through the file as they are in real datasets. Text comes from
 * `sampleText()` (~6 bytes and ~1.07 cl100k tokens a word). Every request's unique text is drawn
 * from its own seeded stream, so the file depends on the seed and the job size only.
 */
import { closeSync, openSync, writeSync } from "node:fs";
import { sampleText, seededRandom } from "../dist/sample.js";
import { between, mix } from "./_shared.mjs";

/** Average bytes of one `sampleText()` word, separator included (measured: 6.07). */
const BYTES_PER_WORD = 6.07;

/** Share of requests in each class; `unique` takes the rest. */
const SHARES = { classify: 0.05, docs: 0.025, tiny: 0.15, drift: 0.004 };
/** One malformed line per this many requests. */
const MALFORMED_EVERY = 25_000;

const CLASS = { classify: 0, docs: 1, tiny: 2, drift: 3, unique: 4, malformed: 5 };

/** The named jobs of the benchmark. `tailScale` multiplies the unique (per-request) text. */
export const JOBS = {
  quick: { requests: 10_000, tailScale: 1 },
  "100k": { requests: 100_000, tailScale: 1 },
  "256mb": { targetBytes: 256_000_000, tailScale: 2.5 },
};

/** Parses a job name: a named job, `<n>k` requests, or `<n>mb` / `<n>gb` of JSONL. */
export function jobSpec(name) {
  if (Object.hasOwn(JOBS, name)) return { name, ...JOBS[name] };
  const k = /^(\d+)k$/.exec(name);
  if (k) return { name, requests: Number(k[1]) * 1000, tailScale: 1 };
  const mb = /^(\d+)(mb|gb)$/.exec(name);
  if (mb) {
    const bytes = Number(mb[1]) * (mb[2] === "gb" ? 1e9 : 1e6);
    return { name, targetBytes: bytes, tailScale: 2.5 };
  }
  throw new Error(
    `Unknown job size \`${name}\`. Expected one of: ${Object.keys(JOBS).join(", ")}, \`<n>k\` (requests) or \`<n>mb\` / \`<n>gb\` (file size).`,
  );
}

const words = (bytes) => Math.max(1, Math.round(bytes / BYTES_PER_WORD));

/** Texts shared by many requests, built once per job. */
function sharedTexts(seed) {
  const random = seededRandom(mix(seed, 1));
  const tool = (name) => ({
    name,
    description: sampleText(random, words(500)),
    input_schema: {
      type: "object",
      properties: {
        query: { type: "string", description: sampleText(random, 20) },
        section: { type: "string", description: sampleText(random, 12) },
        limit: { type: "integer", minimum: 1, maximum: 50 },
      },
      required: ["query"],
    },
  });
  return {
    classify: `You classify customer support tickets into one of 40 categories. Rubric and examples:\n${sampleText(random, words(16_000))}`,
    tools: [tool("search_document"), tool("quote_section"), tool("lookup_term"), tool("cite")],
    docsSystem: `Answer from the document only and cite the section you used.\n${sampleText(random, words(2_000))}`,
    tinySystem: `You are a careful assistant. ${sampleText(random, words(350))}`,
    driftBody: sampleText(random, words(8_000)),
    genericSystems: Array.from(
      { length: 6 },
      (_, i) => `Assistant profile ${i}: ${sampleText(random, words(250))}`,
    ),
  };
}

/**
 * The job's request descriptors in file order: class, group and member index per line. Small
 * typed arrays, so even a million-request job costs a few MB here.
 */
function describe(seed, requests) {
  const random = seededRandom(mix(seed, 2));
  const cls = new Uint8Array(requests);
  const group = new Int32Array(requests);
  const member = new Int32Array(requests);
  let n = 0;
  const add = (c, g, m) => {
    if (n >= requests) return false;
    cls[n] = c;
    group[n] = g;
    member[n] = m;
    n += 1;
    return true;
  };
  const quota = (share) => Math.round(requests * share);
  for (let i = 0; i < quota(SHARES.classify); i++) add(CLASS.classify, 0, i);
  const docs = quota(SHARES.docs);
  for (let d = 0, left = docs; left > 0; d++) {
    const questions = Math.min(left, between(random, 10, 50));
    for (let q = 0; q < questions; q++) add(CLASS.docs, d, q);
    left -= questions;
  }
  const tiny = quota(SHARES.tiny);
  for (let g = 0, left = tiny; left > 0; g++) {
    const size = Math.min(left, between(random, 1, 3));
    for (let m = 0; m < size; m++) add(CLASS.tiny, g, m);
    left -= size;
  }
  for (let i = 0; i < quota(SHARES.drift); i++) add(CLASS.drift, 0, i);
  const malformed = Math.floor(requests / MALFORMED_EVERY);
  for (let i = 0; i < malformed; i++) add(CLASS.malformed, 0, i);
  for (let i = 0; n < requests; i++) add(CLASS.unique, 0, i);
  // Shuffle (Fisher-Yates), so groups are scattered through the file.
  const order = new Uint32Array(requests);
  for (let i = 0; i < requests; i++) order[i] = i;
  for (let i = requests - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return { cls, group, member, order };
}

const MODELS = ["claude-sonnet-4-5", "claude-haiku-4-5", "claude-opus-5-5"];
const pad = (n, width) => String(n).padStart(width, "0");

/** One JSONL line and the bytes of its unique (non-shared) text. */
function render(seed, shared, tailScale, c, g, m, templated = false) {
  const own = seededRandom(mix(seed, 3, c, g, m));
  const tail = (bytes) => sampleText(own, words(bytes * tailScale));
  switch (c) {
    case CLASS.classify: {
      const ticket = `Ticket ${m}: ${tail(between(own, 150, 450))}`;
      if (templated)
        return {
          tailBytes: ticket.length,
          line: JSON.stringify({
            custom_id: `classify-${pad(m, 7)}`,
            params: {
              model: MODELS[0],
              max_tokens: 16,
              messages: [{ role: "user", content: `${shared.classify}\n\n${ticket}` }],
            },
          }),
        };
      return {
        tailBytes: ticket.length,
        line: JSON.stringify({
          custom_id: `classify-${pad(m, 7)}`,
          params: {
            model: MODELS[0],
            max_tokens: 16,
            system: shared.classify,
            messages: [{ role: "user", content: ticket }],
          },
        }),
      };
    }
    case CLASS.docs: {
      const document = `Document ${g}:\n${sampleText(seededRandom(mix(seed, 4, g)), words(between(seededRandom(mix(seed, 5, g)), 8_000, 12_000)))}`;
      const question = `Question ${m}: ${tail(between(own, 120, 380))}?`;
      if (templated)
        return {
          tailBytes: question.length,
          line: JSON.stringify({
            custom_id: `doc${pad(g, 5)}-q${pad(m, 2)}`,
            params: {
              model: MODELS[2],
              max_tokens: 600,
              tools: shared.tools,
              messages: [
                {
                  role: "user",
                  content: `${shared.docsSystem}\n\n${document}\n\n${question}`,
                },
              ],
            },
          }),
        };
      return {
        tailBytes: question.length,
        line: JSON.stringify({
          custom_id: `doc${pad(g, 5)}-q${pad(m, 2)}`,
          params: {
            model: MODELS[2],
            max_tokens: 600,
            tools: shared.tools,
            system: [{ type: "text", text: shared.docsSystem }],
            messages: [
              {
                role: "user",
                content: [
                  { type: "text", text: document },
                  { type: "text", text: question },
                ],
              },
            ],
          },
        }),
      };
    }
    case CLASS.tiny: {
      const groupRandom = seededRandom(mix(seed, 6, g));
      const context = `Case ${g}:\n${sampleText(groupRandom, words(between(groupRandom, 2_000, 10_000)))}`;
      const ask = `Follow-up ${m}: ${tail(between(own, 400, 1_600))}`;
      return {
        tailBytes: ask.length,
        line: JSON.stringify({
          custom_id: `tiny-${pad(g, 6)}-${m}`,
          params: {
            model: g % 2 === 0 ? MODELS[1] : MODELS[0],
            max_tokens: 300,
            system: shared.tinySystem,
            messages: [
              { role: "user", content: context },
              { role: "assistant", content: "Understood. I have read the case." },
              { role: "user", content: ask },
            ],
          },
        }),
      };
    }
    case CLASS.drift: {
      const stamp = `2026-03-${pad(1 + (m % 28), 2)}T${pad(m % 24, 2)}:${pad(m % 60, 2)}:${pad((m * 7) % 60, 2)}Z`;
      const text = tail(between(own, 150, 450));
      return {
        tailBytes: text.length + stamp.length,
        line: JSON.stringify({
          custom_id: `drift-${pad(m, 6)}`,
          params: {
            model: MODELS[0],
            max_tokens: 200,
            system: `Generated ${stamp}. Follow the policy below.\n${shared.driftBody}`,
            messages: [{ role: "user", content: text }],
          },
        }),
      };
    }
    case CLASS.malformed:
      return { tailBytes: 0, line: `{"custom_id":"broken-${m}","params":{"model":` };
    default: {
      const text = tail(between(own, 400, 4_400));
      const params = {
        model: MODELS[m % 10 < 5 ? 0 : m % 10 < 8 ? 1 : 2],
        max_tokens: between(own, 100, 2_000),
        messages: [{ role: "user", content: text }],
      };
      if (m % 10 === 3) params.system = shared.genericSystems[m % 6];
      return {
        tailBytes: text.length,
        line: JSON.stringify({ custom_id: `unique-${pad(m, 8)}`, params }),
      };
    }
  }
}

/** Average line bytes of a job with this seed and tail scale, from a sample of its lines. */
function calibrate(seed, tailScale) {
  const shared = sharedTexts(seed);
  const plan = describe(seed, 40_000);
  let bytes = 0;
  const sample = 4_000;
  for (let k = 0; k < sample; k++) {
    const i = plan.order[k];
    const { line } = render(seed, shared, tailScale, plan.cls[i], plan.group[i], plan.member[i]);
    bytes += Buffer.byteLength(line) + 1;
  }
  return bytes / sample;
}

/**
 * Writes a job to `file` and describes it. `spec` has `requests` (lines) or `targetBytes` (file
 * size, approximate), and `tailScale`.
 */
export function generateJob(file, spec, seed = 20_260_301) {
  const requests =
    spec.requests ?? Math.round(spec.targetBytes / calibrate(seed, spec.tailScale ?? 1));
  const tailScale = spec.tailScale ?? 1;
  const shared = sharedTexts(seed);
  const plan = describe(seed, requests);
  const fd = openSync(file, "w");
  const perClass = { classify: 0, docs: 0, tiny: 0, drift: 0, unique: 0, malformed: 0 };
  const names = Object.keys(CLASS);
  let bytes = 0;
  let tailBytes = 0;
  let chunk = [];
  let chunkBytes = 0;
  try {
    for (let k = 0; k < requests; k++) {
      const i = plan.order[k];
      const c = plan.cls[i];
      const { line, tailBytes: t } = render(
        seed,
        shared,
        tailScale,
        c,
        plan.group[i],
        plan.member[i],
        spec.templated === true,
      );
      perClass[names[c]] += 1;
      tailBytes += t;
      chunk.push(line);
      chunkBytes += line.length + 1;
      if (chunkBytes > 4_000_000) {
        bytes += writeSync(fd, `${chunk.join("\n")}\n`);
        chunk = [];
        chunkBytes = 0;
      }
    }
    if (chunk.length > 0) bytes += writeSync(fd, `${chunk.join("\n")}\n`);
  } finally {
    closeSync(fd);
  }
  const valid = requests - perClass.malformed;
  return {
    file,
    lines: requests,
    bytes,
    perClass,
    averageTailBytes: Math.round(tailBytes / valid),
  };
}
