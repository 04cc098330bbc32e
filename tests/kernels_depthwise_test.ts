import * as tf from "@tensorflow/tfjs";
import {
  assertClose,
  assertGradientsMatchCpu,
  randomInput,
  seededRandom,
  useWasmAndCpu,
  valuesOn,
} from "./kernels_helpers.ts";
import type { ConvPadding } from "../lib/kernels/wasm/conv_geometry.ts";

await useWasmAndCpu();

interface DepthwiseCase {
  x: [number, number, number, number];
  /** (KH, KW, C, M): M is the channel multiplier. */
  filter: [number, number, number, number];
  strides: number | [number, number];
  pad: ConvPadding;
}

const cases: DepthwiseCase[] = [
  { x: [2, 9, 9, 3], filter: [7, 7, 3, 1], strides: 1, pad: "same" },
  { x: [1, 8, 7, 4], filter: [7, 7, 4, 1], strides: 1, pad: "valid" },
  { x: [2, 7, 7, 3], filter: [3, 3, 3, 1], strides: 2, pad: "same" },
  { x: [2, 8, 9, 2], filter: [3, 3, 2, 1], strides: 2, pad: "valid" },
  { x: [1, 5, 6, 3], filter: [1, 1, 3, 1], strides: 1, pad: "valid" },
  { x: [2, 6, 5, 2], filter: [3, 3, 2, 3], strides: 1, pad: "same" },
  { x: [1, 9, 8, 3], filter: [5, 5, 3, 2], strides: 2, pad: "valid" },
  { x: [2, 6, 7, 2], filter: [3, 3, 2, 1], strides: 2, pad: [[0, 0], [1, 0], [2, 1], [0, 0]] },
];

// Maps of 16x16 outputs or more run the forward convolution (and so dx) as 5x5 pieces
// when the filter is larger than 5x5 (lib/kernels/depthwise_conv2d_native.ts).
cases.push(
  { x: [1, 16, 16, 2], filter: [7, 7, 2, 1], strides: 1, pad: "same" },
  { x: [1, 33, 31, 2], filter: [7, 7, 2, 1], strides: 2, pad: "same" },
  { x: [1, 22, 23, 2], filter: [7, 6, 2, 2], strides: 1, pad: "valid" },
  { x: [1, 20, 20, 1], filter: [11, 11, 1, 1], strides: 1, pad: "same" },
);

const random = seededRandom(7);
const pick = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
for (let i = 0; i < 5; i++) {
  const k = [1, 3, 5, 7][pick(0, 3)];
  const x: [number, number, number, number] = [pick(1, 3), pick(k, 11), pick(k, 11), pick(1, 5)];
  cases.push({
    x,
    filter: [k, k, x[3], pick(1, 2)],
    strides: pick(1, 2),
    pad: random() < 0.5 ? "same" : "valid",
  });
}

for (const [i, c] of cases.entries()) {
  const shapes = `x=[${c.x}] w=[${c.filter}] s=${c.strides} pad=${JSON.stringify(c.pad)}`;
  Deno.test(`depthwiseConv2d ${shapes}: forward on wasm matches cpu`, async () => {
    const inputs = [c.x, c.filter].map((shape, j) =>
      randomInput(seededRandom(900 + 2 * i + j), shape)
    );
    const f = (x: tf.Tensor, w: tf.Tensor) =>
      tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.strides, c.pad);
    assertClose(await valuesOn("wasm", f, inputs), await valuesOn("cpu", f, inputs), shapes);
  });

  const label = `depthwiseConv2d x=[${c.x}] w=[${c.filter}] s=${c.strides} pad=${
    JSON.stringify(c.pad)
  }`;
  Deno.test(`${label}: dx and dw on wasm match cpu`, async () => {
    await assertGradientsMatchCpu(
      label,
      (x, w) => tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.strides, c.pad),
      [c.x, c.filter],
      300 + i,
    );
  });
}
