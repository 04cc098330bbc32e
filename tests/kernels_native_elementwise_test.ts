/**
 * The native backend's elementwise kernels against the cpu backend: unary (eltwise),
 * broadcasting binary ops in both operand orders, reductions over every axis pattern
 * (products with a ones vector, and oneDNN's reduction primitive), and Cast to float32.
 * Bounds: exact where oneDNN computes the same float32 operation (relu, add, multiply,
 * max, ...); 1e-6 of the largest |value| for its vectorised exp, tanh, logistic, pow and
 * for sums (float32 accumulation in another order); 1e-5 for log, whose vectorised
 * approximation is off by up to ~5e-6 relative (~90 ulp) near 0.5.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import {
  assertOutputsMatchCpu,
  type HostTensor,
  nativeSkip,
  outputsOn,
  randomInput,
  seededRandom,
  useNativeAndCpu,
} from "./kernels_native_helpers.ts";

if (!nativeSkip) await useNativeAndCpu();

const random = seededRandom(8);
const ignore = nativeSkip !== undefined;
/** Large enough for the oneDNN path (small tensors run the cpu kernels). */
const shape = [4, 9, 9, 5];
const positive = (h: HostTensor): HostTensor => ({
  shape: h.shape,
  values: h.values.map((v) => Math.abs(v) + 0.05),
});

const unary: [string, (x: tf.Tensor) => tf.Tensor, number, boolean][] = [
  ["relu", tf.relu, 0, false],
  // oneDNN multiplies by alpha in float32, the cpu kernel in float64: 1 ulp.
  ["leakyRelu", (x) => tf.leakyRelu(x, 0.1), 1e-7, false],
  ["relu6", (x) => tf.relu6(tf.mul(x, 8)), 0, false],
  ["tanh", tf.tanh, 1e-6, false],
  ["sigmoid", tf.sigmoid, 1e-6, false],
  ["exp", tf.exp, 1e-6, false],
  ["log", tf.log, 1e-5, true],
  ["sqrt", tf.sqrt, 1e-6, true],
  ["rsqrt", tf.rsqrt, 1e-6, true],
  ["reciprocal", tf.reciprocal, 1e-6, true],
  ["square", tf.square, 0, false],
  ["abs", tf.abs, 0, false],
  ["neg", tf.neg, 0, false],
];
for (const [name, f, bound, needsPositive] of unary) {
  Deno.test({
    name: `${name} on native matches cpu`,
    ignore,
    async fn() {
      const x = randomInput(random, shape);
      await assertOutputsMatchCpu(name, f, [needsPositive ? positive(x) : x], bound);
    },
  });
}

const binary: [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor, number][] = [
  ["add", tf.add, 0],
  ["sub", tf.sub, 0],
  ["mul", tf.mul, 0],
  ["div", tf.div, 1e-6],
  ["maximum", tf.maximum, 0],
  ["minimum", tf.minimum, 0],
  ["squaredDifference", tf.squaredDifference, 1e-6],
];
const shapes: [number[], number[]][] = [
  [shape, shape],
  [shape, [5]],
  [[5], shape],
  [shape, [9, 1, 5]],
  [[4, 1, 1, 5], shape],
  [shape, []],
  [[], shape],
  [[2, 1, 5], [2, 7, 1]],
];
for (const [name, f, bound] of binary) {
  Deno.test({
    name: `${name} on native matches cpu, broadcasting either operand`,
    ignore,
    async fn() {
      for (const [a, b] of shapes) {
        const inputs = [randomInput(random, a), positive(randomInput(random, b))];
        await assertOutputsMatchCpu(`${name} [${a}] [${b}]`, f, inputs, bound);
      }
    },
  });
}

const reductions: [string, (x: tf.Tensor, axes: number[], keep: boolean) => tf.Tensor][] = [
  ["sum", (x, axes, keep) => tf.sum(x, axes, keep)],
  ["mean", (x, axes, keep) => tf.mean(x, axes, keep)],
  ["max", (x, axes, keep) => tf.max(x, axes, keep)],
  ["min", (x, axes, keep) => tf.min(x, axes, keep)],
];
const axesCases = [[0, 1, 2], [3], [1, 2], [0], [0, 3], [0, 1, 2, 3], [1]];
for (const [name, f] of reductions) {
  Deno.test({
    name: `${name} over every axis pattern on native matches cpu`,
    ignore,
    async fn() {
      for (const axes of axesCases) {
        for (const keep of [false, true]) {
          const x = randomInput(random, shape);
          const bound = name === "max" || name === "min" ? 0 : 1e-6;
          await assertOutputsMatchCpu(
            `${name} axes ${axes} keep ${keep}`,
            (t) => f(t, axes, keep),
            [x],
            bound,
          );
        }
      }
    },
  });
}

Deno.test({
  name:
    "whole-tensor sum and mean on native match cpu, with and without a remainder past 128 columns",
  ignore,
  async fn() {
    // 1620 = 12 x 128 + 84; 3072 x 100 = 2400 x 128 (a gradient of fcnet); 257 = 2 x 128 + 1.
    for (const dims of [shape, [3072, 100], [257]]) {
      const x = randomInput(random, dims);
      for (const [name, f] of reductions.slice(0, 2)) {
        // Float32 sums of 300,000 values in another order: relative 1e-5 of their size.
        const bound = dims[0] === 3072 ? 1e-5 : 1e-6;
        await assertOutputsMatchCpu(`${name} of [${dims}]`, (t) => f(t, [], false), [x], bound);
      }
    }
  },
});

Deno.test({
  name: "a float32 cast of int32 or bool data is a Float32Array the kernels can read",
  ignore,
  async fn() {
    const f = () => {
      const ints = tf.range(0, 400, 1, "int32").reshape([20, 20]);
      const mask = tf.greater(tf.range(0, 400, 1, "float32"), 199).reshape([20, 20]);
      return [tf.add(tf.cast(ints, "float32"), 0.5), tf.mul(tf.cast(mask, "float32"), 3)];
    };
    const [native] = [await outputsOn("native", f, [])];
    const [cpu] = [await outputsOn("cpu", f, [])];
    assert.deepEqual(native, cpu);
    assert.equal(native[1][399], 3);
  },
});
