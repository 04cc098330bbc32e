/**
 * Batchnorm and batch size: batch statistics from small batches are noisy, so the course
 * finds batchnorm helps less (or hurts) as the batch shrinks.
 *
 * Run: `deno task exp:batch-size` (add --quick for a seconds-long smoke run).
 *
 * @module
 */
import { normalizationBatchSizeStudy } from "../lib/study/batch_size.ts";
import { runStudy } from "../lib/study/frame.ts";

export const settings = {
  hiddenDims: [100, 100, 100, 100, 100],
  weightScale: 2e-2,
  numTrain: 1_000,
  updateRule: "adam",
  learningRate: 10 ** -3.5,
  numEpochs: 10,
  /** Batch sizes of the batchnorm net; the baseline uses the first. */
  batchSizes: [5, 10, 50],
};

// Runs only as a script: tests import the settings above without starting the study.
if (import.meta.main) {
  await runStudy(normalizationBatchSizeStudy({
    name: "batch_size",
    normalization: "batchnorm",
    script: import.meta.url,
    settings,
    quick: { numTrain: 100, numEpochs: 1 },
  }));
}
