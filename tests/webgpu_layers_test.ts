/**
 * Every layer of lib/layers on webgpu against cpu: the forward value and the gradient of
 * every input, from the same seeded data, within LAYER_TOLERANCE (webgpu_helpers.ts says
 * why that bound). Batchnorm's closed-form backward (tf.customGrad) is compared as
 * written, along with its running statistics.
 */
import * as tf from "@tensorflow/tfjs";
import { gelu, leakyRelu, relu, tanh } from "../lib/layers/activations.ts";
import { affine } from "../lib/layers/affine.ts";
import {
  batchnorm,
  batchnormAutodiff,
  type BatchnormOptions,
  spatialBatchnorm,
} from "../lib/layers/batchnorm.ts";
import { conv2d } from "../lib/layers/conv.ts";
import { dropout } from "../lib/layers/dropout.ts";
import { layernorm } from "../lib/layers/layernorm.ts";
import { softmaxLoss, svmLoss } from "../lib/layers/losses.ts";
import { avgPool, globalAvgPool, maxPool } from "../lib/layers/pool.ts";
import {
  assertAllClose,
  assertMatchesCpu,
  randomInput,
  readOn,
  seededRandom,
  webgpuSuite,
} from "./webgpu_helpers.ts";

type Case = [label: string, f: (...inputs: tf.Tensor[]) => tf.Tensor, shapes: number[][]];

const t4 = (x: tf.Tensor) => x as tf.Tensor4D;

const cases: Case[] = [
  ["affine (N, 3, 5) x (15, 6)", affine, [[4, 3, 5], [15, 6], [6]]],
  ["conv2d 3x3 pad 1", (x, w, b) => conv2d(x, w, b, { pad: 1 }), [[2, 7, 7, 3], [3, 3, 3, 4], [
    4,
  ]]],
  [
    "conv2d 3x3 stride 2 same",
    (x, w, b) => conv2d(x, w, b, { stride: 2, pad: "same" }),
    [[2, 9, 8, 3], [3, 3, 3, 5], [5]],
  ],
  [
    "conv2d 2x2 stride 2 (downsampler)",
    (x, w, b) => conv2d(x, w, b, { stride: 2 }),
    [[2, 8, 8, 4], [2, 2, 4, 8], [8]],
  ],
  ["conv2d 1x1", (x, w, b) => conv2d(x, w, b), [[2, 5, 5, 8], [1, 1, 8, 12], [12]]],
  [
    "conv2d groups 2",
    (x, w, b) => conv2d(x, w, b, { pad: 1, groups: 2 }),
    [[2, 6, 6, 4], [3, 3, 2, 6], [6]],
  ],
  [
    "conv2d depthwise 7x7 same",
    (x, w, b) => conv2d(x, w, b, { pad: "same", groups: 4 }),
    [[2, 8, 8, 4], [7, 7, 1, 4], [4]],
  ],
  [
    "conv2d depthwise x2 pad 1 stride 2",
    (x, w, b) => conv2d(x, w, b, { pad: 1, stride: 2, groups: 3 }),
    [[2, 7, 7, 3], [3, 3, 1, 6], [6]],
  ],
  [
    "fused conv2d bias + relu",
    (x, w, b) =>
      tf.fused.conv2d({
        x: t4(x),
        filter: t4(w),
        bias: b,
        strides: 1,
        pad: "same",
        activation: "relu",
      }),
    [[2, 6, 6, 3], [3, 3, 3, 4], [4]],
  ],
  [
    "fused depthwise conv2d bias + relu",
    (x, w, b) =>
      tf.fused.depthwiseConv2d({
        x: t4(x),
        filter: t4(w),
        bias: b,
        strides: 1,
        pad: "same",
        activation: "relu",
      }),
    [[2, 6, 6, 3], [3, 3, 3, 1], [3]],
  ],
  ["maxPool 2", (x) => maxPool(x), [[2, 8, 8, 3]]],
  ["maxPool 3 stride 2 pad 1", (x) => maxPool(x, { size: 3, stride: 2, pad: 1 }), [[2, 9, 9, 2]]],
  ["avgPool 2", (x) => avgPool(x), [[2, 8, 8, 3]]],
  ["avgPool 3 stride 2 pad 1", (x) => avgPool(x, { size: 3, stride: 2, pad: 1 }), [[2, 9, 9, 2]]],
  ["avgPool 2 same", (x) => avgPool(x, { pad: "same" }), [[2, 7, 7, 2]]],
  ["globalAvgPool", globalAvgPool, [[3, 5, 5, 4]]],
  ["layernorm (N, D)", (x, g, b) => layernorm(x, g, b), [[5, 6], [6], [6]]],
  ["layernorm (N, H, W, C)", (x, g, b) => layernorm(x, g, b), [[2, 4, 4, 3], [4, 4, 3], [
    4,
    4,
    3,
  ]]],
  ["relu", relu, [[4, 7]]],
  ["leakyRelu 0.1", (x) => leakyRelu(x, 0.1), [[4, 7]]],
  ["tanh", tanh, [[4, 7]]],
  ["gelu (closed-form backward)", gelu, [[4, 7]]],
  [
    "dropout keep 0.6, seed 3",
    (x) => dropout(x, { keepProb: 0.6, training: true, seed: 3 }),
    [[6, 10]],
  ],
];

/** Batchnorm in training mode: output, gradients, and the running statistics after. */
function batchnormCase(
  normalize: (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, o: BatchnormOptions) => tf.Tensor,
  shape: number[],
  training: boolean,
  seed: number,
) {
  const C = shape[shape.length - 1];
  const random = seededRandom(seed);
  const x = randomInput(random, shape, 3);
  const gamma = randomInput(random, [C]);
  const beta = randomInput(random, [C]);
  const mean = randomInput(random, [C]);
  const dout = randomInput(random, shape);
  return () => {
    const runningMean = tf.variable(tf.tensor(mean.values), false);
    const runningVar = tf.variable(tf.add(tf.abs(tf.tensor(mean.values)), 0.5), false);
    const inputs = [x, gamma, beta].map((h) => tf.tensor(h.values, h.shape));
    const options = { training, runningMean, runningVar };
    const { value, grads } = tf.valueAndGrads((xs: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(normalize(xs, g, b, options), tf.tensor(dout.values, shape)))
    )(inputs);
    const out = normalize(inputs[0], inputs[1], inputs[2], { ...options, training: false });
    const result = {
      objective: value,
      dx: grads[0],
      dgamma: grads[1],
      dbeta: grads[2],
      testOut: out,
      runningMean: tf.clone(runningMean),
      runningVar: tf.clone(runningVar),
    };
    tf.dispose([runningMean, runningVar]);
    return result;
  };
}

const spatial = (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, o: BatchnormOptions) =>
  spatialBatchnorm(x, g, b, o);
const spatialAutodiff = (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, o: BatchnormOptions) =>
  spatialBatchnorm(x, g, b, { ...o, backward: "autodiff" });

webgpuSuite("webgpu layers", () => {
  for (const [i, [label, f, shapes]] of cases.entries()) {
    Deno.test(`webgpu ${label}: value and input gradients match cpu`, async () => {
      await assertMatchesCpu(label, f, shapes, 100 + 13 * i);
    });
  }

  const batchnorms = [
    ["batchnorm closed form (N, D)", batchnorm, [16, 5]],
    ["batchnorm autodiff (N, D)", batchnormAutodiff, [16, 5]],
    ["spatial batchnorm closed form", spatial, [4, 5, 5, 3]],
    ["spatial batchnorm autodiff", spatialAutodiff, [4, 5, 5, 3]],
  ] as const;
  for (const [i, [label, normalize, shape]] of batchnorms.entries()) {
    Deno.test(
      `webgpu ${label}: training output, gradients, running statistics and test mode match cpu`,
      async () => {
        const compute = batchnormCase(normalize, [...shape], true, 40 + i);
        assertAllClose(label, await readOn("webgpu", compute), await readOn("cpu", compute));
      },
    );
  }

  Deno.test("webgpu batchnorm in test mode: output and gradients match cpu", async () => {
    const compute = batchnormCase(batchnorm, [8, 4], false, 50);
    assertAllClose("batchnorm test", await readOn("webgpu", compute), await readOn("cpu", compute));
  });

  for (const [name, loss] of [["softmaxLoss", softmaxLoss], ["svmLoss", svmLoss]] as const) {
    Deno.test(`webgpu ${name}: loss and score gradients match cpu`, async () => {
      const scores = randomInput(seededRandom(name.length), [6, 10], 3);
      const labels = Int32Array.from([0, 3, 9, 3, 5, 1]);
      const compute = () => {
        const y = tf.tensor1d(labels, "int32");
        const { value, grads } = tf.valueAndGrads((s: tf.Tensor) => loss(s, y))([
          tf.tensor(scores.values, scores.shape),
        ]);
        return { loss: value, dscores: grads[0] };
      };
      assertAllClose(name, await readOn("webgpu", compute), await readOn("cpu", compute));
    });
  }
});
