import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import {
  registerWasmKernels,
  replaceWasmKernel,
  stockKernel,
  WASM_KERNEL_CONFIGS,
} from "../lib/kernels/wasm/mod.ts";
import { useWasmAndCpu } from "./kernels_helpers.ts";

await useWasmAndCpu();

Deno.test("registerWasmKernels puts every nnlab kernel on wasm, and twice changes nothing", () => {
  registerWasmKernels();
  registerWasmKernels();
  for (const config of WASM_KERNEL_CONFIGS) {
    const registered = tf.getKernel(config.kernelName, "wasm");
    assert.equal(registered?.kernelFunc, config.kernelFunc, config.kernelName);
  }
  // The replaced stock kernels stay reachable, and are not ours.
  for (const name of ["BatchMatMul", "Conv2DBackpropInput", "MaxPoolGrad", "AvgPoolGrad"]) {
    assert.ok(!WASM_KERNEL_CONFIGS.some((c) => c.kernelFunc === stockKernel(name).kernelFunc));
  }
  // The stock set-up (cwrap of the C++ function) still runs for the replaced kernels.
  assert.equal(
    tf.getKernel("BatchMatMul", "wasm")?.setupFunc,
    stockKernel("BatchMatMul").setupFunc,
  );
});

Deno.test("the cpu backend keeps its own kernels; nnlab's new kernel names stay off cpu", () => {
  for (const config of WASM_KERNEL_CONFIGS) {
    const onCpu = tf.getKernel(config.kernelName, "cpu");
    if (config.kernelName.startsWith("Nnlab")) {
      assert.equal(onCpu, undefined, config.kernelName);
    } else {
      assert.ok(onCpu !== undefined && onCpu.kernelFunc !== config.kernelFunc);
    }
  }
});

Deno.test("stockKernel and replaceWasmKernel reject unknown names", () => {
  assert.throws(() => stockKernel("NoSuchKernel"), /"NoSuchKernel"/);
  replaceWasmKernel({
    kernelName: "NnlabTestOnly",
    backendName: "wasm",
    kernelFunc: () => ({ dataId: {}, shape: [], dtype: "float32" }),
  });
  assert.ok(tf.getKernel("NnlabTestOnly", "wasm") !== undefined);
  tf.unregisterKernel("NnlabTestOnly", "wasm");
});

/** Each kernel through its public op's gradient, on small shapes. */
const gradients: Record<string, () => tf.Tensor[]> = {
  conv2d: () => {
    const x = tf.randomNormal([2, 7, 7, 3]), w = tf.randomNormal([3, 3, 3, 4]);
    return tf.grads((a, b) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, "same"))([x, w]);
  },
  depthwiseConv2d: () => {
    const x = tf.randomNormal([2, 7, 7, 3]), w = tf.randomNormal([7, 7, 3, 2]);
    return tf.grads((a, b) => tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, "same"))(
      [x, w],
    );
  },
  // 16x16 maps: the forward pass and dx run as 5x5 pieces.
  depthwiseConv2dPieces: () => {
    const x = tf.randomNormal([1, 16, 16, 2]), w = tf.randomNormal([7, 7, 2, 1]);
    return tf.grads((a, b) => tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, "same"))(
      [x, w],
    );
  },
  // Windows that tile the input: both conv gradients are one matrix product.
  conv2dTiled: () => {
    const x = tf.randomNormal([2, 8, 8, 3]), w = tf.randomNormal([2, 2, 3, 4]);
    return tf.grads((a, b) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, "valid"))([x, w]);
  },
  pools: () => {
    const x = tf.randomNormal([2, 6, 6, 3]);
    return [
      tf.grad((a) => tf.maxPool(a as tf.Tensor4D, 2, 2, "valid"))(x),
      tf.grad((a) => tf.avgPool(a as tf.Tensor4D, 3, 2, "same"))(x),
    ];
  },
  matMul: () => {
    const a = tf.randomNormal([2, 5, 4]), b = tf.randomNormal([2, 6, 4]);
    return tf.grads((p, q) => tf.matMul(p, q, false, true))([a, b]);
  },
};

for (const [name, run] of Object.entries(gradients)) {
  Deno.test(`${name} gradients on wasm leave no tensor and no backend buffer behind`, async () => {
    await tf.setBackend("wasm");
    // tf.tidy keeps what its function returns, so the gradients are dropped inside.
    const once = () => tf.tidy(() => void run());
    once(); // first call: lazily created state (XNNPACK operators, etc.)
    const tensors = tf.memory().numTensors;
    const buffers = tf.engine().backend.numDataIds();
    for (let i = 0; i < 3; i++) once();
    assert.equal(tf.memory().numTensors, tensors, "engine tensors");
    assert.equal(tf.engine().backend.numDataIds(), buffers, "wasm buffers");
    // And the engine is healthy afterwards: not stuck inside a kernel (the symptom of a
    // kernel that recursed into itself), so ops are taped again.
    assert.equal(tf.engine().state.kernelDepth, 0);
  });
}
