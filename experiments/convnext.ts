/**
 * A ConvNeXt-style classifier: a 1x1 stem and LayerNorm, 4 stages of 2 blocks (depthwise
 * 7x7 - LayerNorm - 1x1 to 4C - GELU - 1x1 back, plus the input) with downsamplers in
 * between, a pooled LayerNorm head; SGD with weight decay and torchvision-style
 * augmentation, 80/20 train/validation split.
 *
 * Data: CIFAR-10 where it is on disk or can be downloaded; otherwise the offline digits,
 * zero-padded to 32x32 and repeated to three channels, so the same net and augmentation
 * run anywhere (a mirrored digit is a harder digit, not a wrong one for most classes).
 *
 * Run: `deno task exp:convnext` (add --quick for a seconds-long smoke run). A training step
 * at batch 128 takes about 7.5 s on 2 cores with the wasm backend, so a full run is about
 * 70 minutes on the digits (50 steps per epoch) and 6 to 7 hours on CIFAR-10 (312). With
 * these settings (plain SGD at lr 1e-3) the net learns slowly: on the digits it reached 54%
 * validation accuracy after the 10 epochs; PyTorch's copy of the net (in bench/torch_step.py),
 * trained the same way without augmentation, was at 18%, 21% and 32% after epochs 1 to 3.
 *
 * @module
 */
import { dataSpec } from "../lib/data/spec.ts";
import { convnext } from "../lib/models/convnext.ts";
import { summarize } from "../lib/models/summary.ts";
import { timeSplit } from "../lib/plot/time_split.ts";
import { runStudy } from "../lib/study/frame.ts";
import { classifierRun } from "../lib/train/classifier.ts";
import { epochCurves } from "../lib/plot/epoch_curves.ts";
import { rankRuns } from "../lib/plot/findings.ts";
import { modelSummary } from "../lib/plot/model_summary.ts";
import { plural } from "../lib/plot/plural.ts";
import { configText } from "../lib/plot/varying.ts";

const settings = {
  filters: 32,
  stages: 4,
  blocksPerStage: 2,
  updateRule: "sgd",
  learningRate: 1e-3,
  weightDecay: 1e-2,
  batchSize: 128,
  numEpochs: 10,
  augment: { flip: 0.5, cropScale: [0.85, 1] as [number, number], jitter: 0.2 },
  /** The digits: 80/20 of the 8,000-digit training pool; the last 2,000 are the test set. */
  numTrain: 6_400,
  numVal: 1_600,
  numTest: 2_000,
  /** CIFAR-10: 80/20 of the 50,000 training images; the first 1,000 test images. */
  cifar: { numTrain: 40_000, numVal: 10_000, numTest: 1_000 },
};

await runStudy({
  name: "convnext",
  title: "A ConvNeXt-style classifier",
  description: (s) =>
    `A small ConvNeXt (${plural(s.stages, "stage")} of ${plural(s.blocksPerStage, "block")}, ` +
    `${s.filters} channels after the stem) trained by ${s.updateRule} at lr ` +
    `${configText(s.learningRate)} with weight decay ${configText(s.weightDecay)} and ` +
    `${augmentationText(s.augment)}: learning curves, where a training step's time goes, ` +
    "and the model's layers.",
  script: import.meta.url,
  settings,
  quick: {
    numTrain: 32,
    numVal: 16,
    numTest: 16,
    batchSize: 16,
    numEpochs: 1,
    cifar: { numTrain: 32, numVal: 16, numTest: 16 },
  },
  // torchvision's ToTensor range, so colour jitter clamps to [0, 1] as torchvision does;
  // the stem's LayerNorm makes centring the inputs unnecessary. Digits are padded to 32x32x3.
  data: (s, dataset) =>
    dataSpec({
      dataset,
      split: "partition",
      ...(dataset === "cifar10"
        ? s.cifar
        : { numTrain: s.numTrain, numVal: s.numVal, numTest: s.numTest }),
      pixelRange: 1,
      subtractMean: false,
      padTo: dataset === "cifar10" ? null : 32,
    }),
  runs: (s) => [
    classifierRun("convnext", {
      data: s.data,
      model: "convnext",
      modelOptions: { filters: s.filters, stages: s.stages, blocksPerStage: s.blocksPerStage },
      updateRule: s.updateRule,
      optimConfig: { learningRate: s.learningRate, weightDecay: s.weightDecay },
      numEpochs: s.numEpochs,
      batchSize: s.batchSize,
      augment: s.augment,
      record: { valLoss: true },
      seed: s.seed,
    }),
  ],
  figures: (outcomes, s) => {
    const records = outcomes.map((o) => o.record);
    const model = convnext({
      filters: s.filters,
      stages: s.stages,
      blocksPerStage: s.blocksPerStage,
    });
    const summary = summarize(model, [1, 32, 32, 3], { title: "convnext" });
    model.dispose();
    return [
      {
        ...epochCurves(records, { title: "Loss and accuracy per epoch", valName: "val" }),
        findings: rankRuns(records, { metric: "finalValAcc", label: "validation accuracy" }),
      },
      timeSplit(records),
      modelSummary(summary),
    ];
  },
});

/** The augmentation in words: "flip, crop and colour-jitter augmentation" or "no augmentation". */
function augmentationText(augment: typeof settings.augment): string {
  const kinds = [
    augment.flip > 0 ? "flip" : null,
    augment.cropScale[0] < 1 ? "crop" : null,
    augment.jitter > 0 ? "colour-jitter" : null,
  ].filter((kind) => kind !== null);
  if (kinds.length === 0) return "no augmentation";
  return `${kinds.slice(0, -1).join(", ")}${kinds.length > 1 ? " and " : ""}${kinds.at(-1)} ` +
    "augmentation";
}
