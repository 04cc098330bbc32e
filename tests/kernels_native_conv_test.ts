/**
 * The native backend's convolutions (lib/kernels/native/conv_kernels.ts) against the cpu
 * backend: forward, fused bias and activation, and both gradients, for plain and
 * depthwise convolutions over strides, paddings ("same", "valid" with unread trailing
 * rows, explicit), dilations and filter sizes. Bound: 1e-5 of the largest |cpu value|
 * (float32 sums in a different order; errors of a wrong index are of order 1).
 */
import * as tf from "@tensorflow/tfjs";
import {
  assertGradientsMatchCpu,
  assertOutputsMatchCpu,
  nativeSkip,
  randomInput,
  seededRandom,
  useNativeAndCpu,
} from "./kernels_native_helpers.ts";

if (!nativeSkip) await useNativeAndCpu();

type Pad = "same" | "valid" | number | [
  [number, number],
  [number, number],
  [number, number],
  [number, number],
];
interface ConvCase {
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: number | [number, number];
  pad: Pad;
  dilations?: number;
}

const cases: ConvCase[] = [
  { x: [2, 7, 7, 3], filter: [3, 3, 3, 4], strides: 1, pad: "valid" },
  { x: [2, 7, 7, 3], filter: [3, 3, 3, 4], strides: 1, pad: "same" },
  { x: [1, 9, 8, 2], filter: [3, 3, 2, 5], strides: 2, pad: "same" },
  // 14 rows, 3x3 stride 2 valid: the last row is never read (negative right padding).
  { x: [2, 14, 13, 3], filter: [3, 3, 3, 2], strides: 2, pad: "valid" },
  { x: [1, 5, 5, 4], filter: [1, 1, 4, 6], strides: 1, pad: "valid" },
  { x: [2, 11, 10, 2], filter: [7, 7, 2, 3], strides: 1, pad: "same" },
  { x: [2, 8, 8, 4], filter: [2, 2, 4, 8], strides: 2, pad: "valid" },
  { x: [1, 7, 9, 2], filter: [3, 2, 2, 3], strides: [2, 1], pad: "same" },
  { x: [2, 6, 7, 2], filter: [3, 3, 2, 3], strides: 2, pad: [[0, 0], [1, 2], [0, 1], [0, 0]] },
  { x: [1, 6, 6, 2], filter: [3, 3, 2, 2], strides: 1, pad: 1 },
  // One input channel: the input gradient takes the filter as is (MNIST's first layer).
  { x: [3, 10, 10, 1], filter: [3, 3, 1, 4], strides: 1, pad: "valid" },
  { x: [2, 12, 11, 1], filter: [5, 5, 1, 3], strides: 2, pad: "valid" },
  { x: [1, 11, 11, 3], filter: [3, 3, 3, 2], strides: 1, pad: "same", dilations: 2 },
  // The MNIST nets' shapes, smaller batches.
  { x: [1, 13, 13, 32], filter: [3, 3, 32, 16], strides: 1, pad: "valid" },
  { x: [4, 28, 28, 8], filter: [3, 3, 8, 8], strides: 1, pad: 1 },
];

const random = seededRandom(12);
for (const c of cases) {
  const label = `conv2d x=[${c.x}] w=[${c.filter}] s=${c.strides} pad=${JSON.stringify(c.pad)}` +
    (c.dilations ? ` d=${c.dilations}` : "");
  const conv = (x: tf.Tensor, w: tf.Tensor) =>
    tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.strides, c.pad, "NHWC", c.dilations ?? 1);
  const inputs = [randomInput(random, c.x), randomInput(random, c.filter)];
  Deno.test({
    name: `${label}: forward and dx, dw on native match cpu`,
    ignore: nativeSkip !== undefined,
    async fn() {
      await assertOutputsMatchCpu(label, conv, inputs);
      // Dilated gradients are not in tfjs (its conv2d gradient rejects dilation > 1).
      if (!c.dilations) await assertGradientsMatchCpu(label, conv, inputs);
    },
  });
}

for (const activation of ["linear", "relu", "relu6", "leakyrelu"] as const) {
  Deno.test({
    name: `fused conv2d with bias and ${activation}: forward and gradients match cpu`,
    ignore: nativeSkip !== undefined,
    async fn() {
      const inputs = [
        randomInput(random, [2, 9, 9, 3]),
        randomInput(random, [3, 3, 3, 5]),
        randomInput(random, [5]),
      ];
      const f = (x: tf.Tensor, filter: tf.Tensor, bias: tf.Tensor) =>
        tf.fused.conv2d({
          x: tf.mul(x, 4) as tf.Tensor4D,
          filter: filter as tf.Tensor4D,
          strides: 1,
          pad: "same",
          bias,
          activation,
          leakyreluAlpha: 0.1,
        });
      await assertOutputsMatchCpu(`fused ${activation}`, f, inputs);
      await assertGradientsMatchCpu(`fused ${activation}`, f, inputs);
    },
  });
}

const depthwise: ConvCase[] = [
  { x: [2, 9, 9, 8], filter: [7, 7, 8, 1], strides: 1, pad: "same" },
  { x: [2, 8, 8, 4], filter: [3, 3, 4, 2], strides: 1, pad: "valid" },
  { x: [1, 9, 10, 3], filter: [3, 3, 3, 1], strides: 2, pad: "same" },
  { x: [2, 10, 10, 5], filter: [3, 3, 5, 1], strides: 2, pad: "valid" },
  { x: [4, 8, 8, 32], filter: [7, 7, 32, 1], strides: 1, pad: "same" },
];
for (const c of depthwise) {
  const label = `depthwiseConv2d x=[${c.x}] w=[${c.filter}] s=${c.strides} pad=${c.pad}`;
  const f = (x: tf.Tensor, w: tf.Tensor) =>
    tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.strides, c.pad as "same");
  const inputs = [randomInput(random, c.x), randomInput(random, c.filter)];
  Deno.test({
    name: `${label}: forward and dx, dw on native match cpu`,
    ignore: nativeSkip !== undefined,
    async fn() {
      await assertOutputsMatchCpu(label, f, inputs);
      await assertGradientsMatchCpu(label, f, inputs);
    },
  });
}

Deno.test({
  name: "fused depthwise conv2d with bias and relu matches cpu",
  ignore: nativeSkip !== undefined,
  async fn() {
    const inputs = [randomInput(random, [2, 8, 8, 6]), randomInput(random, [3, 3, 6, 1])];
    const bias = randomInput(random, [6]);
    const f = (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) =>
      tf.fused.depthwiseConv2d({
        x: x as tf.Tensor4D,
        filter: w as tf.Tensor4D,
        strides: 1,
        pad: "same",
        bias: b,
        activation: "relu",
      });
    await assertOutputsMatchCpu("fused depthwise", f, [...inputs, bias]);
    await assertGradientsMatchCpu("fused depthwise", f, [...inputs, bias]);
  },
});
