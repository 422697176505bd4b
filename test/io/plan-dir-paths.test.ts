/**
 * Every path read from plan.json stays inside the plan folder (issue 9, item 3): `../`, absolute
 * paths and symbolic links out are refused with an error naming plan.json and the batch, and the
 * foreign file is never read or shown.
 */
import { mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readPlan, resolveInside } from "../../src/io/plan-dir.js";
import { runCli, tempDir } from "../helpers/cli.js";
import { cleanupAfterEach, planFolder, primedJob } from "../helpers/run-job.js";

const cleanups = cleanupAfterEach();

/** A plan folder whose batch 0 `file` is `file`, and a secret file beside the folder. */
async function tampered(file: (root: string) => string) {
  const folder = await planFolder(primedJob(1, 3));
  cleanups.push(folder.cleanup);
  const secret = path.join(folder.root, "evil.jsonl");
  await writeFile(
    secret,
    `${JSON.stringify({ custom_id: "SECRET-BYTES", params: { model: "claude-sonnet-4-6", max_tokens: 1, messages: [{ role: "user", content: "x" }] } })}\n`,
  );
  const planJson = path.join(folder.dir, "plan.json");
  const parsed = JSON.parse(await readFile(planJson, "utf8"));
  parsed.batches[0].file = file(folder.root);
  await writeFile(planJson, JSON.stringify(parsed, null, 2));
  return folder;
}

describe("plan.json batch paths stay inside the plan folder", () => {
  const cases: Array<[string, (root: string) => string, RegExp]> = [
    ["../", () => "../evil.jsonl", /is outside the plan folder/],
    ["an absolute path", (root) => path.join(root, "evil.jsonl"), /is an absolute path/],
    ["batches/../../", () => "batches/../../evil.jsonl", /is outside the plan folder/],
    ["/etc/hostname", () => "../../../../../../../../etc/hostname", /is outside the plan folder/],
  ];
  for (const [name, file, why] of cases) {
    it(`readPlan refuses ${name}, naming plan.json and the batch, without the file's bytes`, async () => {
      const folder = await tampered(file);
      const error = await readPlan(folder.dir).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(error?.name).toBe("InputError");
      expect(error?.message).toMatch(why);
      expect(error?.message).toContain(`${path.join(folder.dir, "plan.json")}\` batch 0`);
      expect(error?.message).not.toContain("SECRET-BYTES");
    });
  }

  it("readPlan refuses a batch file that is a symbolic link out of the folder", async () => {
    const folder = await tampered(() => "batches/link.jsonl");
    await symlink(
      path.join(folder.root, "evil.jsonl"),
      path.join(folder.dir, "batches", "link.jsonl"),
    );
    await expect(readPlan(folder.dir)).rejects.toThrow(
      /is a link to a file outside the plan folder/,
    );
  });

  it("readPlan refuses a batch folder that is a symbolic link out of the folder", async () => {
    const folder = await tampered(() => "outside/evil.jsonl");
    await symlink(folder.root, path.join(folder.dir, "outside"));
    await expect(readPlan(folder.dir)).rejects.toThrow(
      /is a link to a file outside the plan folder/,
    );
  });

  it("resolveInside accepts paths inside, links inside included", async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    await mkdir(path.join(dir, "a"));
    await writeFile(path.join(dir, "a", "f.jsonl"), "");
    await symlink(path.join(dir, "a", "f.jsonl"), path.join(dir, "link.jsonl"));
    expect(await resolveInside(dir, "a/f.jsonl", "x")).toBe(path.join(dir, "a", "f.jsonl"));
    expect(await resolveInside(dir, "a/../link.jsonl", "x")).toBe(path.join(dir, "link.jsonl"));
    expect(await resolveInside(dir, "not/yet.jsonl", "x")).toBe(path.join(dir, "not", "yet.jsonl"));
    for (const bad of ["", ".", "..", "a/../..", "/a", "C:\\a", 3, null, "a\0b"])
      await expect(resolveInside(dir, bad, "run.json batch 2")).rejects.toThrow(
        /^run\.json batch 2 names the file/,
      );
  });

  it("estimate and submit (CLI) refuse such a plan before reading or sending anything", async () => {
    const folder = await tampered(() => "../evil.jsonl");
    const estimate = await runCli(["estimate", "plan"], { cwd: folder.root });
    expect(estimate.code).toBe(3);
    expect(estimate.stderr).toMatch(
      /plan\.json` batch 0 names the file "\.\.\/evil\.jsonl", which is outside the plan folder/,
    );
    expect(estimate.stderr).not.toContain("SECRET-BYTES");
    // No key and no server: the plan is refused before either is needed.
    const submit = await runCli(["submit", "plan"], { cwd: folder.root });
    expect(submit.code).toBe(3);
    expect(submit.stderr).toMatch(/outside the plan folder/);
  });
});
