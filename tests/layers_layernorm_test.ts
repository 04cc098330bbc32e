import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { checkLayerGradients } from "../lib/layers/gradcheck_layer.ts";
import { LayerNorm, layernorm } from "../lib/layers/layernorm.ts";
import { useTestBackend } from "./helpers.ts";

await useTestBackend();

const EPS = 1e-5;

function data(shape: number[], seed: number, scale = 1, shift = 0): tf.Tensor {
  return tf.tidy(() => tf.add(tf.mul(tf.randomNormal(shape, 0, 1, "float32", seed), scale), shift));
}

/** Layer norm of each of the N rows of a row-major (N, K) array, in float64. */
function naiveLayernorm(
  values: ArrayLike<number>,
  N: number,
  gamma: ArrayLike<number>,
  beta: ArrayLike<number>,
): Float64Array {
  const K = values.length / N;
  const out = new Float64Array(values.length);
  for (let i = 0; i < N; i++) {
    let mean = 0, variance = 0;
    for (let k = 0; k < K; k++) mean += values[i * K + k] / K;
    for (let k = 0; k < K; k++) variance += (values[i * K + k] - mean) ** 2 / K;
    for (let k = 0; k < K; k++) {
      out[i * K + k] = gamma[k] * (values[i * K + k] - mean) / Math.sqrt(variance + EPS) + beta[k];
    }
  }
  return out;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

Deno.test("layernorm over features (N, D): per-example statistics, gamma and beta", () => {
  const x = data([4, 6], 1, 3, 2);
  const gamma = data([6], 2, 0.5, 1), beta = data([6], 3);
  const out = layernorm(x, gamma, beta);
  const expected = naiveLayernorm(x.dataSync(), 4, gamma.dataSync(), beta.dataSync());
  assert.ok(maxAbsDiff(out.dataSync(), expected) < 1e-5);
  // With gamma = 1, beta = 0 every example has mean 0 and standard deviation 1.
  const plain = layernorm(x, tf.ones([6]), tf.zeros([6]));
  const { mean, variance } = tf.moments(plain, 1);
  assert.ok(maxAbsDiff(mean.dataSync(), [0, 0, 0, 0]) < 1e-5);
  assert.ok(maxAbsDiff(variance.dataSync(), [1, 1, 1, 1]) < 1e-3);
});

Deno.test("layernorm over [H, W, C] per example (ConvNeXt's LayerNorm over [C, H, W])", () => {
  const [N, H, W, C] = [3, 2, 3, 4];
  const x = data([N, H, W, C], 4, 2, -1);
  const gamma = data([H, W, C], 5, 0.5, 1), beta = data([H, W, C], 6);
  const ln = new LayerNorm([H, W, C]);
  ln.params.gamma.assign(gamma);
  ln.params.beta.assign(beta);
  const out = ln.forward(x);
  assert.deepEqual(out.shape, [N, H, W, C]);
  const expected = naiveLayernorm(x.dataSync(), N, gamma.dataSync(), beta.dataSync());
  assert.ok(maxAbsDiff(out.dataSync(), expected) < 1e-5);
  // Each example is normalized by itself: the same output alone as in the batch.
  const first = tf.slice(x, [0, 0, 0, 0], [1, H, W, C]);
  const alone = ln.forward(first).dataSync();
  assert.ok(maxAbsDiff(alone, out.dataSync().slice(0, H * W * C)) < 1e-6);
  // gamma of shape [C] normalizes each pixel's channels instead.
  const perPixel = layernorm(x, tf.ones([C]), tf.zeros([C]));
  const pixels = naiveLayernorm(
    x.dataSync(),
    N * H * W,
    new Array(C).fill(1),
    new Array(C).fill(0),
  );
  assert.ok(maxAbsDiff(perPixel.dataSync(), pixels) < 1e-5);
});

Deno.test("layernorm: gradients of x, gamma and beta match numeric ones", () => {
  // Centred differences in float32, h = 1e-2: observed ~1e-5; 1e-4 bounds it with room.
  const cases: [string, number[], number[]][] = [["(N, D)", [3, 5], [5]], ["[H, W, C]", [
    2,
    2,
    2,
    3,
  ], [2, 2, 3]]];
  for (const [name, xShape, gShape] of cases) {
    const x = data(xShape, 7, 2, 1), gamma = data(gShape, 8, 0.5, 1), beta = data(gShape, 9);
    const checks = checkLayerGradients((x, g, b) => layernorm(x, g, b), [x, gamma, beta]);
    for (const [i, input] of ["dx", "dgamma", "dbeta"].entries()) {
      assert.ok(checks[i].normRelError < 1e-4, `${name} ${input}: ${checks[i].normRelError}`);
    }
  }
});

Deno.test("layernorm: bad input names the argument, the value and what is accepted", () => {
  const x = tf.zeros([2, 4, 4, 3]);
  assert.throws(
    () => layernorm(x, tf.ones([3, 4, 4]), tf.zeros([3, 4, 4])),
    /layernorm: gamma\.shape: got \[3, 4, 4\]; expected \[4, 4, 3\] \(x\.shape is \[2, 4, 4, 3\], normalized over its last 3 axes\)/,
  );
  assert.throws(
    () => layernorm(tf.zeros([4]), tf.ones([4]), tf.zeros([4])),
    /layernorm: gamma\.shape: got \[4\]; expected the trailing axes of x after its batch axis/,
  );
  assert.throws(
    () => layernorm(tf.zeros([2, 4]), tf.ones([4]), tf.zeros([3])),
    /layernorm: beta\.shape: got \[3\]; expected \[4\]/,
  );
  assert.throws(
    () => new LayerNorm([4, 0]),
    /LayerNorm: normalizedShape: got \[4, 0\]; expected a positive integer/,
  );
});

Deno.test("layernorm: closed-form backward equals autodiff of the same forward", () => {
  // Two leading axes (gamma's sums run over both), and the ConvNeXt [H, W, C] case.
  const cases: [number[], number[]][] = [[[2, 3, 4, 5], [4, 5]], [[3, 4, 4, 6], [4, 4, 6]]];
  for (const [xShape, gShape] of cases) {
    const x = data(xShape, 11, 3, 0.5), gamma = data(gShape, 12, 0.5, 1);
    const beta = data(gShape, 13), dout = data(xShape, 14);
    const autodiff = (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
      const axes = gShape.map((_, i) => xShape.length - gShape.length + i);
      const { mean, variance } = tf.moments(x, axes, true);
      return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, EPS))), g), b);
    };
    const closed = tf.grads((x, g, b) => tf.mul(layernorm(x, g, b), dout))([x, gamma, beta]);
    const taped = tf.grads((x, g, b) => tf.mul(autodiff(x, g, b), dout))([x, gamma, beta]);
    for (const [i, name] of ["dx", "dgamma", "dbeta"].entries()) {
      assert.deepEqual(closed[i].shape, taped[i].shape);
      // Same float32 math in another order: ~1e-6 of values of order 1-10.
      const diff = maxAbsDiff(closed[i].dataSync(), taped[i].dataSync());
      assert.ok(diff < 1e-4, `[${xShape}] ${name}: max |closed - autodiff| = ${diff}`);
    }
  }
});
