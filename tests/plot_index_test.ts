/**
 * plots/index.html: the run browser across pages, read from the pages' own JSON; quick
 * pages marked; the data fallback said once; a page's SVG sanitized before it is copied;
 * and an index.html that nnlab did not write is never replaced.
 */
import { parseHTML } from "linkedom";
import assert from "node:assert/strict";
import { join } from "node:path";
import { INDEX_MARKER, readIndexEntries, writeIndex } from "../lib/plot/index_page.ts";
import { learningCurves } from "../lib/plot/learning_curves.ts";
import { networkReferences } from "../lib/plot/offline_check.ts";
import { type PageRun, writeFigurePage } from "../lib/plot/page.ts";
import { sanitizeSvg } from "../lib/plot/sanitize_svg.ts";
import type { RunRecord } from "../lib/runs/record.ts";
import { fakeRecord } from "./fake_record.ts";

interface Node {
  textContent: string;
  getAttribute(name: string): string | null;
  querySelectorAll(selector: string): Iterable<Node>;
}

const parse = (html: string) => (parseHTML(html) as unknown as { document: Node }).document;
const all = (root: Node, selector: string) => [...root.querySelectorAll(selector)];

function record(name: string, config: Record<string, unknown>, bestValAcc: number): RunRecord {
  return fakeRecord(name, {
    config: { numEpochs: 2, numTrain: 200, ...config },
    metrics: { bestValAcc, finalTrainAcc: 0.3, finalLoss: 2.1 },
    timings: {
      totalMs: 1200,
      perIteration: { dataMs: 1, forwardMs: 1, backwardMs: 1, updateMs: 1 },
      iterations: 2,
    },
  });
}

async function page(
  dir: string,
  file: string,
  title: string,
  runs: PageRun[],
  options: { quick?: boolean; dataLine?: string } = {},
) {
  await writeFigurePage({
    out: join(dir, file),
    title,
    description: `${title}: what changes?`,
    dataLine: options.dataLine ?? "offline MNIST digits: 200 train",
    quick: options.quick,
    figures: [learningCurves(runs.map((r) => r.record))],
    runs,
    provenance: {
      scriptPath: "experiments/x.ts",
      scriptSource: "",
      config: {},
      backend: { backend: "cpu" },
      versions: {},
      date: "2025-03-01T14:05:09.000Z",
      gitCommit: null,
      dirty: false,
    },
  });
}

async function withDir(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "nnlab-index-test-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const fallback = "CIFAR-10 not used: download: cannot reach www.cs.toronto.edu (offline?)";

Deno.test("run browser: every run of every page, its varying settings as columns, headline metrics", async () => {
  await withDir(async (dir) => {
    await page(dir, "adam.html", "Update rules", [
      { record: record("sgd", { updateRule: "sgd", learningRate: 5e-3 }, 0.21), cached: true },
      { record: record("adam", { updateRule: "adam", learningRate: 1e-3 }, 0.39), cached: true },
    ], { dataLine: `offline MNIST digits: 200 train (${fallback})` });
    await page(dir, "batch_size.html", "Batch size", [
      { record: record("batch 5", { batchSize: 5, learningRate: 1e-3 }, 0.3), cached: true },
      { record: record("batch 50", { batchSize: 50, learningRate: 1e-3 }, 0.35), cached: true },
    ], { dataLine: `offline MNIST digits: 100 train (${fallback})` });
    await page(dir, "adam.quick.html", "Update rules", [
      { record: record("sgd", { updateRule: "sgd", learningRate: 5e-3 }, 0.11), cached: true },
      { record: record("adam", { updateRule: "adam", learningRate: 1e-3 }, 0.12), cached: true },
    ], { quick: true });
    await writeIndex(dir);
    const html = await Deno.readTextFile(join(dir, "index.html"));
    assert.deepEqual(networkReferences(html), []);
    const doc = parse(html);
    const headings = all(doc, ".nnlab-runbrowser thead th").map((th) => th.textContent);
    // The settings that tell some page's runs apart (pages by title), then status and
    // headline metrics.
    assert.deepEqual(headings, [
      "study",
      "run",
      "batch size",
      "update rule",
      "learning rate",
      "status",
      "best val acc",
      "train acc",
      "final loss",
      "wall time",
    ]);
    const rows = all(doc, ".nnlab-runbrowser tbody tr").map((tr) =>
      all(tr, "td").map((td) => td.textContent)
    );
    assert.equal(rows.length, 6);
    assert.deepEqual(rows.find((r) => r[1] === "batch 50"), [
      "Batch size",
      "batch 50",
      "50",
      "",
      "0.001",
      "finished",
      "35.0%",
      "30.0%",
      "2.1",
      "1.20 s",
    ]);
    // Sorting uses the raw numbers, not the text.
    const sgd = all(doc, ".nnlab-runbrowser tbody tr").find((tr) =>
      tr.textContent.includes("sgd")
    )!;
    assert.equal(
      all(sgd, "td")[headings.indexOf("learning rate")].getAttribute("data-value"),
      "0.005",
    );
    // Quick pages and their runs are marked, and come after the full ones.
    const quickRows = all(doc, '.nnlab-runbrowser tbody tr[data-quick="1"]');
    assert.equal(quickRows.length, 2);
    assert.match(quickRows[0].textContent, /Update rules quick/);
    const pages = all(doc, ".nnlab-index tbody tr").map((tr) => tr.textContent);
    assert.match(pages.at(-1)!, /^Update rules quick/);
    // The fallback is said once, not on every row.
    assert.equal(html.split("CIFAR-10 not used").length - 1, 1);
    assert.ok(pages.some((text) => text.includes("offline MNIST digits: 100 train")));
    // The index was read through the pages' JSON alone.
    const entries = await readIndexEntries(dir);
    assert.deepEqual(entries.map((e) => [e.file, e.quick, e.dataFallback]), [
      ["batch_size.html", false, fallback],
      ["adam.html", false, fallback],
      ["adam.quick.html", true, null],
    ]);
  });
});

Deno.test("index: a quick page carries a banner, and says so in its title and data", async () => {
  await withDir(async (dir) => {
    await page(dir, "adam.quick.html", "Update rules", [
      { record: record("sgd", {}, 0.1), cached: false },
    ], { quick: true });
    const html = await Deno.readTextFile(join(dir, "adam.quick.html"));
    const banner = all(parse(html), ".nnlab-quick");
    assert.equal(banner.length, 1);
    assert.match(banner[0].textContent, /Quick run \(--quick\)/);
    assert.match(html, /<title>Update rules \(quick run\) · nnlab<\/title>/);
    const [entry] = await readIndexEntries(dir);
    assert.equal(entry.quick, true);
  });
});

Deno.test("writeIndex replaces only an index it wrote: a foreign index.html is an error and stays", async () => {
  await withDir(async (dir) => {
    await page(dir, "adam.html", "Update rules", [
      { record: record("sgd", {}, 0.1), cached: false },
    ]);
    const foreign = "<!doctype html><title>My site</title><p>hand-written</p>";
    await Deno.writeTextFile(join(dir, "index.html"), foreign);
    await assert.rejects(
      () => writeIndex(dir),
      new RegExp(
        `${join(dir, "index.html").replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: got a file nnlab ` +
          `did not write \\(no "nnlab-index" marker\\)`,
      ),
    );
    assert.equal(await Deno.readTextFile(join(dir, "index.html")), foreign);
    // An index written before the marker existed is recognised and replaced.
    await Deno.writeTextFile(
      join(dir, "index.html"),
      `<html><head><meta name="generator" content="nnlab"><title>nnlab figures</title></head></html>`,
    );
    await writeIndex(dir);
    const ours = await Deno.readTextFile(join(dir, "index.html"));
    assert.ok(ours.includes(INDEX_MARKER));
    assert.match(ours, /Update rules/);
    await writeIndex(dir); // and its own index again
  });
});

Deno.test("sanitizeSvg keeps the drawing and drops scripts, handlers, links, styles and URLs", () => {
  const hostile = `<svg viewBox="0 0 100 50" width="100" onload="alert(1)" style="x">
<script>alert(2)</script><style>@import "http://evil.example/x.css";</style>
<g fill="currentColor" onmouseover="alert(3)"><circle cx="5" cy="6" r="3" fill="#0072b2"/>
<path d="M0,0L10,10" stroke="url(http://evil.example/p)" stroke-width="1.5"/></g>
<a href="javascript:alert(4)"><text x="1">link</text></a>
<foreignObject><img src="x" onerror="alert(5)"></foreignObject>
<image href="https://evil.example/i.png"/><use href="#a"/>
<set attributeName="onclick" to="alert(6)"/><animate attributeName="href" values="javascript:alert(7)"/>
<text x="2" y="3" fill="java&#9;script:alert(8)">a &lt;b&gt; &amp; c</text></svg>`;
  assert.equal(
    sanitizeSvg(hostile),
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 50" width="100">\n\n` +
      `<g fill="currentColor"><circle cx="5" cy="6" r="3" fill="#0072b2"></circle>\n` +
      `<path d="M0,0L10,10" stroke-width="1.5"></path></g>\n\n\n\n\n` +
      `<text x="2" y="3">a &lt;b&gt; &amp; c</text></svg>`,
  );
  assert.equal(sanitizeSvg(`<div><svg></svg></div>`), "", "only an SVG root is copied");
  assert.equal(sanitizeSvg(`<script>alert(1)</script>`), "");
});

Deno.test("readIndexEntries survives a page whose JSON is malformed", async () => {
  await withDir(async (dir) => {
    const data = {
      format: "nnlab-figure-page/1",
      page: { title: 7, description: null, dataLine: "x", date: "", runCount: 1 },
      runs: [null, { record: "no" }, { record: { name: "<b>", metrics: [1], config: 5 } }],
    };
    await Deno.writeTextFile(
      join(dir, "odd.html"),
      `<script type="application/json" id="nnlab-data">${JSON.stringify(data)}</script>`,
    );
    const [entry] = await readIndexEntries(dir);
    assert.equal(entry.title, "7");
    assert.deepEqual(entry.runs.map((r) => [r.name, r.config, r.metrics]), [
      ["?", {}, {}],
      ["?", {}, {}],
      ["<b>", {}, {}],
    ]);
    const html = await Deno.readTextFile(await writeIndex(dir));
    assert.ok(html.includes("&lt;b&gt;") && !html.includes("<b>"), "names are escaped");
  });
});
