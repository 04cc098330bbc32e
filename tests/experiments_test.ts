/**
 * Every study end to end in --quick mode, as a user runs it: a subprocess per study, the
 * run store and the figure in a temporary folder.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { readPageData } from "../lib/plot/page.ts";
import { SERIES_COLORS } from "../lib/plot/figure.ts";
import { browserTest, inkFraction, rowsWithColor, screenshot } from "./chromium.ts";
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

let adam: Promise<string> | undefined;

/**
 * The adam --quick page in its own folder and store, made on first use: each test below
 * stands alone, whichever runs first (or alone, with --filter).
 */
function adamPage(): Promise<string> {
  adam ??= (async () => {
    const dir = join(work, "adam-page");
    await Deno.mkdir(dir, { recursive: true });
    const html = join(dir, "adam.html");
    const result = await runStudy(dir, "adam", "--quick", "--jobs", "1", "--out", html);
    assert.equal(result.code, 0, result.stderr);
    return html;
  })();
  return adam;
}

Deno.test("adam again: every run is served from the cache", async () => {
  const html = await adamPage();
  const result = await runStudy(
    join(work, "adam-page"),
    "adam",
    "--quick",
    "--jobs",
    "1",
    "--out",
    html,
  );
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /adam: 4 of 4 runs cached, 0 to train/);
  const data = readPageData(await Deno.readTextFile(html))!;
  assert.deepEqual(data.runs.map((r) => r.cached), [true, true, true, true]);
});

browserTest("a headless-browser screenshot of the adam figure shows the drawn curves", async () => {
  const shot = await screenshot(await adamPage(), { width: 1200, height: 1000 });
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
    /--backend: got "gpu"; expected one of "auto", "tensorflow", "webgpu", "native", "wasm", "cpu"/,
  );
  const dataset = await study("batchnorm", "--dataset", "imagenet");
  assert.match(dataset.stderr, /--dataset: got "imagenet"; expected one of "auto", "cifar10"/);
  const jobs = await study("layernorm", "--jobs", "two");
  assert.match(jobs.stderr, /--jobs: got "two"; expected an integer >= 1/);
  // A negative value is the flag's value, out of range; a thread count no backend can run
  // is an error, not a silent fall back to cpu. One line each, no flag list.
  for (
    const [flags, message] of [
      [["--jobs", "-1"], '--jobs: got "-1"; expected an integer >= 1'],
      [["--seed", "-3"], '--seed: got "-3"; expected an integer >= 0'],
      [["--threads", "2000"], "--threads: got 2000; expected an integer in [1, 1024]"],
    ]
  ) {
    const result = await study("adam", "--quick", ...flags);
    assert.equal(result.code, 1, result.stderr);
    assert.equal(result.stderr.trim(), `error: ${message}`);
  }
});

Deno.test("--out is checked before anything trains; nnlab never overwrites a file it did not write", async () => {
  const site = join(work, "site");
  await Deno.mkdir(site, { recursive: true });
  const theirs = "<html><body>someone else's index</body></html>";
  await Deno.writeTextFile(join(site, "index.html"), theirs);
  await Deno.writeTextFile(join(site, "notes.html"), "<p>mine</p>");
  const refused = [
    [site, "is a folder; expected a file name ending in .html"],
    [join(site, "report.txt"), "expected a file name ending in .html"],
    [join(site, "notes.html"), "exists and is not an nnlab figure page"],
    ["/proc/nnlab/report.html", "cannot create the folder /proc/nnlab"],
  ];
  for (const [out, why] of refused) {
    const result = await study("adam", "--quick", "--out", out);
    assert.equal(result.code, 1, result.stdout);
    assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
    assert.ok(result.stderr.includes(`--out ${out}: ${why}`), result.stderr);
    assert.doesNotMatch(result.stdout, /runs cached|to train/, "refused before any training");
  }
  const page = join(site, "report.html");
  const written = await study("dropout", "--quick", "--jobs", "1", "--out", page);
  assert.equal(written.code, 0, written.stderr);
  assert.ok(readPageData(await Deno.readTextFile(page)), "the page is written");
  assert.equal(
    await Deno.readTextFile(join(site, "index.html")),
    theirs,
    "their index is untouched",
  );
  assert.equal(await Deno.readTextFile(join(site, "notes.html")), "<p>mine</p>");
  const again = await study("dropout", "--quick", "--jobs", "1", "--out", page);
  assert.equal(again.code, 0, "an nnlab page may be replaced by a new one");
});

globalThis.addEventListener("unload", () => Deno.removeSync(work, { recursive: true }));
