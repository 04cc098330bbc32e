/**
 * The batch-size study shared by exp:batch-size (batchnorm) and exp:layernorm: a
 * normalized net at several batch sizes, and a baseline at the smallest. The scripts
 * state the settings; this builds the runs and the figure from them.
 *
 * @module
 */
import { type DataSpec, dataSpec } from "../data/spec.ts";
import { rankRuns } from "../plot/findings.ts";
import { learningCurves } from "../plot/learning_curves.ts";
import { fcNetText, fcRun } from "./fc_run.ts";
import type { StudyDefinition } from "./frame.ts";

/** What both scripts state. */
export interface BatchSizeSettings extends Record<string, unknown> {
  hiddenDims: number[];
  weightScale: number;
  numTrain: number;
  updateRule: string;
  learningRate: number;
  numEpochs: number;
  /** Batch sizes of the normalized net; the baseline uses the first. */
  batchSizes: number[];
}

/**
 * The study definition for `normalization`.
 *
 * @example
 * ```ts
 * import { normalizationBatchSizeStudy } from "./batch_size.ts";
 * import { runStudy } from "./frame.ts";
 *
 * const settings = {
 *   hiddenDims: [100, 100, 100, 100, 100],
 *   weightScale: 2e-2,
 *   numTrain: 1_000,
 *   updateRule: "adam",
 *   learningRate: 10 ** -3.5,
 *   numEpochs: 10,
 *   batchSizes: [5, 10, 50],
 * };
 * await runStudy(normalizationBatchSizeStudy({
 *   name: "layernorm",
 *   normalization: "layernorm",
 *   script: import.meta.url,
 *   settings,
 *   quick: { numTrain: 100, numEpochs: 1 },
 * }));
 * ```
 */
export function normalizationBatchSizeStudy(
  { name, normalization, script, settings, quick }: {
    name: string;
    normalization: "batchnorm" | "layernorm";
    script: string;
    settings: BatchSizeSettings;
    quick: Partial<BatchSizeSettings>;
  },
): StudyDefinition<BatchSizeSettings> {
  return {
    name,
    title: `${normalization === "batchnorm" ? "Batchnorm" : "Layernorm"} and batch size`,
    description: (s) =>
      (normalization === "batchnorm"
        ? "Batchnorm estimates its statistics from the batch, so small batches give noisy " +
          "estimates"
        : "Layernorm normalizes each example by itself, with no statistics from the batch") +
      `: how does a ${fcNetText(s.hiddenDims)} train with it at batch sizes ` +
      `${s.batchSizes.join(", ")}, against a baseline at ${s.batchSizes[0]}?`,
    script,
    settings,
    quick,
    data: (s, dataset): DataSpec => dataSpec({ dataset, numTrain: s.numTrain }),
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
