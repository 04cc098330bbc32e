/**
 * Running study scripts as a user does, for the end-to-end study tests: a
 * subprocess per study, with the run store and the figure in a scratch folder.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { RunStore } from "../lib/runs/store.ts";
import { REPO_ROOT } from "../lib/files.ts";
import { networkReferences } from "../lib/plot/offline_check.ts";
import { type PageData, readPageData } from "../lib/plot/page.ts";

/** Runs experiments/<name>.ts with `flags`, its run store in `<work>/runs`. */
export async function runStudy(work: string, name: string, ...flags: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", join(REPO_ROOT, "experiments", `${name}.ts`), ...flags],
    env: { NNLAB_RUNS_DIR: join(work, "runs"), NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
}

/**
 * Runs a study in --quick mode and checks what every study page must hold: it exits 0,
 * says which data set it uses, writes a page with no network reference, and embeds runs
 * equal to their cached records, each with one accuracy per epoch and epoch 0. `flags`
 * are added to the command line (e.g. `--backend webgpu`).
 */
export async function quickStudy(
  work: string,
  name: string,
  ...flags: string[]
): Promise<{ page: string; data: PageData; stdout: string }> {
  const html = join(work, `${name}.html`);
  const result = await runStudy(work, name, "--quick", "--jobs", "1", "--out", html, ...flags);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^data: .+/m, "one line says which data set is used");
  assert.match(result.stdout, new RegExp(`wrote .*${name}\\.html`));
  const page = await Deno.readTextFile(html);
  assert.deepEqual(networkReferences(page), [], "no http(s) reference in src, href or url()");
  const data = readPageData(page);
  assert.ok(data, "the page embeds its data");
  const store = new RunStore(join(work, "runs"));
  for (const { record } of data.runs) {
    const stored = await store.get(record.key);
    assert.ok(stored.hit, `run ${record.name} is in the store`);
    assert.deepEqual(record, stored.record, `embedded run ${record.name} equals its record`);
    assert.equal(record.history.trainAccHistory.length, (record.config.numEpochs as number) + 1);
  }
  return { page, data, stdout: result.stdout };
}
