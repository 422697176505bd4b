/** run.json checked against the package's JSON Schema (`schemas/run.schema.json`). */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { Ajv } from "ajv";
import { expect } from "vitest";

const SCHEMA = path.resolve(import.meta.dirname, "../../schemas/run.schema.json");

export async function expectValidRunJson(planDir: string): Promise<void> {
  const validate = new Ajv({ allErrors: true, strict: true }).compile(
    JSON.parse(await readFile(SCHEMA, "utf8")),
  );
  const value = JSON.parse(await readFile(path.join(planDir, "run.json"), "utf8"));
  expect(validate(value), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
}
