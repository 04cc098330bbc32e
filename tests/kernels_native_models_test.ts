/**
 * Every model of the studies, trained on the native backend: each parameter's gradient
 * (autodiff through the oneDNN kernels, the layer kernels and early release) against
 * centred differences of the loss in float64 (lib/models/gradcheck_model.ts), on inputs
 * large enough that the elementwise ops take the oneDNN path too (> 256 values). Each
 * parameter is checked on 8 random entries (cs231n's grad_check_sparse). Tolerances as
 * in tests/models_mnist_nets_test.ts: 2e-3, re-checked at h = 1e-4 when a perturbation
 * straddles a relu or max-pool kink; 3e-2 for the plain deep net, whose first layers'
 * gradients are at float32 round-off (that file explains both). The residual nets at
 * these sizes have parameters whose gradients are ~1e-2 and reach 3-7e-3 on the cpu
 * backend as on native (measured: cpu 5.1e-3, native 6.5e-3 for block1_1.bn.gamma): 1e-2.
 * ConvNeXt is smooth (GELU, no kinks), so h = 1e-2; its elementwise LayerNorm parameters
 * have gradients ~5e-4 (2.2e-3 cpu, 2.4e-3 native): 1e-2. A wrong gradient is off by O(1).
 * The fully connected nets (relu after batch or layer norm, 6 examples) straddle kinks
 * too: at h = 1e-4 the cpu backend reaches 1.7e-3, native 2.1e-3: 5e-3.
 * Biases that feed a batchnorm have gradient 0 and are checked to be ~0.
 *
 * Then 100 training steps leak nothing: tensors, backend data, primitives.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { checkModelGradients } from "../lib/models/gradcheck_model.ts";
import { FullyConnectedNet } from "../lib/models/fc_net.ts";
import type { Model } from "../lib/models/model.ts";
import { convnext } from "../lib/models/convnext.ts";
import { MNIST_NETS } from "../lib/models/mnist_nets.ts";
import { threeLayerConvNet } from "../lib/models/three_layer_convnet.ts";
import { primitives } from "../lib/kernels/native/kernel_util.ts";
import { nativeSkip, useNativeAndCpu } from "./kernels_native_helpers.ts";
import { sgd } from "../lib/train/optim.ts";

if (!nativeSkip) await useNativeAndCpu();

const ignore = nativeSkip !== undefined;
/** The study models by id, built synchronously from their modules (see lib/models/table.ts). */
const FACTORIES = { ...MNIST_NETS, convnext, three_layer_convnet: threeLayerConvNet };

// deno-lint-ignore no-explicit-any
const buildModel = (id: keyof typeof FACTORIES, options: any) => FACTORIES[id](options);

const small = { numClasses: 4, seed: 3, inputShape: [12, 12, 1] as [number, number, number] };
const smallCnn = { ...small, channels: [4, 4, 6] as [number, number, number] };
/** Name, model, one example's shape, tolerance, step of the centred differences. */
const cases: [string, () => Model, number[], number?, number?][] = [
  [
    "three_layer_convnet",
    () =>
      buildModel("three_layer_convnet", {
        inputShape: [8, 8, 3],
        numFilters: 4,
        hiddenDim: 10,
        numClasses: 4,
        seed: 3,
        weightScale: 0.1,
      }),
    [8, 8, 3],
  ],
  ["mnist_fc", () => buildModel("mnist_fc", { ...small, hiddenDims: [20, 12] }), [12, 12, 1]],
  ["mnist_cnn", () => buildModel("mnist_cnn", { ...small, channels: [4, 6] }), [12, 12, 1]],
  ["mnist_small_cnn", () => buildModel("mnist_small_cnn", smallCnn), [12, 12, 1]],
  ["mnist_pool_first", () => buildModel("mnist_pool_first", smallCnn), [12, 12, 1]],
  ["mnist_pool_first_tanh", () => buildModel("mnist_pool_first_tanh", smallCnn), [12, 12, 1]],
  [
    "mnist_resnet",
    () => buildModel("mnist_resnet", { ...smallCnn, blocksPerConv: 1 }),
    [12, 12, 1],
    1e-2,
  ],
  ["mnist_plain_deep", () => buildModel("mnist_plain_deep", { ...smallCnn, blocksPerConv: 1 }), [
    12,
    12,
    1,
  ], 3e-2],
  ["mnist_resnet_bn", () => buildModel("mnist_resnet_bn", { ...smallCnn, blocksPerConv: 1 }), [
    12,
    12,
    1,
  ], 1e-2],
  [
    "convnext",
    () =>
      buildModel("convnext", {
        filters: 8,
        stages: 2,
        blocksPerStage: 1,
        inputShape: [8, 8, 3],
        numClasses: 4,
        seed: 3,
      }),
    [8, 8, 3],
    1e-2,
    1e-2,
  ],
  [
    "fc_net batchnorm",
    () =>
      new FullyConnectedNet({
        hiddenDims: [30, 20],
        inputDim: 40,
        numClasses: 4,
        normalization: "batchnorm",
        weightScale: 0.3,
        seed: 3,
      }),
    [40],
    5e-3,
  ],
  [
    "fc_net layernorm",
    () =>
      new FullyConnectedNet({
        hiddenDims: [30, 20],
        inputDim: 40,
        numClasses: 4,
        normalization: "layernorm",
        weightScale: 0.3,
        seed: 3,
      }),
    [40],
    5e-3,
  ],
];

for (const [name, build, shape, tolerance = 2e-3, h = 1e-3] of cases) {
  Deno.test({
    name: `${name}: gradients on native match numeric gradients`,
    ignore,
    async fn() {
      const previous = tf.getBackend();
      await tf.setBackend("native");
      const model = build();
      const X = tf.randomNormal([6, ...shape], 0, 1, "float32", 4);
      const y = tf.tensor1d([0, 1, 2, 3, 1, 2], "int32");
      try {
        const checks = checkModelGradients(model, X, y, {
          h,
          fallbackH: h === 1e-3 ? 1e-4 : undefined,
          tolerance,
          entries: 8,
          seed: 1,
        });
        for (const [param, { normRelError, largest, h }] of Object.entries(checks)) {
          if (name === "fc_net batchnorm" && /^b[12]$/.test(param)) {
            assert.ok(
              largest < 1e-4,
              `${param} feeds batchnorm: its gradient is 0, got ${largest}`,
            );
            continue;
          }
          assert.ok(
            normRelError < tolerance,
            `${name}: ${param} normRelError ${normRelError} (h ${h})`,
          );
        }
      } finally {
        tf.dispose([X, y]);
        model.dispose?.();
        await tf.setBackend(previous);
      }
    },
  });
}

Deno.test({
  name: "100 training steps on native leak no tensors, backend data or primitives",
  ignore,
  async fn() {
    const previous = tf.getBackend();
    await tf.setBackend("native");
    const backend = tf.backend();
    const model = buildModel("mnist_resnet_bn", { ...smallCnn, blocksPerConv: 1 });
    const X = tf.randomNormal([16, 12, 12, 1], 0, 1, "float32", 4);
    const y = tf.randomUniform([16], 0, 4, "int32", 5) as tf.Tensor1D;
    const step = () => {
      const { loss, grads } = model.loss(X, y);
      loss.dispose();
      for (const [name, w] of Object.entries(model.params)) {
        const [next] = sgd(w, grads[name], { learningRate: 1e-2 });
        w.assign(next);
        next.dispose();
      }
      tf.dispose(Object.values(grads));
    };
    for (let i = 0; i < 3; i++) step();
    const before = {
      tensors: tf.memory().numTensors,
      data: backend.numDataIds(),
      primitives: primitives.size,
    };
    for (let i = 0; i < 100; i++) step();
    const after = {
      tensors: tf.memory().numTensors,
      data: backend.numDataIds(),
      primitives: primitives.size,
    };
    assert.deepEqual(after, before);
    tf.dispose([X, y]);
    model.dispose();
    await tf.setBackend(previous);
  },
});
