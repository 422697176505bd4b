/**
 * Issue 12 item 4: the planner refuses what the emulator (and the API) refuses in `params`:
 * unknown top-level fields and out-of-range sampling parameters, with kind `invalid-field` and a
 * reason naming the field path. The emulator's check (`paramsRejection`) is run on the same
 * table, so the two cannot drift apart; the HTTP side is in test/sim/emulator-fidelity.test.ts.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { defaultModelTable } from "../../src/pricing/models.js";
import { validateRequest } from "../../src/request/validate.js";
import { paramsRejection } from "../../src/sim/_emulator-validate.js";
import { HEADER_PARAMS, MESSAGE_PARAMS_FIELDS } from "../../src/targets/anthropic/params.js";

const base = {
  model: "claude-sonnet-4-6",
  max_tokens: 64,
  messages: [{ role: "user", content: "hi" }],
};

const plan = (extra: Record<string, unknown>) =>
  validateRequest({ custom_id: "r1", params: { ...base, ...extra } });
const emulate = (extra: Record<string, unknown>, endpoint: "messages" | "batch") =>
  paramsRejection({ ...base, ...extra } as never, defaultModelTable, endpoint);

/** [case, extra params, the field path the reason must name] */
const refused: Array<[string, Record<string, unknown>, string]> = [
  ["temperature 7", { temperature: 7 }, "params.temperature"],
  ["temperature -0.1", { temperature: -0.1 }, "params.temperature"],
  ['temperature "hot"', { temperature: "hot" }, "params.temperature"],
  ["top_p 1.5", { top_p: 1.5 }, "params.top_p"],
  ['top_k "x"', { top_k: "x" }, "params.top_k"],
  ["top_k 2.5", { top_k: 2.5 }, "params.top_k"],
  ["top_k -1", { top_k: -1 }, "params.top_k"],
  ["stop_sequences not strings", { stop_sequences: [1] }, "params.stop_sequences"],
  ["stop_sequences a string", { stop_sequences: "END" }, "params.stop_sequences"],
  ["an unknown field frobnicate", { frobnicate: 1 }, "params.frobnicate"],
  ["a misspelt field", { temprature: 0.5 }, "params.temprature"],
  ["the header param workspace_id", { workspace_id: "wrkspc_1" }, "params.workspace_id"],
  ["the header param betas", { betas: ["x"] }, "params.betas"],
];

describe("planner and emulator refuse the same params", () => {
  it.each(refused)("%s: the planner rejects it as invalid-field", (_, extra, path) => {
    const verdict = plan(extra);
    expect(verdict).toMatchObject({ ok: false, kind: "invalid-field", custom_id: "r1" });
    if (!verdict.ok) expect(verdict.reason).toContain(`\`${path}\``);
  });

  it.each(refused)("%s: the emulator answers 400 on both endpoints", (_, extra, path) => {
    for (const endpoint of ["messages", "batch"] as const) {
      const rejection = emulate(extra, endpoint);
      expect(rejection).toMatchObject({ status: 400, type: "invalid_request_error" });
      const shownPath = endpoint === "batch" ? path : path.replace("params.", "");
      expect(rejection?.message).toContain(`\`${shownPath}\``);
    }
  });

  it("valid sampling parameters pass both", () => {
    const extra = { temperature: 0, top_p: 1, top_k: 0, stop_sequences: ["END"] };
    expect(plan(extra).ok).toBe(true);
    expect(emulate(extra, "batch")).toBeNull();
    expect(emulate({ temperature: 1, top_p: 0.5, top_k: 40 }, "messages")).toBeNull();
  });

  it("every known field passes both (value shapes left to the API)", () => {
    const values: Record<string, unknown> = {
      stream: false,
      speed: null,
      stop_sequences: [],
      system: "s",
      tools: [],
    };
    for (const field of MESSAGE_PARAMS_FIELDS) {
      if (field in base) continue;
      const extra = { [field]: field in values ? values[field] : null };
      expect(plan(extra).ok, field).toBe(true);
      expect(emulate(extra, "batch"), field).toBeNull();
    }
  });

  it("any sampling value in range passes both; any out of range fails both", () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true }), fc.integer(), (t, k) => {
        const extra = { temperature: t, top_k: k };
        const ok = t >= 0 && t <= 1 && k >= 0;
        expect(plan(extra).ok).toBe(ok);
        expect(emulate(extra, "batch") === null).toBe(ok);
      }),
    );
  });

  it("any field name outside the list fails both", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), (field) => {
        fc.pre(!MESSAGE_PARAMS_FIELDS.has(field) && !HEADER_PARAMS.has(field));
        expect(plan({ [field]: 1 }).ok).toBe(false);
        expect(emulate({ [field]: 1 }, "batch")?.status).toBe(400);
      }),
    );
  });
});
