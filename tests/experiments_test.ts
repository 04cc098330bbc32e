/**
 * Every study end to end in --quick mode, as a user runs it: a subprocess per study, the
 * run store and the figure in a temporary folder.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { readPageData } from "../lib/plot/page.ts";
import { SERIES_COLORS } from "../lib/plot/figure.ts";
import { inkFraction, rowsWithColor, screenshot } from "./chromium.ts";
import { quickStudy, runStudy } from "./studies.ts";

const STUDIES = ["adam", "batchnorm", "weight_scale", "batch_size", "layernorm", "dropout"];

const work = await Deno.makeTempDir({ prefix: "nnlab-experiments-" });

const study = (name: string, ...flags: string[]) => runStudy(work, name, ...flags);

for (const name of STUDIES) {
  Deno.test(`${name} --quick writes a self-contained figure whose data are the cached runs`, async () => {
    const { data } = await quickStudy(work, name);
    assert.ok(data.runs.length >= 2);
  });
}

Deno.test("adam again: every run is served from the cache", async () => {
  const html = join(work, "adam.html");
  const result = await study("adam", "--quick", "--jobs", "1", "--out", html);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /adam: 4 of 4 runs cached, 0 to train/);
  const data = readPageData(await Deno.readTextFile(html))!;
  assert.deepEqual(data.runs.map((r) => r.cached), [true, true, true, true]);
});

Deno.test("a headless-Chromium screenshot of the adam figure shows the drawn curves", async () => {
  const shot = await screenshot(join(work, "adam.html"), { width: 1200, height: 1000 });
  assert.ok(inkFraction(shot) > 0.03, `only ${inkFraction(shot)} of the page is drawn`);
  // Four update rules, four series colours; each drawn as dots and lines beyond its legend
  // swatch (about 15 rows), and together spanning much of the panels' height. A quick run's
  // SGD curves are nearly flat, so a single colour may cover few rows.
  let total = 0;
  for (const color of SERIES_COLORS.slice(0, 4)) {
    const rows = rowsWithColor(shot, color);
    assert.ok(rows >= 25, `series colour ${color} appears on only ${rows} rows`);
    total += rows;
  }
  assert.ok(total >= 200, `the four series cover only ${total} rows in all`);
});

Deno.test("unknown flags and bad values are rejected naming the flag and what it accepts", async () => {
  const unknown = await study("adam", "--epochs", "3");
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /--epochs: unknown flag; accepted flags:/);
  assert.match(unknown.stderr, /--quick/);
  const backend = await study("dropout", "--backend", "gpu");
  assert.equal(backend.code, 1);
  assert.match(
    backend.stderr,
    /--backend: got "gpu"; expected one of "auto", "tensorflow", "native", "wasm", "cpu"/,
  );
  const dataset = await study("batchnorm", "--dataset", "imagenet");
  assert.match(dataset.stderr, /--dataset: got "imagenet"; expected one of "auto", "cifar10"/);
  const jobs = await study("layernorm", "--jobs", "two");
  assert.match(jobs.stderr, /--jobs: got "two"; expected an integer >= 1/);
});

Deno.test({
  name: "clean up",
  fn: () => Deno.remove(work, { recursive: true }),
});
