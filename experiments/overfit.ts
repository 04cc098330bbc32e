/**
 * A three-layer convnet (conv 7x7, 32 filters - relu - 2x2 max pool - affine 100 - relu -
 * affine - softmax) memorizes 100 training images: training accuracy climbs to 100%
 * while validation accuracy stays low. Then one epoch on the whole training set with a
 * wider hidden layer and some regularization, as the course does next.
 *
 * Run: `deno task exp:overfit` (add --quick for a seconds-long smoke run); a full run
 * takes under a minute on 2 cores.
 *
 * @module
 */
import { runExperiment } from "../lib/study/frame.ts";
import type { Figure } from "../lib/plot/figure.ts";
import { learningCurves } from "../lib/plot/learning_curves.ts";
import type { RunRecord } from "../lib/runs/record.ts";
import { epochCurves } from "../lib/plot/epoch_curves.ts";
import { convNetRun } from "../lib/train/convnet.ts";
import { studyData } from "../lib/train/study_data.ts";

const settings = {
  numTrain: 100,
  numVal: 1_000,
  numFilters: 32,
  filterSize: 7,
  hiddenDim: 100,
  weightScale: 1e-2,
  reg: 0,
  updateRule: "adam",
  learningRate: 1e-3,
  numEpochs: 10,
  batchSize: 50,
  printEvery: 1,
  /** The one-epoch run: training examples (null = the whole training split) and its net. */
  full: { numTrain: null as number | null, hiddenDim: 500, reg: 1e-3, weightScale: 1e-3 },
};

await runExperiment({
  name: "overfit",
  title: "A three-layer convnet overfits 100 images",
  description: "On 100 images the training loss goes to zero and training accuracy to " +
    "100% while validation accuracy stays low; one epoch on the whole set generalizes.",
  script: import.meta.url,
  settings,
  quick: { numVal: 200, full: { ...settings.full, numTrain: 200 } },
  loadData: (s, dataset) => studyData({ dataset, numTrain: s.numTrain, numVal: s.numVal, seed: 0 }),
  runs: (s) => [
    convNetRun("100 images, 10 epochs", s),
    convNetRun("whole training set, 1 epoch", {
      ...s,
      ...s.full,
      numEpochs: 1,
      printEvery: 20,
    }),
  ],
  figures: (outcomes) => {
    const [overfit, full] = outcomes.map((o) => o.record);
    return [
      overfitFigure(overfit),
      learningCurves([full], {
        title: `One epoch on the whole training set (hidden ${configText(full, "hiddenDim")}, reg ${
          configText(full, "reg")
        }, weight scale ${configText(full, "weightScale")})`,
        caption: "Left: training loss of every minibatch. Middle and right: accuracy on " +
          "1,000 training images and on the validation set before and after the epoch.",
      }),
    ];
  },
});

/** Loss per iteration, and train vs val accuracy on one axis, where the gap shows. */
function overfitFigure(record: RunRecord): Figure {
  const loss = learningCurves([record]).panels[0];
  const accuracy = epochCurves([record], { title: "" });
  return {
    title: "Overfitting 100 images",
    caption: "Left: training loss of every minibatch (two per epoch). Right: accuracy on " +
      "the 100 training images and on the validation set after each epoch (0 = before training).",
    legend: accuracy.legend,
    panels: [loss, accuracy.panels[1]],
    data: { loss: record.history.lossHistory, accuracy: accuracy.data },
  };
}

/** A config value of a record, as text. */
function configText(record: { config: Record<string, unknown> }, key: string): string {
  return String(record.config[key]);
}
