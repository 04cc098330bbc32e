import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { ResidualBlock } from "../lib/blocks/residual.ts";
import { ReLU, Tanh } from "../lib/layers/activations.ts";
import { Affine } from "../lib/layers/affine.ts";
import { SpatialBatchNorm } from "../lib/layers/batchnorm.ts";
import { Conv2d } from "../lib/layers/conv.ts";
import { Flatten } from "../lib/layers/flatten.ts";
import { checkModelGradients } from "../lib/models/gradcheck_model.ts";
import { Sequential } from "../lib/models/sequential.ts";
import { useTestBackend } from "./helpers.ts";

await useTestBackend();

/**
 * conv - bn - relu - residual block - flatten - affine on 4x4x2 images, 3 classes.
 * conv1 has unit-variance weights: batchnorm divides by the spread of its outputs, so a
 * step h in a small weight moves the normalized values by about h / (|W| sqrt(fanIn)),
 * and with PyTorch's small init that is enough to push many of them across the relu's
 * kink (measured normRelError 1e-2 on conv1.W, shrinking with h, rather than 1e-4).
 */
function smallNet(reg = 0, seed = 0) {
  return new Sequential([
    [
      "conv1",
      new Conv2d({ inChannels: 2, outChannels: 3, kernelSize: 3, pad: 1, weightScale: 1, seed }),
    ],
    ["bn1", new SpatialBatchNorm(3)],
    ["relu1", new ReLU()],
    ["block1", new ResidualBlock({ channels: 3, seed: seed + 1 })],
    ["flatten", new Flatten()],
    ["fc", new Affine({ inputDim: 4 * 4 * 3, outputDim: 3, seed: seed + 2 })],
  ], { reg });
}

function batch(seed: number) {
  return {
    X: tf.randomNormal([4, 4, 4, 2], 0, 1, "float32", seed),
    y: tf.tensor1d([0, 1, 2, 1], "int32"),
  };
}

Deno.test("Sequential keys parameters and state <layer>.<param>, PyTorch style", () => {
  const model = smallNet();
  assert.deepEqual(Object.keys(model.params), [
    "conv1.W",
    "conv1.b",
    "bn1.gamma",
    "bn1.beta",
    "block1.conv.W",
    "block1.conv.b",
    "fc.W",
    "fc.b",
  ]);
  assert.deepEqual(Object.keys(model.state), ["bn1.runningMean", "bn1.runningVar"]);
  assert.deepEqual(model.weightNames, ["conv1.W", "block1.conv.W", "fc.W"]);
  assert.deepEqual(model.layers.map(([name]) => name), [
    "conv1",
    "bn1",
    "relu1",
    "block1",
    "flatten",
    "fc",
  ]);
  model.dispose();
});

// A relu net with batchnorm: h = 1e-3 (kinks), loss summed in float64 (lib/models/
// gradcheck_model.ts); measured normRelError up to about 3e-4, we accept 2e-3.
for (const reg of [0, 0.7]) {
  Deno.test(`Sequential gradients match numeric, reg ${reg}`, () => {
    const model = smallNet(reg, 4);
    const { X, y } = batch(1);
    const checks = checkModelGradients(model, X, y);
    assert.equal(Object.keys(checks).length, 8);
    for (const [name, { normRelError, largest }] of Object.entries(checks)) {
      if (name === "conv1.b") {
        // conv1's bias feeds batchnorm, which subtracts it again: its gradient is 0.
        assert.ok(largest < 1e-4, `conv1.b gradient should be 0; got ${largest}`);
        continue;
      }
      assert.ok(normRelError < 2e-3, `reg ${reg}: ${name} normRelError ${normRelError}`);
    }
    tf.dispose([X, y]);
    model.dispose();
  });
}

Deno.test("reg adds 0.5 * reg * sum(W^2) over the W of every layer, not biases or gammas", () => {
  const plain = smallNet(0, 5);
  const regularized = smallNet(2, 5);
  const { X, y } = batch(2);
  const sumSquares = ["conv1.W", "block1.conv.W", "fc.W"].reduce(
    (total, name) => total + tf.tidy(() => tf.sum(tf.square(plain.params[name])).dataSync()[0]),
    0,
  );
  const base = tf.tidy(() => plain.objective(X, y).dataSync()[0]);
  const withReg = tf.tidy(() => regularized.objective(X, y).dataSync()[0]);
  assert.ok(Math.abs(withReg - base - sumSquares) < 1e-4 * (1 + sumSquares));
  tf.dispose([X, y]);
  plain.dispose();
  regularized.dispose();
});

Deno.test("loss(X) gives test-mode scores; batchnorm running statistics move only in training", () => {
  const model = smallNet(0, 6);
  const { X, y } = batch(3);
  const before = Array.from(model.state["bn1.runningMean"].dataSync());
  const scores = model.loss(X);
  assert.deepEqual(scores.shape, [4, 3]);
  assert.deepEqual(Array.from(model.state["bn1.runningMean"].dataSync()), before);
  const { loss, grads } = model.loss(X, y);
  assert.notDeepEqual(Array.from(model.state["bn1.runningMean"].dataSync()), before);
  // Test mode uses the running statistics, so its scores differ from training mode's.
  const training = model.scores(X, { training: true });
  assert.ok(tf.tidy(() => tf.max(tf.abs(tf.sub(training, scores))).dataSync()[0]) > 1e-3);
  tf.dispose([X, y, scores, training, loss, ...Object.values(grads)]);
  model.dispose();
});

Deno.test("a loss step leaves no tensors behind; dispose() frees parameters and state", () => {
  const { X, y } = batch(4);
  const model = smallNet(0.1, 7);
  const before = tf.memory().numTensors;
  const { loss, grads } = model.loss(X, y);
  tf.dispose([loss, ...Object.values(grads)]);
  tf.dispose(model.loss(X));
  assert.equal(tf.memory().numTensors, before);
  model.dispose();
  for (const variable of [...Object.values(model.params), ...Object.values(model.state)]) {
    assert.ok(variable.isDisposed, variable.name);
  }
  tf.dispose([X, y]);
});

Deno.test("Sequential rejects bad layer lists and outputs that are not scores", () => {
  const relu = new ReLU();
  assert.throws(() => new Sequential([]), /Sequential: layers: got \[\]; expected a non-empty/);
  assert.throws(
    () => new Sequential([["act", relu], ["act", new Tanh()]]),
    /Sequential: layer name: got "act"; expected a name not used by another layer/,
  );
  assert.throws(
    () => new Sequential([["a.b", relu]]),
    /Sequential: layer name: got "a.b"; expected a non-empty name without dots/,
  );
  assert.throws(
    () => new Sequential([["act", relu]], { paramNames: { "fc.W": "W1" } }),
    /Sequential: paramNames: got "fc.W"; expected a parameter key of the layers/,
  );
  const model = new Sequential([["act", relu]]);
  const x = tf.zeros([2, 3, 3, 1]);
  assert.throws(() => model.loss(x), /Sequential: output shape: got \[2, 3, 3, 1\]/);
  x.dispose();
});
