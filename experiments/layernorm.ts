/**
 * Layernorm and batch size: the batch-size study with layer normalization, whose
 * statistics are per example, in place of batchnorm (the course finds it insensitive to
 * the batch size).
 *
 * Run: `deno task exp:layernorm` (add --quick for a seconds-long smoke run).
 *
 * @module
 */
import { runExperiment } from "../lib/study/frame.ts";
import { normalizationBatchSizeStudy } from "../lib/study/batch_size.ts";

await runExperiment(normalizationBatchSizeStudy({
  name: "layernorm",
  normalization: "layernorm",
  script: import.meta.url,
}));
