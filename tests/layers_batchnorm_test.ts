import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import {
  BatchNorm,
  batchnorm,
  batchnormAutodiff,
  type BatchnormOptions,
  SpatialBatchNorm,
  spatialBatchnorm,
} from "../lib/layers/batchnorm.ts";
import { checkLayerGradients } from "../lib/layers/gradcheck_layer.ts";
import { LayerNorm } from "../lib/layers/layernorm.ts";
import { normRelError } from "../lib/gradcheck.ts";
import { useTestBackend } from "./helpers.ts";

await useTestBackend();

const EPS = 1e-5;
const MOMENTUM = 0.9;

/** Deterministic test data: x = scale * N(0, 1) + shift, as a float64 copy and a tensor. */
function data(shape: number[], seed: number, scale = 1, shift = 0): tf.Tensor {
  return tf.tidy(() => tf.add(tf.mul(tf.randomNormal(shape, 0, 1, "float32", seed), scale), shift));
}

function runningStats(D: number): BatchnormOptions {
  return {
    runningMean: tf.variable(tf.zeros([D]), false),
    runningVar: tf.variable(tf.ones([D]), false),
  };
}

/** Batch mean and biased variance of each column of a row-major (N, D) array, in float64. */
function columnStats(values: ArrayLike<number>, N: number, D: number) {
  const mean = new Float64Array(D);
  const variance = new Float64Array(D);
  for (let i = 0; i < N; i++) for (let j = 0; j < D; j++) mean[j] += values[i * D + j] / N;
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < D; j++) variance[j] += (values[i * D + j] - mean[j]) ** 2 / N;
  }
  return { mean, variance };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

for (
  const [name, normalize] of [["batchnorm", batchnorm], [
    "batchnormAutodiff",
    batchnormAutodiff,
  ]] as const
) {
  Deno.test(`${name}: training output and running statistics match a float64 computation`, () => {
    const [N, D] = [6, 4];
    const gamma = tf.tensor1d([1, 2, 0.5, -1]);
    const beta = tf.tensor1d([0, -1, 3, 0.25]);
    const options = runningStats(D);
    let runningMean = new Float64Array(D);
    let runningVar = new Float64Array(D).fill(1);
    for (let step = 0; step < 2; step++) {
      const x = data([N, D], 10 + step, 3, 5);
      const values = x.dataSync();
      const out = normalize(x, gamma, beta, { ...options, training: true });
      const { mean, variance } = columnStats(values, N, D);
      const expected = new Float64Array(N * D);
      const g = gamma.dataSync(), b = beta.dataSync();
      for (let i = 0; i < N; i++) {
        for (let j = 0; j < D; j++) {
          expected[i * D + j] =
            g[j] * (values[i * D + j] - mean[j]) / Math.sqrt(variance[j] + EPS) +
            b[j];
        }
      }
      assert.ok(maxAbsDiff(out.dataSync(), expected) < 1e-4, `step ${step} output`);
      runningMean = runningMean.map((r, j) => MOMENTUM * r + (1 - MOMENTUM) * mean[j]);
      runningVar = runningVar.map((r, j) => MOMENTUM * r + (1 - MOMENTUM) * variance[j]);
      assert.ok(maxAbsDiff(options.runningMean.dataSync(), runningMean) < 1e-5, "running mean");
      assert.ok(maxAbsDiff(options.runningVar.dataSync(), runningVar) < 1e-4, "running var");
      tf.dispose([x, out]);
    }
    // Test mode: normalized with the running statistics, which it leaves alone.
    const x = data([3, D], 20, 3, 5);
    const out = normalize(x, gamma, beta, { ...options, training: false });
    const values = x.dataSync(), g = gamma.dataSync(), b = beta.dataSync();
    const expected = Array.from(values, (v, k) => {
      const j = k % D;
      return g[j] * (v - runningMean[j]) / Math.sqrt(runningVar[j] + EPS) + b[j];
    });
    assert.ok(maxAbsDiff(out.dataSync(), expected) < 1e-4, "test-mode output");
    assert.ok(maxAbsDiff(options.runningMean.dataSync(), runningMean) < 1e-5, "unchanged");
    tf.dispose([x, out, gamma, beta, options.runningMean, options.runningVar]);
  });
}

Deno.test("batchnorm: closed-form backward agrees with autodiff and with numeric gradients", () => {
  const [N, D] = [5, 4];
  const x = data([N, D], 1, 2, 1);
  const gamma = data([D], 2, 0.5, 1);
  const beta = data([D], 3);
  const options = runningStats(D);
  const closed = checkLayerGradients(
    (x, gamma, beta) => batchnorm(x, gamma, beta, { ...options, training: true }),
    [x, gamma, beta],
  );
  const autodiff = checkLayerGradients(
    (x, gamma, beta) => batchnormAutodiff(x, gamma, beta, { ...options, training: true }),
    [x, gamma, beta],
  );
  for (const [i, input] of ["dx", "dgamma", "dbeta"].entries()) {
    // Same float32 math in a different order: agreement to float32 round-off.
    const between = normRelError(closed[i].analytic, autodiff[i].analytic);
    assert.ok(between < 1e-5, `${input}: closed form vs autodiff ${between}`);
    // Centred differences in float32 with h = 1e-2 (lib/gradcheck.ts) land near 2e-5
    // here; 1e-4 leaves room for round-off yet fails a wrong term (those give 1e-1 or more).
    assert.ok(
      closed[i].normRelError < 1e-3,
      `${input}: closed form vs numeric ${closed[i].normRelError}`,
    );
    assert.ok(
      autodiff[i].normRelError < 1e-3,
      `${input}: autodiff vs numeric ${autodiff[i].normRelError}`,
    );
  }
  // dx sums to zero over the batch for every feature (the mean is subtracted).
  const dx = closed[0].analytic;
  for (let j = 0; j < D; j++) {
    let sum = 0;
    for (let i = 0; i < N; i++) sum += dx[i * D + j];
    assert.ok(Math.abs(sum) < 1e-4, `sum of dx over the batch, feature ${j}: ${sum}`);
  }
  tf.dispose([x, gamma, beta, options.runningMean, options.runningVar]);
});

Deno.test("batchnorm: gradients of a module's parameters, and running stats updated once per step", () => {
  const bn = new BatchNorm(3);
  const x = data([4, 3], 4, 2, -1);
  const dout = data([4, 3], 5);
  const { grads, value } = tf.variableGrads(
    () => tf.sum(tf.mul(bn.forward(x, { training: true }), dout)) as tf.Scalar,
  );
  // Only the trainable parameters get gradients; running statistics are state.
  assert.deepEqual(
    Object.keys(grads).sort(),
    [bn.params.beta.name, bn.params.gamma.name].sort(),
  );
  const { mean } = columnStats(x.dataSync(), 4, 3);
  assert.ok(maxAbsDiff(bn.state.runningMean.dataSync(), mean.map((m) => 0.1 * m)) < 1e-5);
  // dbeta = sum(dout), dgamma = sum(dout * xhat) over the batch.
  const d = dout.dataSync();
  const expectedDbeta = [0, 1, 2].map((j) => d[j] + d[3 + j] + d[6 + j] + d[9 + j]);
  assert.ok(maxAbsDiff(grads[bn.params.beta.name].dataSync(), expectedDbeta) < 1e-5);
  tf.dispose([x, dout, value, ...Object.values(grads)]);
});

Deno.test("spatialBatchnorm: statistics per channel over N, H, W; gradients check", () => {
  const [N, H, W, C] = [2, 3, 3, 2];
  const x = data([N, H, W, C], 6, 2, 3);
  const gamma = tf.tensor1d([1.5, 0.5]);
  const beta = tf.tensor1d([-1, 2]);
  const options = runningStats(C);
  const out = spatialBatchnorm(x, gamma, beta, { ...options, training: true });
  assert.deepEqual(out.shape, [N, H, W, C]);
  const { mean, variance } = tf.moments(out, [0, 1, 2]);
  assert.ok(maxAbsDiff(mean.dataSync(), [-1, 2]) < 1e-4);
  assert.ok(maxAbsDiff(tf.sqrt(variance).dataSync(), [1.5, 0.5]) < 1e-3);
  const stats = columnStats(x.dataSync(), N * H * W, C);
  assert.ok(maxAbsDiff(options.runningMean.dataSync(), stats.mean.map((m) => 0.1 * m)) < 1e-5);
  for (const backward of ["closedForm", "autodiff"] as const) {
    const checks = checkLayerGradients(
      (x, gamma, beta) =>
        spatialBatchnorm(x, gamma, beta, { ...options, training: true, backward }),
      [x, gamma, beta],
    );
    for (const [i, input] of ["dx", "dgamma", "dbeta"].entries()) {
      assert.ok(checks[i].normRelError < 1e-3, `${backward} ${input}: ${checks[i].normRelError}`);
    }
  }
  tf.dispose([x, gamma, beta, out, mean, variance, options.runningMean, options.runningVar]);
});

Deno.test("SpatialBatchNorm module: test mode uses running statistics; no tensors leak", () => {
  const bn = new SpatialBatchNorm(2, { backward: "closedForm" });
  const x = data([2, 2, 2, 2], 7, 2, 3);
  const before = tf.memory().numTensors;
  tf.tidy(() => {
    const { grads, value } = tf.variableGrads(
      () => tf.sum(tf.square(bn.forward(x, { training: true }))) as tf.Scalar,
    );
    tf.dispose([grads[bn.params.gamma.name], grads[bn.params.beta.name], value]);
  });
  assert.equal(tf.memory().numTensors, before);
  // A fresh module's running statistics are mean 0, variance 1: test mode is ~identity.
  const fresh = new SpatialBatchNorm(2);
  const out = fresh.forward(x);
  assert.ok(
    maxAbsDiff(out.dataSync(), Array.from(x.dataSync(), (v) => v / Math.sqrt(1 + EPS))) < 1e-5,
  );
  tf.dispose([x, out]);
});

Deno.test("batchnorm: bad input names the argument, the value and what is accepted", () => {
  const x = tf.zeros([4, 3]);
  const options = runningStats(3);
  assert.throws(
    () => batchnorm(x, tf.ones([4]), tf.zeros([3]), options),
    /batchnorm: gamma\.shape: got \[4\]; expected \[3\] \(one per feature; x\.shape is \[4, 3\]\)/,
  );
  assert.throws(
    () => batchnorm(tf.zeros([4, 3, 2]), tf.ones([3]), tf.zeros([3]), options),
    /batchnorm: x\.shape: got \[4, 3, 2\]; expected rank 2/,
  );
  assert.throws(
    () => batchnorm(x, tf.ones([3]), tf.zeros([3]), { ...options, momentum: 1.5 }),
    /batchnorm: momentum: got 1.5; expected a number in \[0, 1\]/,
  );
  assert.throws(
    () =>
      batchnorm(x, tf.ones([3]), tf.zeros([3]), {
        ...options,
        runningVar: tf.ones([3]) as tf.Variable,
      }),
    /batchnorm: runningVar: got .*; expected a tf.Variable of shape \[3\]/,
  );
  assert.throws(
    () =>
      spatialBatchnorm(tf.zeros([2, 2, 2, 3]), tf.ones([3]), tf.zeros([3]), {
        ...options,
        backward: "fast" as "autodiff",
      }),
    /spatialBatchnorm: backward: got "fast"; expected one of "closedForm", "autodiff"/,
  );
  assert.throws(() => new BatchNorm(0), /BatchNorm: dim: got 0; expected an integer in \[1, inf\)/);
});

Deno.test("BatchNorm and LayerNorm hold only their variables: no initial tensor is left behind", () => {
  const before = tf.memory().numTensors;
  const bn = new BatchNorm(8);
  assert.equal(tf.memory().numTensors - before, 4, "gamma, beta, runningMean, runningVar");
  const ln = new LayerNorm([2, 2, 3]);
  assert.equal(tf.memory().numTensors - before, 6, "plus layernorm's gamma and beta");
  tf.dispose([
    ...Object.values(bn.params),
    ...Object.values(bn.state),
    ...Object.values(ln.params),
  ]);
  assert.equal(tf.memory().numTensors, before);
});
