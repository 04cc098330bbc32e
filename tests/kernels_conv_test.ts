import * as tf from "@tensorflow/tfjs";
import { assertGradientsMatchCpu, seededRandom, useWasmAndCpu } from "./kernels_helpers.ts";
import type { ConvPadding } from "../lib/kernels/wasm/conv_geometry.ts";

await useWasmAndCpu();

interface ConvCase {
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: number | [number, number];
  pad: ConvPadding;
}

const cases: ConvCase[] = [
  { x: [2, 7, 7, 3], filter: [3, 3, 3, 4], strides: 1, pad: "valid" },
  { x: [2, 7, 7, 3], filter: [3, 3, 3, 4], strides: 1, pad: "same" },
  { x: [1, 9, 8, 2], filter: [3, 3, 2, 5], strides: 2, pad: "same" },
  { x: [2, 8, 9, 3], filter: [3, 3, 3, 2], strides: 2, pad: "valid" },
  { x: [1, 5, 5, 4], filter: [1, 1, 4, 6], strides: 1, pad: "valid" },
  { x: [2, 6, 7, 3], filter: [1, 1, 3, 2], strides: 2, pad: "same" },
  { x: [2, 11, 10, 2], filter: [7, 7, 2, 3], strides: 1, pad: "same" },
  { x: [1, 10, 9, 3], filter: [7, 7, 3, 2], strides: 2, pad: "valid" },
  { x: [2, 8, 8, 4], filter: [2, 2, 4, 8], strides: 2, pad: "valid" },
  { x: [1, 7, 9, 2], filter: [3, 2, 2, 3], strides: [2, 1], pad: "same" },
  { x: [2, 6, 7, 2], filter: [3, 3, 2, 3], strides: 2, pad: [[0, 0], [1, 2], [0, 1], [0, 0]] },
  { x: [1, 6, 6, 2], filter: [3, 3, 2, 2], strides: 1, pad: 1 },
  // Windows that tile the input (kernel = stride) take the matrix-product path; with odd
  // sizes, "same" pads (convolution path) and "valid" drops the last row (crop).
  { x: [2, 6, 6, 3], filter: [2, 2, 3, 4], strides: 2, pad: "same" },
  { x: [1, 7, 7, 2], filter: [2, 2, 2, 3], strides: 2, pad: "same" },
  { x: [2, 8, 7, 2], filter: [3, 3, 2, 3], strides: 3, pad: "valid" },
  { x: [1, 9, 8, 3], filter: [4, 4, 3, 2], strides: 4, pad: "valid" },
  // Few input channels and a small filter: dw by the transposed patch matrix (MNIST's
  // first layer), strided, padded and cropped.
  { x: [3, 10, 10, 1], filter: [3, 3, 1, 4], strides: 1, pad: "valid" },
  { x: [2, 12, 11, 1], filter: [5, 5, 1, 3], strides: 2, pad: "valid" },
  { x: [2, 9, 10, 4], filter: [5, 3, 4, 2], strides: [2, 3], pad: "same" },
];

// A few more drawn from a seeded generator: odd sizes, strides 1-2, both paddings.
const random = seededRandom(2024);
const pick = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
for (let i = 0; i < 6; i++) {
  const k = [1, 2, 3, 5][pick(0, 3)];
  cases.push({
    x: [pick(1, 3), pick(k, 12), pick(k, 12), pick(1, 5)],
    filter: [k, k, 0, pick(1, 6)],
    strides: pick(1, 2),
    pad: random() < 0.5 ? "same" : "valid",
  });
  cases[cases.length - 1].filter[2] = cases[cases.length - 1].x[3];
}

for (const [i, c] of cases.entries()) {
  const label = `conv2d x=[${c.x}] w=[${c.filter}] s=${c.strides} pad=${JSON.stringify(c.pad)}`;
  Deno.test(`${label}: dx and dw on wasm match cpu`, async () => {
    await assertGradientsMatchCpu(
      label,
      (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.strides, c.pad),
      [c.x, c.filter],
      100 + i,
    );
  });
}
