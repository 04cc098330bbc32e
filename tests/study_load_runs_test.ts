/**
 * loadRuns and studyPage, on a study script in miniature (a fake trainer, synthetic data,
 * the real study frame): loadRuns returns the records of the runs the script serves now
 * and never a stale one, whether its settings or its code changed since, even when the
 * stale record is the newest of its name; studyPage shows the page the study wrote, as a
 * notebook displays it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { REPO_ROOT } from "../lib/files.ts";
import { JUPYTER_DISPLAY } from "../lib/plot/notebook.ts";
import { FIGURE_STYLE, PAGE_SECTIONS_STYLE } from "../lib/plot/style.ts";
import { RunStore } from "../lib/runs/store.ts";
import { loadRuns } from "../lib/study/load_runs.ts";
import { studyPage } from "../lib/study/study_page.ts";
import { repoScratchDir, toFileUrl } from "./paths.ts";

const TRAINER = `
export const trainRun = (config) => Promise.resolve({
  status: "finished",
  history: { lossHistory: [config.start, config.start / 2], trainAccHistory: [0.1, 0.5], valAccHistory: [0.1, 0.4] },
  metrics: { finalLoss: config.start / 2, bestValAcc: 0.4 },
  timings: { perIteration: { dataMs: 0, forwardMs: 0, backwardMs: 0, updateMs: 0 }, iterations: 2 },
});
`;

/** A study of two runs whose settings say where their loss starts. */
function studyScript(trainer: string, start: number): string {
  const lib = (path: string) => toFileUrl(join(REPO_ROOT, "lib", path));
  return `
import { dataSpec } from "${lib("data/spec.ts")}";
import { learningCurves } from "${lib("plot/learning_curves.ts")}";
import { runStudy } from "${lib("study/frame.ts")}";
await runStudy({
  name: "mini",
  title: "A study in miniature",
  description: "Two runs of a fake trainer.",
  script: import.meta.url,
  settings: { start: ${start} },
  quick: {},
  data: (_, dataset) => dataSpec({ dataset, numTrain: 20, numVal: 10, numTest: 10 }),
  runs: (s) => ["a", "b"].map((name, i) => ({
    name,
    config: { start: s.start + i, data: s.data, seed: s.seed },
    trainer: "${trainer}",
  })),
  figures: (outcomes) => [learningCurves(outcomes.map((o) => o.record))],
});
`;
}

Deno.test("loadRuns returns the records of the runs a study serves now, never a stale one", async () => {
  const dir = await repoScratchDir("load_runs_");
  const trainer = join(dir, "trainer.ts");
  const script = join(dir, "mini.ts");
  const store = new RunStore(join(dir, "runs"));
  const page = join(dir, "mini.html");
  const flags = ["--dataset", "synthetic", "--backend", "cpu", "--jobs", "1", "--out", page];
  const train = async () => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--config", join(REPO_ROOT, "deno.json"), script, ...flags],
      env: { NNLAB_RUNS_DIR: store.dir, NO_COLOR: "1" },
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  };
  const load = (options = {}) => loadRuns(script, { flags, store, ...options });
  try {
    await Deno.writeTextFile(trainer, TRAINER);
    await Deno.writeTextFile(script, studyScript(toFileUrl(trainer), 2));
    await assert.rejects(
      load(),
      /mini: 2 of 2 runs have no record for the current settings and code \(a, b: never trained\); run `deno run -A .*mini\.ts --dataset synthetic .*` to train them/,
    );
    await train();
    const first = await load();
    assert.deepEqual(first.map((r) => [r.name, r.config.start]), [["a", 2], ["b", 3]]);
    assert.equal((await store.list()).length, 2);
    assert.deepEqual(
      await load({ flags: [...flags, "--seed", "1"], allowMissing: true }),
      [],
      "another seed: other runs, none trained",
    );

    // A setting edited in the script, not run yet: the stored records are stale.
    await Deno.writeTextFile(script, studyScript(toFileUrl(trainer), 5));
    await assert.rejects(
      load(),
      /2 of 2 runs have no record .* \(a, b: stale records, new settings \(start\)\)/,
    );
    assert.deepEqual(await load({ allowMissing: true }), []);

    // The code a run executes edited and trained: the newest records are of that code. Put
    // the old code back, and the old records, older but current again, are the ones.
    await Deno.writeTextFile(script, studyScript(toFileUrl(trainer), 2));
    await Deno.writeTextFile(trainer, TRAINER.replace("config.start / 2,", "config.start / 4,"));
    await assert.rejects(
      load(),
      /a, b: stale records, code changed: data\/tmp\/load_runs_\w+\/trainer\.ts/,
    );
    await train();
    const edited = await load();
    assert.deepEqual(edited.map((r) => r.metrics.finalLoss), [0.5, 0.75]);
    await Deno.writeTextFile(trainer, TRAINER);
    const back = await load();
    assert.deepEqual(back.map((r) => r.key), first.map((r) => r.key));
    assert.deepEqual(back.map((r) => r.metrics.finalLoss), [1, 1.5]);
    const all = await store.list();
    assert.equal(all.length, 4);
    for (const name of ["a", "b"]) {
      const newest = all.filter((r) =>
        r.name === name
      ).sort((x, y) => x.endedAt! < y.endedAt! ? 1 : -1)[0];
      assert.notEqual(newest.key, back.find((r) => r.name === name)!.key, "newest is stale");
    }

    // The study's page, as a notebook shows it.
    const shown = await studyPage("mini", { out: page });
    const html = shown[JUPYTER_DISPLAY]()["text/html"];
    assert.ok(html.startsWith(`<style>${FIGURE_STYLE}${PAGE_SECTIONS_STYLE}</style>`));
    assert.match(html, /<h1>A study in miniature<\/h1>/);
    assert.match(html, /<div class="nnlab-panel"><svg /);
    assert.match(html, /<section class="nnlab-runs">/);
    assert.ok(
      !html.includes('<p class="nnlab-crumb">'),
      "no link to an index the notebook does not have",
    );
    assert.ok(!html.includes('id="nnlab-data"'), "the embedded JSON stays in the file");
    assert.match(html, /<\/div><script>\(function figureScript\(\)/);
    await assert.rejects(studyPage("mini", { out: join(dir, "none.html") }), /not written yet/);
    await assert.rejects(studyPage("mini", { out: trainer }), /not an nnlab figure page/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadRuns names a study that does not exist and a bad flag before starting anything", async () => {
  await assert.rejects(
    loadRuns("adams"),
    /study: got "adams"; no script .*; expected one of .*adam,/,
  );
  await assert.rejects(loadRuns("adam", { flags: ["--jobs", "0"] }), /--jobs: got "0"/);
});
