/**
 * The batch-size study shared by exp:batch-size (batchnorm) and exp:layernorm: a
 * normalized six-layer net at batch sizes 5, 10 and 50, and a baseline at batch 5.
 *
 * @module
 */
import type { ExperimentDefinition } from "./frame.ts";
import { rankRuns } from "../plot/findings.ts";
import { learningCurves } from "../plot/learning_curves.ts";
import { fcRun } from "../train/fc.ts";

const settings = {
  hiddenDims: [100, 100, 100, 100, 100],
  weightScale: 2e-2,
  numTrain: 1_000,
  updateRule: "adam",
  learningRate: 10 ** -3.5,
  numEpochs: 10,
  /** Batch sizes of the normalized net; the baseline uses the first. */
  batchSizes: [5, 10, 50],
};

/**
 * The study for one normalization.
 *
 * @example
 * ```ts
 * await runExperiment(normalizationBatchSizeStudy({
 *   name: "layernorm", normalization: "layernorm", script: import.meta.url,
 * }));
 * ```
 */
export function normalizationBatchSizeStudy(
  { name, normalization, script }: {
    name: string;
    normalization: "batchnorm" | "layernorm";
    script: string;
  },
): ExperimentDefinition<typeof settings> {
  return {
    name,
    title: `${normalization === "batchnorm" ? "Batchnorm" : "Layernorm"} and batch size`,
    description:
      (normalization === "batchnorm"
        ? "Batchnorm estimates its statistics from the batch, so small batches give noisy " +
          "estimates"
        : "Layernorm normalizes each example by itself, with no statistics from the batch") +
      `: how does a six-layer net train with it at batch sizes ${
        settings.batchSizes.join(", ")
      }, against a baseline at ${settings.batchSizes[0]}?`,
    script,
    settings,
    quick: { numTrain: 100, numEpochs: 1 },
    runs: (s) => [
      fcRun(`baseline, batch ${s.batchSizes[0]}`, { ...s, batchSize: s.batchSizes[0] }),
      ...s.batchSizes.map((batchSize) =>
        fcRun(`${normalization}, batch ${batchSize}`, { ...s, normalization, batchSize })
      ),
    ],
    figures: (outcomes) => {
      const records = outcomes.map((o) => o.record);
      return [{
        ...learningCurves(records, {
          loss: false,
          title: "Accuracy per epoch by batch size",
          legendLabel: "batch size",
        }),
        findings: rankRuns(records, { metric: "finalValAcc", label: "final validation accuracy" }),
      }];
    },
  };
}
