import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { Affine, affine } from "../lib/layers/affine.ts";
import { Flatten, flatten } from "../lib/layers/flatten.ts";
import { checkLayerGradients } from "../lib/layers/gradcheck_layer.ts";
import { useTestBackend } from "./helpers.ts";

await useTestBackend();

Deno.test("affine: flattens each example and computes x w + b (cs231n's known value)", () => {
  // cs231n's affine_forward check: x (2, 4, 5, 6), w (120, 3), b (3,) on linspaces.
  const linspace = (lo: number, hi: number, n: number) =>
    Array.from({ length: n }, (_, i) => lo + (hi - lo) * i / (n - 1));
  const x = tf.tensor(linspace(-0.1, 0.5, 240), [2, 4, 5, 6]);
  const w = tf.tensor(linspace(-0.2, 0.3, 360), [120, 3]);
  const b = tf.tensor(linspace(-0.3, 0.1, 3), [3]);
  const out = affine(x, w, b);
  assert.deepEqual(out.shape, [2, 3]);
  const expected = [[1.49834967, 1.70660132, 1.91485297], [3.25553199, 3.5141327, 3.77273342]];
  const got = out.arraySync() as number[][];
  for (let i = 0; i < 2; i++) {
    for (let j = 0; j < 3; j++) assert.ok(Math.abs(got[i][j] - expected[i][j]) < 1e-5);
  }
});

Deno.test("affine: gradients of x, w and b match numeric ones", () => {
  const x = tf.randomNormal([3, 2, 2], 0, 1, "float32", 1);
  const w = tf.randomNormal([4, 5], 0, 1, "float32", 2);
  const b = tf.randomNormal([5], 0, 1, "float32", 3);
  const checks = checkLayerGradients(affine, [x, w, b]);
  // Linear in each input: no truncation error, float32 round-off only.
  for (const [i, name] of ["dx", "dw", "db"].entries()) {
    assert.ok(checks[i].normRelError < 1e-4, `${name}: ${checks[i].normRelError}`);
  }
  assert.deepEqual(checks[0].analytic.length, 12);
});

Deno.test("Affine module: cs231n init (weightScale N(0, 1), zero b), PyTorch default, seeds", () => {
  const fc = new Affine({ inputDim: 200, outputDim: 50, weightScale: 1e-2, seed: 0 });
  assert.deepEqual(fc.params.W.shape, [200, 50]);
  const { mean, variance } = tf.moments(fc.params.W);
  assert.ok(Math.abs(mean.dataSync()[0]) < 1e-3);
  assert.ok(Math.abs(Math.sqrt(variance.dataSync()[0]) - 1e-2) < 1e-3);
  assert.deepEqual(Array.from(fc.params.b.dataSync()), new Array(50).fill(0));
  const same = new Affine({ inputDim: 200, outputDim: 50, weightScale: 1e-2, seed: 0 });
  assert.deepEqual(same.params.W.dataSync(), fc.params.W.dataSync());
  // Seed 0 is a real seed here (tfjs alone would treat it as "unseeded").
  const unseeded = new Affine({ inputDim: 200, outputDim: 50, weightScale: 1e-2 });
  assert.notDeepEqual(unseeded.params.W.dataSync(), fc.params.W.dataSync());
  const torchLike = new Affine({ inputDim: 16, outputDim: 4, seed: 3 });
  for (const v of [...torchLike.params.W.dataSync(), ...torchLike.params.b.dataSync()]) {
    assert.ok(Math.abs(v) <= 0.25);
  }
  assert.deepEqual(torchLike.forward(tf.zeros([7, 4, 4])).shape, [7, 4]);
  assert.deepEqual(new Flatten().forward(tf.zeros([2, 7, 7, 32])).shape, [2, 1568]);
  assert.deepEqual(flatten(tf.zeros([3])).shape, [3, 1]);
});

Deno.test("affine: bad input names both shapes and what is accepted", () => {
  assert.throws(
    () => affine(tf.zeros([2, 5]), tf.zeros([4, 3]), tf.zeros([3])),
    /affine: w\.shape: got \[4, 3\]; expected \[5, M\] \(x has 5 features per example but w has 4 rows; x\.shape is \[2, 5\]\)/,
  );
  assert.throws(
    () => affine(tf.zeros([2, 4]), tf.zeros([4, 3]), tf.zeros([2])),
    /affine: b\.shape: got \[2\]; expected \[3\] \(one bias per column of w, whose shape is \[4, 3\]\)/,
  );
  assert.throws(
    () => new Affine({ inputDim: 0, outputDim: 3 }),
    /Affine: inputDim: got 0; expected an integer in \[1, inf\)/,
  );
  assert.throws(
    () => new Affine({ inputDim: 4, outputDim: 3, weightScale: 1e-2, init: "kaiming" }),
    /Affine: init: got "kaiming"; expected no init when weightScale is given/,
  );
  assert.throws(
    () => new Affine({ inputDim: 4, outputDim: 3, weightScale: -1 }),
    /Affine: weightScale: got -1; expected a number in \[0, inf\)/,
  );
});
