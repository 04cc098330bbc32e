import * as tf from "@tensorflow/tfjs";
import { assertGradientsMatchCpu, seededRandom, useWasmAndCpu } from "./kernels_helpers.ts";
import type { ConvPadding } from "../lib/kernels/conv_geometry.ts";

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
