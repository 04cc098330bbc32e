/**
 * A first MNIST CNN and momentum: Conv(1->32, 3x3) - ReLU - MaxPool 2 - Conv(32->64, 3x3) -
 * ReLU - MaxPool 2 - Flatten - Linear(1600 -> 10), trained PyTorch style (default
 * initialization, pixels 0..1, 70/30 train/test split) by three optimizers.
 *
 * Run: `deno task exp:cnn` (add --quick for a seconds-long smoke run). A full run takes
 * about 13 minutes on 2 cores with the wasm backend (2,180 steps at batch 32 per momentum run).
 *
 * @module
 */
import { dataSpec } from "../lib/data/spec.ts";
import { runStudy } from "../lib/study/frame.ts";
import { classifierRun } from "../lib/train/classifier.ts";
import type { Sequential } from "../lib/models/sequential.ts";
import { summarize } from "../lib/models/summary.ts";
import { loadModel, MODELS } from "../lib/models/table.ts";
import { epochCurves } from "../lib/plot/epoch_curves.ts";
import { rankRuns } from "../lib/plot/findings.ts";
import { countWord } from "../lib/plot/plural.ts";
import { modelSummary } from "../lib/plot/model_summary.ts";
import { resultsTable } from "../lib/plot/results_table.ts";

const settings = {
  model: "mnist_cnn" as const,
  /** 70/30 of 10,000 MNIST digits: the first 7,000 training digits, the last 3,000 test digits. */
  numTrain: 7_000,
  numTest: 3_000,
  numEpochs: 10,
};

const optimizers = [
  { name: "SGD lr 1e-3 momentum 0.8, batch 32", updateRule: "sgd_momentum", momentum: 0.8 },
  { name: "SGD lr 1e-3 momentum 0.9, batch 32", updateRule: "sgd_momentum", momentum: 0.9 },
  { name: "SGD lr 1e-2, batch 256", updateRule: "sgd", momentum: null },
].map((o) => ({
  ...o,
  learningRate: o.momentum === null ? 1e-2 : 1e-3,
  batchSize: o.momentum === null ? 256 : 32,
}));

await runStudy({
  name: "cnn",
  title: "A first MNIST CNN: SGD with and without momentum",
  description: (s) =>
    `The same two-convolution net (${s.model}) trained by ${countWord(optimizers.length)} ` +
    `optimizers: ${optimizers.map((o) => o.name).join("; ")}.`,
  script: import.meta.url,
  settings,
  quick: { numTrain: 256, numTest: 128, numEpochs: 2 },
  datasets: "digits",
  // PyTorch's ToTensor pixels (0..1), nothing subtracted, no validation split.
  data: (s, dataset) =>
    dataSpec({
      dataset,
      split: "partition",
      numTrain: s.numTrain,
      numVal: 0,
      numTest: s.numTest,
      pixelRange: 1,
      subtractMean: false,
    }),
  runs: (s) =>
    optimizers.map(({ name, updateRule, learningRate, momentum, batchSize }) =>
      classifierRun(name, {
        data: s.data,
        model: s.model,
        updateRule,
        optimConfig: momentum === null ? { learningRate } : { learningRate, momentum },
        numEpochs: s.numEpochs,
        batchSize,
        seed: s.seed,
        record: { testEachEpoch: true },
      })
    ),
  figures: async (outcomes, s) => {
    const records = outcomes.map((o) => o.record);
    const model = await loadModel(s.model) as Sequential;
    const summary = summarize(model, [1, ...MODELS[s.model].inputShape], { title: s.model });
    model.dispose();
    return [
      epochCurves(records, { title: "Loss and accuracy per epoch", valName: "test" }),
      {
        ...resultsTable(records, {
          title: "Final accuracy",
          caption: "After the last epoch: accuracy on the whole training and test sets.",
          nameLabel: "optimizer",
          columns: [
            { key: "finalTrainAccAll", label: "train accuracy", format: "percent" },
            { key: "testAcc", label: "test accuracy", format: "percent" },
            { key: "finalEpochLoss", label: "last-epoch train loss", format: "number" },
            { key: "testLoss", label: "test loss", format: "number" },
          ],
        }),
        findings: rankRuns(records, { metric: "testAcc", label: "test accuracy" }),
      },
      modelSummary(summary),
    ];
  },
});
