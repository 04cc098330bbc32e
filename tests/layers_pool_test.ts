import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { checkLayerGradients } from "../lib/layers/gradcheck_layer.ts";
import {
  AvgPool,
  avgPool,
  GlobalAvgPool,
  globalAvgPool,
  MaxPool,
  maxPool,
  type PoolOptions,
} from "../lib/layers/pool.ts";
import { useTestBackend } from "./helpers.ts";

await useTestBackend();

/** A permutation of 0..n-1 scaled, so every window has a clear maximum (no ties, no kinks). */
function distinct(shape: number[], seed: number): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const values = Array.from({ length: n }, (_, i) => ((i * 7919 + seed * 104729) % n) / n - 0.5);
  return tf.tensor(values, shape);
}

/** Max or average pooling by loops, with explicit padding (-inf for max, counted zeros for average). */
function naivePool(
  x: tf.Tensor,
  kind: "max" | "avg",
  size: number,
  stride: number,
  [[top, bottom], [left, right]]: [[number, number], [number, number]],
): { shape: number[]; values: number[] } {
  const [N, H, W, C] = x.shape;
  const v = x.dataSync();
  const HO = Math.floor((H + top + bottom - size) / stride) + 1;
  const WO = Math.floor((W + left + right - size) / stride) + 1;
  const out: number[] = [];
  for (let n = 0; n < N; n++) {
    for (let i = 0; i < HO; i++) {
      for (let j = 0; j < WO; j++) {
        for (let c = 0; c < C; c++) {
          let best = -Infinity, sum = 0;
          for (let di = 0; di < size; di++) {
            for (let dj = 0; dj < size; dj++) {
              const r = i * stride + di - top, q = j * stride + dj - left;
              const value = r < 0 || r >= H || q < 0 || q >= W
                ? (kind === "max" ? -Infinity : 0)
                : v[((n * H + r) * W + q) * C + c];
              best = Math.max(best, value);
              sum += value;
            }
          }
          out.push(kind === "max" ? best : sum / (size * size));
        }
      }
    }
  }
  return { shape: [N, HO, WO, C], values: out };
}

const CASES: {
  name: string;
  options: PoolOptions;
  size: number;
  stride: number;
  pads: [[number, number], [number, number]];
}[] = [
  { name: "2x2, default stride", options: { size: 2 }, size: 2, stride: 2, pads: [[0, 0], [0, 0]] },
  {
    name: "3x3 stride 2 pad 1",
    options: { size: 3, stride: 2, pad: 1 },
    size: 3,
    stride: 2,
    pads: [[1, 1], [1, 1]],
  },
  {
    name: "3x3 stride 1 explicit",
    options: { size: 3, stride: 1, pad: [[1, 0], [0, 1]] },
    size: 3,
    stride: 1,
    pads: [[1, 0], [0, 1]],
  },
];

for (const c of CASES) {
  for (const kind of ["max", "avg"] as const) {
    Deno.test(`${kind}Pool matches a naive loop: ${c.name}`, () => {
      const x = distinct([2, 5, 5, 2], 1);
      const out = (kind === "max" ? maxPool : avgPool)(x, c.options);
      const expected = naivePool(x, kind, c.size, c.stride, c.pads);
      assert.deepEqual(out.shape, expected.shape);
      const got = out.dataSync();
      for (let i = 0; i < got.length; i++) assert.ok(Math.abs(got[i] - expected.values[i]) < 1e-6);
      tf.dispose([x, out]);
    });
  }
}

Deno.test("maxPool and avgPool gradients match numeric ones", () => {
  // Distinct values at least 1/n = 0.02 apart, more than twice the step h = 1e-2, so no
  // perturbation changes which element wins a window: max pool is linear there.
  const x = distinct([1, 5, 5, 2], 3);
  for (const options of [{ size: 2 }, { size: 3, stride: 2, pad: 1 }]) {
    const [dmax] = checkLayerGradients((x) => maxPool(x, options), [x]);
    const [davg] = checkLayerGradients((x) => avgPool(x, options), [x]);
    // Both are linear away from ties: only float32 round-off remains.
    assert.ok(dmax.normRelError < 1e-4, `maxPool ${JSON.stringify(options)}: ${dmax.normRelError}`);
    assert.ok(davg.normRelError < 1e-4, `avgPool ${JSON.stringify(options)}: ${davg.normRelError}`);
  }
  const [dglobal] = checkLayerGradients(globalAvgPool, [x]);
  assert.ok(dglobal.normRelError < 1e-4);
  x.dispose();
});

Deno.test("globalAvgPool: (N, H, W, C) -> (N, C) channel means; modules", () => {
  const x = tf.tensor4d([1, 10, 2, 20, 3, 30, 4, 40], [1, 2, 2, 2]);
  const out = globalAvgPool(x);
  assert.deepEqual(out.shape, [1, 2]);
  assert.deepEqual(Array.from(out.dataSync()), [2.5, 25]);
  assert.deepEqual(new GlobalAvgPool().forward(x).shape, [1, 2]);
  assert.deepEqual(new MaxPool({ size: 2 }).forward(tf.zeros([2, 28, 28, 8])).shape, [
    2,
    14,
    14,
    8,
  ]);
  assert.deepEqual(new AvgPool({ size: 2, stride: 1 }).forward(tf.zeros([1, 4, 4, 1])).shape, [
    1,
    3,
    3,
    1,
  ]);
  assert.deepEqual(maxPool(tf.zeros([1, 5, 5, 1]), { size: 2, pad: "same" }).shape, [1, 3, 3, 1]);
});

Deno.test("pooling: bad input names the argument, the value and what is accepted", () => {
  const x = tf.zeros([1, 4, 4, 2]);
  assert.throws(
    () => maxPool(x, { size: 2, pad: 2 }),
    /maxPool: pad: got 2; expected at most half the 2x2 window/,
  );
  assert.throws(
    () => avgPool(x, { pad: "full" as "same" }),
    /avgPool: pad: got "full"; expected "same", "valid"/,
  );
  assert.throws(
    () => maxPool(x, { size: 5 }),
    /maxPool: size: got 5; expected a window that fits the padded 4x4 input/,
  );
  assert.throws(
    () => maxPool(x, { size: 0 }),
    /maxPool: size: got 0; expected an integer in \[1, inf\)/,
  );
  assert.throws(
    () => globalAvgPool(tf.zeros([2, 3])),
    /globalAvgPool: x\.shape: got \[2, 3\]; expected rank 4/,
  );
});
