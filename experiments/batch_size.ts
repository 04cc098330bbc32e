/**
 * Batchnorm and batch size: batch statistics from small batches are noisy, so the course
 * finds batchnorm helps less (or hurts) as the batch shrinks.
 *
 * Run: `deno task exp:batch-size` (add --quick for a seconds-long smoke run).
 *
 * @module
 */
import { runExperiment } from "../lib/study/frame.ts";
import { normalizationBatchSizeStudy } from "../lib/study/batch_size.ts";

await runExperiment(normalizationBatchSizeStudy({
  name: "batch_size",
  normalization: "batchnorm",
  script: import.meta.url,
}));
