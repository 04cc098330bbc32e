import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import {
  assertGradientsMatchCpu,
  gradientsOn,
  seededRandom,
  useWasmAndCpu,
} from "./kernels_helpers.ts";
import type { ConvPadding } from "../lib/kernels/wasm/conv_geometry.ts";

await useWasmAndCpu();

interface PoolCase {
  x: [number, number, number, number];
  size: number | [number, number];
  strides: number | [number, number];
  pad: ConvPadding;
}

const cases: PoolCase[] = [
  { x: [2, 8, 8, 3], size: 2, strides: 2, pad: "valid" },
  { x: [1, 7, 9, 4], size: 2, strides: 2, pad: "valid" },
  { x: [2, 7, 7, 2], size: 2, strides: 2, pad: "same" },
  { x: [2, 9, 8, 3], size: 3, strides: 2, pad: "same" },
  { x: [1, 9, 9, 2], size: 3, strides: 1, pad: "valid" },
  { x: [1, 6, 7, 5], size: [2, 3], strides: [1, 2], pad: "same" },
  { x: [2, 5, 5, 1], size: 1, strides: 1, pad: "valid" },
  { x: [1, 8, 8, 2], size: 7, strides: 1, pad: "same" },
];

for (const [i, c] of cases.entries()) {
  const label = `x=[${c.x}] size=${c.size} s=${c.strides} pad=${JSON.stringify(c.pad)}`;
  Deno.test(`maxPool ${label}: dx on wasm matches cpu`, async () => {
    await assertGradientsMatchCpu(
      `maxPool ${label}`,
      (x) => tf.maxPool(x as tf.Tensor4D, c.size, c.strides, c.pad as "same"),
      [c.x],
      500 + i,
    );
  });
  Deno.test(`avgPool ${label}: dx on wasm matches cpu`, async () => {
    await assertGradientsMatchCpu(
      `avgPool ${label}`,
      (x) => tf.avgPool(x as tf.Tensor4D, c.size, c.strides, c.pad as "same"),
      [c.x],
      600 + i,
    );
  });
}

Deno.test("maxPool after relu: ties go to the window's first maximum, as on cpu", async () => {
  // Windows of zeros (a relu of negative inputs) tie everywhere; a rule that spread the
  // gradient over every tied pixel would differ from cpu here.
  const values = new Float32Array([-1, -2, 3, -4, -5, -6, 0.5, 0.5, -1, -1, -1, -1, 2, 2, 2, 2]);
  const f = (x: tf.Tensor) => tf.maxPool(tf.relu(x) as tf.Tensor4D, 2, 2, "valid");
  const input = { values, shape: [1, 4, 4, 1] };
  const [onWasm] = await gradientsOn("wasm", f, [input], seededRandom(1));
  const [onCpu] = await gradientsOn("cpu", f, [input], seededRandom(1));
  assert.deepEqual(Array.from(onWasm), Array.from(onCpu));
  // One nonzero gradient per window at most: 4 windows.
  assert.ok(Array.from(onWasm).filter((v) => v !== 0).length <= 4);
});
