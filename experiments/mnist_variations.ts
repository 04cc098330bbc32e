/**
 * How design choices change a small MNIST CNN: a fully connected baseline, the CNN, pool
 * before relu, tanh, adam, residual blocks, the same blocks without skips, and residual
 * blocks with batchnorm; trained PyTorch style (default initialization, pixels 0..1).
 *
 * Run: `deno task exp:mnist-variations` (add --quick for a seconds-long smoke run). A full
 * run takes about 25 minutes on 2 cores with the wasm backend, most of it (f)-(h). With
 * 8,000 training digits plain SGD at lr 1e-2 is slow: (b) reaches about 90% test accuracy
 * in 15 epochs and 96% in 75; adam (e) passes 97% in 15.
 *
 * @module
 */
import { runExperiment } from "../lib/experiment.ts";
import { confusionMatrix } from "../lib/plot/confusion_matrix.ts";
import { formatCell, table } from "../lib/plot/table.ts";
import type { RunRecord } from "../lib/run.ts";
import { epochCurves, misclassifiedGrid } from "../lib/studies/cnn_figures.ts";
import { digitsDataset } from "../lib/trainers/cnn.ts";
import { mnistData, mnistRun } from "../lib/trainers/mnist.ts";

const settings = {
  /** 80/20 of the 10,000 digits. */
  numTrain: 8_000,
  numTest: 2_000,
  numEpochs: 15,
  batchSize: 128,
  updateRule: "sgd",
  learningRate: 1e-2,
};

/** Each variation: its model, and what it changes in the settings. */
const variations = [
  { name: "(a) FC 784-50-50-10", model: "mnist_fc" },
  { name: "(b) CNN", model: "mnist_small_cnn" },
  { name: "(c) pool before relu", model: "mnist_pool_first" },
  { name: "(d) pool before tanh", model: "mnist_pool_first_tanh" },
  {
    name: "(e) CNN with adam 1e-3",
    model: "mnist_small_cnn",
    updateRule: "adam",
    learningRate: 1e-3,
  },
  { name: "(f) residual blocks", model: "mnist_resnet" },
  { name: "(g) (f) without skips", model: "mnist_plain_deep" },
  { name: "(h) (f) with batchnorm", model: "mnist_resnet_bn" },
];

/** "batch 128, lr 0.01, 15 epochs, 1 min 5 s". */
function runFacts(record: RunRecord): string {
  const c = record.config as { batchSize: number; learningRate: number; numEpochs: number };
  return `batch ${c.batchSize}, ${record.config.updateRule} lr ${c.learningRate}, ` +
    `${c.numEpochs} epochs, ${formatCell(record.timings.totalMs, "milliseconds")}`;
}

await runExperiment({
  name: "mnist_variations",
  title: "Variations of a small MNIST CNN",
  description: "Convolutions beat a fully connected net; pooling before the activation " +
    "gives the same net (max pooling commutes with relu and tanh); adam trains faster " +
    "than plain SGD; residual blocks let a deep net train where the same net without " +
    "skips does not.",
  script: import.meta.url,
  settings,
  quick: { numTrain: 128, numTest: 64, numEpochs: 1, batchSize: 64 },
  loadData: async (s, dataset) => mnistData(await digitsDataset(dataset), s.numTrain, s.numTest),
  runs: (s) =>
    variations.map(({ name, ...changes }) =>
      mnistRun(name, { ...s, momentum: null, numMisclassified: 10, ...changes })
    ),
  figures: (outcomes) => {
    const records = outcomes.map((o) => o.record);
    const finished = records.filter((r) => r.status === "finished");
    const best = finished.reduce<RunRecord | undefined>(
      (a, r) => (a === undefined || r.metrics.testAcc > a.metrics.testAcc ? r : a),
      undefined,
    );
    const counts = (best?.extra?.confusion ?? []) as number[][];
    const digits = counts.map((_, i) => String(i));
    const grid = best &&
      misclassifiedGrid(best, digits, `Misclassified test digits of ${best.name}`);
    return [
      {
        title: "Final accuracies and times",
        caption: "After the last epoch, on the whole training and test sets.",
        panels: [],
        table: table(records.map((r) => ({ variation: r.name, ...r.metrics, ...r.timings })), [
          { key: "variation", label: "variation", format: "text" },
          { key: "trainAcc", label: "train accuracy", format: "percent" },
          { key: "testAcc", label: "test accuracy", format: "percent" },
          { key: "testLoss", label: "test loss", format: "number" },
          { key: "iterations", label: "iterations", format: "integer" },
          { key: "totalMs", label: "wall time", format: "milliseconds" },
        ]),
      },
      ...(best && counts.length > 0
        ? [{
          ...confusionMatrix(counts, digits),
          title: `Confusion matrix of the best model, ${best.name} (test set)`,
        }]
        : []),
      ...(grid ? [grid] : []),
      ...records.map((r) =>
        epochCurves([r], { title: `${r.name}: ${runFacts(r)}`, valName: "test" })
      ),
    ];
  },
});
