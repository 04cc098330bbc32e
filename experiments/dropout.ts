/**
 * Dropout as a regularizer: a two-layer net on a small training set, with and without
 * inverted dropout (keep probability 0.25); the course finds dropout narrows the gap
 * between training and validation accuracy.
 *
 * Run: `deno task exp:dropout` (add --quick for a seconds-long smoke run).
 *
 * @module
 */
import { dataSpec } from "../lib/data/spec.ts";
import { runStudy } from "../lib/study/frame.ts";
import { fcNetText, fcRun } from "../lib/study/fc_run.ts";
import type { RunRecord } from "../lib/runs/record.ts";
import { learningCurves } from "../lib/plot/learning_curves.ts";
import { plural } from "../lib/plot/plural.ts";
import { formatCell } from "../lib/plot/table.ts";

export const settings = {
  hiddenDims: [500],
  weightScale: 1e-2,
  numTrain: 500,
  updateRule: "adam",
  learningRate: 5e-4,
  numEpochs: 25,
  batchSize: 100,
  /** Inverted-dropout keep probabilities, one run each; 1 = no dropout. */
  keepProbs: [1, 0.25],
};

// Runs only as a script: tests import the settings above without starting the study.
if (import.meta.main) {
  await runStudy({
    name: "dropout",
    title: "Dropout as a regularizer",
    description: (s) =>
      `A ${fcNetText(s.hiddenDims)} trained on ${plural(s.numTrain, "training example")} ` +
      `with keep probabilities ${s.keepProbs.join(", ")} (1 = no dropout): does dropout ` +
      "narrow the gap between training and validation accuracy?",
    script: import.meta.url,
    settings,
    quick: { numTrain: 100, numEpochs: 2 },
    data: (s, dataset) => dataSpec({ dataset, numTrain: s.numTrain }),
    runs: (s) =>
      s.keepProbs.map((dropoutKeepProb) =>
        fcRun(dropoutKeepProb === 1 ? "no dropout" : `keep ${dropoutKeepProb}`, {
          ...s,
          dropoutKeepProb,
        })
      ),
    figures: (outcomes, s) => {
      const records = outcomes.map((o) => o.record);
      return [{
        ...learningCurves(records, {
          loss: false,
          title: "Accuracy per epoch, with and without dropout",
          legendLabel: "dropout",
        }),
        findings: `After the last epoch on ${plural(s.numTrain, "training example")}: ` +
          `${records.map(gap).join("; ")}.`,
      }];
    },
  });
}

/** "no dropout: train 98.0%, validation 61.0% (a gap of 37.0 points)". */
function gap(record: RunRecord): string {
  const train = record.metrics.finalTrainAcc, val = record.metrics.finalValAcc;
  return `${record.name}: train ${formatCell(train, "percent")}, validation ` +
    `${formatCell(val, "percent")} (a gap of ${((train - val) * 100).toFixed(1)} points)`;
}
