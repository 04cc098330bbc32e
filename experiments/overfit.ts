/**
 * A three-layer convnet (conv 7x7, 32 filters - relu - 2x2 max pool - affine 100 - relu -
 * affine - softmax) memorizes 100 training images: training accuracy climbs to 100%
 * while validation accuracy stays low. Then one epoch on the whole training set with a
 * wider hidden layer and some regularization, as the course does next.
 *
 * Run: `deno task exp:overfit` (add --quick for a seconds-long smoke run); a full run
 * takes under a minute on 2 cores.
 *
 * @module
 */
import { type DataSpec, dataSpec } from "../lib/data/spec.ts";
import type { Figure } from "../lib/plot/figure.ts";
import { displayable } from "../lib/plot/notebook.ts";
import { learningCurves } from "../lib/plot/learning_curves.ts";
import { plural } from "../lib/plot/plural.ts";
import { formatCell } from "../lib/plot/table.ts";
import type { RunRecord } from "../lib/runs/record.ts";
import { type ResolvedSettings, runStudy } from "../lib/study/frame.ts";
import { classifierRun } from "../lib/train/classifier.ts";
import { epochCurves } from "../lib/plot/epoch_curves.ts";

const settings = {
  numTrain: 100,
  numVal: 1_000,
  numFilters: 32,
  filterSize: 7,
  hiddenDim: 100,
  weightScale: 1e-2,
  reg: 0,
  updateRule: "adam",
  learningRate: 1e-3,
  numEpochs: 10,
  batchSize: 50,
  printEvery: 1,
  /** The one-epoch run: training examples (null = the whole training split) and its net. */
  full: { numTrain: null as number | null, hiddenDim: 500, reg: 1e-3, weightScale: 1e-3 },
};

/**
 * Training examples the Solver scores for its per-epoch training accuracy (its
 * numTrainSamples default, lib/train/solver.ts): a larger training set is sampled.
 */
const SOLVER_TRAIN_SAMPLE = 1_000;

/** A run of cs231n's three-layer convnet with these settings. */
function convNetRun(name: string, s: ResolvedSettings<typeof settings>) {
  return classifierRun(name, {
    data: s.data,
    model: "three_layer_convnet",
    modelOptions: {
      numFilters: s.numFilters,
      filterSize: s.filterSize,
      hiddenDim: s.hiddenDim,
      weightScale: s.weightScale,
      reg: s.reg,
    },
    updateRule: s.updateRule,
    optimConfig: { learningRate: s.learningRate },
    numEpochs: s.numEpochs,
    batchSize: s.batchSize,
    printEvery: s.printEvery,
    seed: s.seed,
  });
}

await runStudy({
  name: "overfit",
  title: (s) => `A three-layer convnet on ${plural(s.numTrain, "image")}`,
  description: (s) =>
    `Can a three-layer convnet memorize ${plural(s.numTrain, "training image")} in ` +
    `${plural(s.numEpochs, "epoch")} (training accuracy near 100%, validation accuracy low)? ` +
    `And what does one epoch on ${imagesText(s.full.numTrain)} reach?`,
  script: import.meta.url,
  settings,
  quick: { numVal: 200, full: { ...settings.full, numTrain: 200 } },
  data: (s, dataset) => dataSpec({ dataset, numTrain: s.numTrain, numVal: s.numVal }),
  runs: (s) => [
    convNetRun(`${s.numTrain} images, ${s.numEpochs} epochs`, s),
    convNetRun(
      s.full.numTrain === null
        ? "whole training set, 1 epoch"
        : `${s.full.numTrain} images, 1 epoch`,
      {
        ...s,
        hiddenDim: s.full.hiddenDim,
        reg: s.full.reg,
        weightScale: s.full.weightScale,
        data: { ...s.data, numTrain: s.full.numTrain },
        numEpochs: 1,
        printEvery: 20,
      },
    ),
  ],
  figures: (outcomes) => {
    const [overfit, full] = outcomes.map((o) => o.record);
    return [
      overfitFigure(overfit),
      {
        ...learningCurves([full], {
          title: `One epoch on ${imagesText(numTrainOf(full))} (hidden ` +
            `${configText(full, "hiddenDim")}, reg ${configText(full, "reg")}, weight scale ` +
            `${configText(full, "weightScale")})`,
          caption: "Left: training loss of every minibatch. Middle and right: accuracy on " +
            `${scoredText(numTrainOf(full))} and on the validation set, before and after ` +
            "the epoch.",
        }),
        findings: `After the epoch: training accuracy ${
          formatCell(full.metrics.finalTrainAcc, "percent")
        } (on the sample), validation accuracy ${formatCell(full.metrics.finalValAcc, "percent")}.`,
      },
    ];
  },
});

/** Loss per iteration, and train vs val accuracy on one axis, where the gap shows. */
function overfitFigure(record: RunRecord): Figure {
  const loss = learningCurves([record]);
  const accuracy = epochCurves([record], { title: "" });
  const images = numTrainOf(record) as number;
  // As the Solver counts: whole batches only, at least one.
  const perEpoch = Math.max(Math.floor(images / (record.config.batchSize as number)), 1);
  const { finalTrainAcc, finalValAcc } = record.metrics;
  return displayable({
    title: `Overfitting ${images} images`,
    caption: `Left: training loss of every minibatch (${perEpoch} per epoch). Right: accuracy ` +
      `on ${scoredText(images)} and on the validation set after each epoch ` +
      "(0 = before training).",
    findings: `After ${record.config.numEpochs} epochs: training accuracy ` +
      `${formatCell(finalTrainAcc, "percent")}, validation accuracy ` +
      `${formatCell(finalValAcc, "percent")}.`,
    notes: [...loss.notes ?? [], ...accuracy.notes ?? []],
    legend: accuracy.legend,
    panels: [loss.panels[0], accuracy.panels[1]],
    data: { loss: record.history.lossHistory, accuracy: accuracy.data },
  });
}

/** A run's training-set size; null = the whole training split. */
function numTrainOf(record: RunRecord): number | null {
  return (record.config.data as DataSpec).numTrain;
}

/** A training-set size in words: "200 training images", or the whole training set. */
function imagesText(numTrain: number | null): string {
  return numTrain === null ? "the whole training set" : plural(numTrain, "training image");
}

/** Which training images the per-epoch accuracy is measured on, for a training set's size. */
function scoredText(numTrain: number | null): string {
  if (numTrain !== null && numTrain <= SOLVER_TRAIN_SAMPLE) {
    return `the ${plural(numTrain, "training image")}`;
  }
  return `a sample of ${SOLVER_TRAIN_SAMPLE.toLocaleString("en-US")} training images`;
}

/** A config value of a record, as text. */
function configText(record: RunRecord, key: string): string {
  return String((record.config.modelOptions as Record<string, unknown>)[key]);
}
