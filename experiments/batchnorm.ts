/**
 * Batchnorm and training speed: the same six-layer net with and without batch
 * normalization, trained by Adam (the course finds batchnorm trains it much faster).
 *
 * Run: `deno task exp:batchnorm` (add --quick for a seconds-long smoke run).
 *
 * @module
 */
import { dataSpec } from "../lib/data/spec.ts";
import { runStudy } from "../lib/study/frame.ts";
import { rankRuns } from "../lib/plot/findings.ts";
import { learningCurves } from "../lib/plot/learning_curves.ts";
import { configText } from "../lib/plot/varying.ts";
import { fcNetText, fcRun } from "../lib/study/fc_run.ts";

export const settings = {
  hiddenDims: [100, 100, 100, 100, 100],
  weightScale: 2e-2,
  numTrain: 1_000,
  updateRule: "adam",
  learningRate: 1e-3,
  numEpochs: 10,
  batchSize: 50,
};

// Runs only as a script: tests import the settings above without starting the study.
if (import.meta.main) {
  await runStudy({
    name: "batchnorm",
    title: "Batch normalization in a deep net",
    description: (s) =>
      `A ${fcNetText(s.hiddenDims)} with weight scale ${configText(s.weightScale)}, trained by ` +
      `${s.updateRule} with and without batch normalization: does batchnorm make it train faster?`,
    script: import.meta.url,
    settings,
    quick: { numTrain: 200, numEpochs: 2 },
    data: (s, dataset) => dataSpec({ dataset, numTrain: s.numTrain }),
    runs: (s) => [
      fcRun("baseline", { ...s, normalization: null }),
      fcRun("batchnorm", { ...s, normalization: "batchnorm" }),
    ],
    figures: (outcomes) => {
      const records = outcomes.map((o) => o.record);
      return [{
        ...learningCurves(records),
        findings: `${
          rankRuns(records, { metric: "bestTrainAcc", label: "best training accuracy" })
        } ${
          rankRuns(records, {
            metric: "bestValAcc",
            label: "best validation accuracy",
            size: false,
          })
        }`,
      }];
    },
  });
}
