/**
 * Update rules compared: SGD, SGD+momentum, RMSProp and Adam training the same six-layer
 * fully connected net (five hidden layers) from the same initialization.
 *
 * Run: `deno task exp:adam` (add --quick for a seconds-long smoke run).
 *
 * @module
 */
import { dataSpec } from "../lib/data/spec.ts";
import { runStudy } from "../lib/study/frame.ts";
import { rankRuns } from "../lib/plot/findings.ts";
import { learningCurves } from "../lib/plot/learning_curves.ts";
import { countWord } from "../lib/plot/plural.ts";
import { fcNetText, fcRun } from "../lib/study/fc_run.ts";

export const settings = {
  hiddenDims: [100, 100, 100, 100, 100],
  weightScale: 5e-2,
  numTrain: 4_000,
  numEpochs: 5,
  batchSize: 100,
};

/** Learning rate of each update rule, as the course tunes them. */
export const learningRates = { sgd: 5e-3, sgd_momentum: 5e-3, rmsprop: 1e-4, adam: 1e-3 };

// Runs only as a script: tests import the settings above without starting the study.
if (import.meta.main) {
  await runStudy({
    name: "adam",
    title: "Update rules: SGD, momentum, RMSProp, Adam",
    description: (s) =>
      `The same ${fcNetText(s.hiddenDims)}, from the same initialization, trained by ` +
      `${countWord(Object.keys(learningRates).length)} update rules at the course's learning ` +
      "rates: which trains fastest?",
    script: import.meta.url,
    settings,
    quick: { numTrain: 200, numEpochs: 2 },
    data: (s, dataset) => dataSpec({ dataset, numTrain: s.numTrain }),
    runs: (s) =>
      Object.entries(learningRates).map(([rule, learningRate]) =>
        fcRun(rule, { ...s, updateRule: rule, learningRate })
      ),
    figures: (outcomes) => {
      const records = outcomes.map((o) => o.record);
      return [{
        ...learningCurves(records, { legendLabel: "update rule" }),
        findings: rankRuns(records, { metric: "bestValAcc", label: "best validation accuracy" }),
      }];
    },
  });
}
