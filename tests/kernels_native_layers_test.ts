/**
 * The kernels nnlab's layers call directly on the native backend (batch and layer
 * normalization, GELU, relu's and tanh's gradients; lib/kernels/native/norm_kernels.ts,
 * activation_kernels.ts) against the layers' tf-op versions on the cpu backend, values
 * and gradients, through the layer functions themselves; and the batchnorm kernels
 * against the float64 JavaScript reference of lib/kernels/batchnorm.ts. Bounds: 1e-5 of
 * the largest |value| (statistics summed in float32 in another order).
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { batchnormBackwardRows, batchnormForwardRows } from "../lib/kernels/wasm/batchnorm.ts";
import {
  fusedKernelsActive,
  GELU_GRAD_KERNEL,
  GELU_KERNEL,
  LAYERNORM_GRAD_KERNEL,
  LAYERNORM_KERNEL,
  RELU_GRAD_KERNEL,
  TANH_GRAD_KERNEL,
} from "../lib/kernels/native/fused_kernel_names.ts";
import { gelu, relu, tanh } from "../lib/layers/activations.ts";
import { batchnorm, spatialBatchnorm } from "../lib/layers/batchnorm.ts";
import { layernorm } from "../lib/layers/layernorm.ts";
import { softmaxLoss } from "../lib/layers/losses.ts";
import {
  assertClose,
  assertGradientsMatchCpu,
  assertOutputsMatchCpu,
  nativeSkip,
  outputsOn,
  randomInput,
  seededRandom,
  useNativeAndCpu,
} from "./kernels_native_helpers.ts";

if (!nativeSkip) await useNativeAndCpu();

const random = seededRandom(21);
const ignore = nativeSkip !== undefined;

Deno.test({
  name: "the layer kernels are registered on native only",
  ignore,
  async fn() {
    const names = [
      RELU_GRAD_KERNEL,
      TANH_GRAD_KERNEL,
      GELU_KERNEL,
      GELU_GRAD_KERNEL,
      LAYERNORM_KERNEL,
      LAYERNORM_GRAD_KERNEL,
    ];
    const previous = tf.getBackend();
    await tf.setBackend("native");
    assert.ok(fusedKernelsActive(...names));
    await tf.setBackend("cpu");
    assert.ok(!fusedKernelsActive(RELU_GRAD_KERNEL));
    await tf.setBackend(previous);
  },
});

/** A training-mode batchnorm with fresh running statistics (the layer updates them). */
function bn(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor {
  const C = gamma.shape[0];
  const runningMean = tf.variable(tf.zeros([C]), false);
  const runningVar = tf.variable(tf.ones([C]), false);
  try {
    const options = { training: true, runningMean, runningVar };
    return x.rank === 2
      ? batchnorm(x, gamma, beta, options)
      : spatialBatchnorm(x, gamma, beta, options);
  } finally {
    runningMean.dispose();
    runningVar.dispose();
  }
}

for (const shape of [[64, 10], [4, 9, 9, 8], [8, 14, 14, 16], [3, 5, 7, 3]]) {
  const C = shape.at(-1)!;
  Deno.test({
    name: `batchnorm x=[${shape}] on native (oneDNN) matches cpu (tf ops), values and gradients`,
    ignore,
    async fn() {
      const x = randomInput(random, shape);
      x.values.forEach((v, i) => (x.values[i] = 3 * v + 1));
      const inputs = [x, randomInput(random, [C]), randomInput(random, [C])];
      await assertOutputsMatchCpu("batchnorm", bn, inputs);
      await assertGradientsMatchCpu("batchnorm", bn, inputs, 2e-5);
    },
  });
}

Deno.test({
  name:
    "the batchnorm kernels match the float64 reference (mean, biased variance, dx, dgamma, dbeta)",
  ignore,
  async fn() {
    const [rows, cols] = [300, 7];
    const x = randomInput(random, [rows, cols]);
    const gamma = randomInput(random, [cols]);
    const beta = randomInput(random, [cols]);
    const dy = randomInput(random, [rows, cols]);
    const [y, mean, variance, dx, dgamma, dbeta] = await outputsOn("native", (xt, g, b, d) => {
      const fwd = tf.engine().runKernel("NnlabBatchnormTrain", { x: xt, gamma: g, beta: b }, {
        eps: 1e-5,
      }) as tf.Tensor[];
      const bwd = tf.engine().runKernel("NnlabBatchnormTrainGrad", {
        dy: d,
        x: xt,
        mean: fwd[1],
        variance: fwd[2],
        gamma: g,
      }, { eps: 1e-5 }) as tf.Tensor[];
      return [...fwd, ...bwd];
    }, [x, gamma, beta, dy]);
    const ref = {
      y: new Float32Array(rows * cols),
      mean: new Float32Array(cols),
      variance: new Float32Array(cols),
      dx: new Float32Array(rows * cols),
      dgamma: new Float32Array(cols),
      dbeta: new Float32Array(cols),
    };
    batchnormForwardRows(
      x.values,
      rows,
      cols,
      gamma.values,
      beta.values,
      1e-5,
      ref.y,
      ref.mean,
      ref.variance,
    );
    batchnormBackwardRows(
      dy.values,
      x.values,
      rows,
      cols,
      ref.mean,
      ref.variance,
      gamma.values,
      1e-5,
      ref.dx,
      ref.dgamma,
      ref.dbeta,
    );
    assertClose("y", y, ref.y);
    assertClose("mean", mean, ref.mean, 1e-4);
    assertClose("variance", variance, ref.variance);
    assertClose("dx", dx, ref.dx);
    assertClose("dgamma", dgamma, ref.dgamma);
    assertClose("dbeta", dbeta, ref.dbeta);
  },
});

for (
  const [shape, normalized] of [[[6, 20], [20]], [[3, 8, 8, 16], [8, 8, 16]], [[2, 5, 6, 4], [4]]]
) {
  Deno.test({
    name: `layernorm x=[${shape}] over [${normalized}] on native (oneDNN) matches cpu`,
    ignore,
    async fn() {
      const x = randomInput(random, shape);
      x.values.forEach((v, i) => (x.values[i] = 2 * v - 0.5));
      const inputs = [x, randomInput(random, normalized), randomInput(random, normalized)];
      const f = (xt: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => layernorm(xt, g, b);
      await assertOutputsMatchCpu("layernorm", f, inputs);
      await assertGradientsMatchCpu("layernorm", f, inputs, 2e-5);
    },
  });
}

for (const [name, f] of [["relu", relu], ["tanh", tanh], ["gelu", gelu]] as const) {
  Deno.test({
    name: `${name} (layer) on native matches cpu, values and gradient`,
    ignore,
    async fn() {
      const x = randomInput(random, [4, 7, 7, 16]);
      x.values.forEach((v, i) => (x.values[i] = 4 * v));
      await assertOutputsMatchCpu(name, f, [x], 1e-6);
      await assertGradientsMatchCpu(name, f, [x], 1e-6);
    },
  });
}

Deno.test({
  name: "softmax cross-entropy (fused on native) matches cpu, loss and gradient",
  ignore,
  async fn() {
    const scores = randomInput(random, [64, 10]);
    scores.values.forEach((v, i) => (scores.values[i] = 30 * v)); // large: log-sum-exp needed
    const labels = Array.from({ length: 64 }, (_, i) => (i * 7) % 10);
    const f = (s: tf.Tensor) => softmaxLoss(s, tf.tensor1d(labels, "int32"));
    await assertOutputsMatchCpu("softmaxLoss", f, [scores], 1e-6);
    await assertGradientsMatchCpu("softmaxLoss", f, [scores], 1e-6);
  },
});

Deno.test({
  name: "the fused softmax loss rejects labels outside the classes, naming the label",
  ignore,
  async fn() {
    const previous = tf.getBackend();
    await tf.setBackend("native");
    try {
      assert.throws(
        () =>
          tf.engine().runKernel("NnlabSoftmaxLoss", {
            scores: tf.zeros([2, 3]),
            labels: tf.tensor1d([0, 3], "int32"),
          }),
        /NnlabSoftmaxLoss: label 3 outside \[0, 3\)/,
      );
    } finally {
      await tf.setBackend(previous);
    }
  },
});
