/**
 * The native backend's pooling (lib/kernels/native/pool_kernels.ts) against the cpu
 * backend: max and average, forward and gradient, over window sizes, strides and
 * paddings, including sizes whose last row no window reads (13 -> 6) and "same" padding
 * (where tfjs's average-pool gradient divides by the whole window; we follow it). Max
 * pooling picks the same element (ties excepted: random inputs have none), so its
 * outputs match exactly; average pooling to 1e-6 of the largest |value|.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import {
  assertGradientsMatchCpu,
  assertOutputsMatchCpu,
  nativeSkip,
  outputsOn,
  randomInput,
  seededRandom,
  useNativeAndCpu,
} from "./kernels_native_helpers.ts";

if (!nativeSkip) await useNativeAndCpu();

interface PoolCase {
  x: [number, number, number, number];
  size: number | [number, number];
  strides: number | [number, number];
  pad: "same" | "valid";
}

const cases: PoolCase[] = [
  { x: [2, 8, 8, 3], size: 2, strides: 2, pad: "valid" },
  { x: [2, 13, 13, 4], size: 2, strides: 2, pad: "valid" },
  { x: [1, 11, 11, 2], size: 2, strides: 2, pad: "valid" },
  { x: [2, 9, 7, 3], size: 3, strides: 2, pad: "same" },
  { x: [1, 10, 10, 5], size: 3, strides: 1, pad: "same" },
  { x: [2, 7, 9, 2], size: [2, 3], strides: [2, 1], pad: "valid" },
  { x: [4, 26, 26, 32], size: 2, strides: 2, pad: "valid" },
];

const random = seededRandom(31);
for (const c of cases) {
  const inputs = [randomInput(random, c.x)];
  for (const kind of ["max", "avg"] as const) {
    const label = `${kind}Pool x=[${c.x}] size=${c.size} s=${c.strides} pad=${c.pad}`;
    const f = (x: tf.Tensor) =>
      kind === "max"
        ? tf.maxPool(x as tf.Tensor4D, c.size, c.strides, c.pad)
        : tf.avgPool(x as tf.Tensor4D, c.size, c.strides, c.pad);
    Deno.test({
      name: `${label}: forward and gradient on native match cpu`,
      ignore: nativeSkip !== undefined,
      async fn() {
        await assertOutputsMatchCpu(label, f, inputs, kind === "max" ? 0 : 1e-6);
        await assertGradientsMatchCpu(label, f, inputs, 1e-6);
      },
    });
  }
}

Deno.test({
  name: "MaxPoolGrad without its forward's workspace recomputes the arg-max",
  ignore: nativeSkip !== undefined,
  async fn() {
    const x = randomInput(random, [2, 8, 8, 3]);
    const dy = randomInput(random, [2, 4, 4, 3]);
    // The output passed in is a new tensor (not MaxPool's), so no workspace is attached.
    const grad = (xt: tf.Tensor, dyt: tf.Tensor) =>
      tf.engine().runKernel("MaxPoolGrad", {
        dy: dyt,
        input: xt,
        output: tf.clone(tf.add(tf.maxPool(xt as tf.Tensor4D, 2, 2, "valid"), 0)),
      }, { filterSize: 2, strides: 2, pad: "valid" }) as tf.Tensor;
    const [native] = await outputsOn("native", grad, [x, dy]);
    const [cpu] = await outputsOn("cpu", grad, [x, dy]);
    assert.deepEqual(native, cpu);
  },
});
