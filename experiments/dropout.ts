/**
 * Dropout as a regularizer: a two-layer net on 500 examples overfits; inverted dropout
 * (keep probability 0.25) narrows the gap between training and validation accuracy.
 *
 * Run: `deno task exp:dropout` (add --quick for a seconds-long smoke run).
 *
 * @module
 */
import { runExperiment } from "../lib/study/frame.ts";
import { learningCurves } from "../lib/plot/learning_curves.ts";
import { fcRun } from "../lib/train/fc.ts";

const settings = {
  hiddenDims: [500],
  weightScale: 1e-2,
  numTrain: 500,
  updateRule: "adam",
  learningRate: 5e-4,
  numEpochs: 25,
  batchSize: 100,
};

await runExperiment({
  name: "dropout",
  title: "Dropout as a regularizer",
  description: "Without dropout a two-layer net memorizes 500 examples; with keep " +
    "probability 0.25 the train/validation gap narrows.",
  script: import.meta.url,
  settings,
  quick: { numTrain: 100, numEpochs: 2 },
  runs: (s) =>
    [1, 0.25].map((dropoutKeepProb) =>
      fcRun(dropoutKeepProb === 1 ? "no dropout" : `keep ${dropoutKeepProb}`, {
        ...s,
        dropoutKeepProb,
      })
    ),
  figures: (outcomes) => [
    learningCurves(outcomes.map((o) => o.record), {
      loss: false,
      title: "Accuracy per epoch, with and without dropout",
      legendLabel: "dropout",
    }),
  ],
});
