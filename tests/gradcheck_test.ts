import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import {
  normRelError,
  numericGradient,
  numericGradientOf,
  numericGradientThrough,
  relError,
} from "../lib/gradcheck.ts";
import { useTestBackend } from "./helpers.ts";

await useTestBackend();

Deno.test("numericGradient matches the closed form of sum(x^3): 3x^2", () => {
  const values = [0.5, -1.2, 2.0, 0.1, -0.7, 1.5];
  const numeric = numericGradient((x) => tf.sum(tf.pow(x, 3)), tf.tensor(values));
  const exact = values.map((v) => 3 * v * v);
  // Truncation error of the centred difference is h^2 * f''' / 6 = 1e-4 here; float32
  // round-off of the sum (~1e-6) over 2h adds ~5e-4 to each entry, which is 2e-3 of the
  // smallest one (3 * 0.1^2 = 0.03) on backends that round like the cpu backend: so the
  // bound is on the vector (norm), not on each entry.
  assert.ok(normRelError(numeric, exact) < 1e-3, `normRelError ${normRelError(numeric, exact)}`);
});

Deno.test("numericGradientThrough weights the output by dout", () => {
  const x = tf.variable(tf.tensor([[0.3, -0.4], [1.1, 0.9]]));
  const dout = [1, 2, -1, 0.5];
  const numeric = numericGradientThrough(() => tf.sin(x), x, dout);
  const exact = [0.3, -0.4, 1.1, 0.9].map((v, i) => Math.cos(v) * dout[i]);
  assert.ok(relError(numeric, exact) < 1e-3);
  // The variable is restored after the check.
  assert.deepEqual(Array.from(x.dataSync()).map((v) => +v.toFixed(5)), [0.3, -0.4, 1.1, 0.9]);
  x.dispose();
});

Deno.test("numericGradientOf leaves no tensors behind", () => {
  const w = tf.variable(tf.tensor([1, 2, 3]));
  const before = tf.memory().numTensors;
  numericGradientOf(() => tf.tidy(() => tf.sum(tf.square(w)).dataSync()[0]), w);
  assert.equal(tf.memory().numTensors, before);
  w.dispose();
});

Deno.test("relError and normRelError: known values and bad input", () => {
  assert.equal(relError([1, 2], [1, 2]), 0);
  assert.ok(Math.abs(relError([1, 2], [1, 3]) - 0.2) < 1e-12);
  assert.ok(normRelError([1, 0], [1, 1e-6]) < 1e-6);
  assert.equal(relError([1, 0], [1, 1e-6]), 1);
  assert.throws(() => relError([1], [1, 2]), /got arrays of 1 and 2 values/);
  assert.throws(
    () => numericGradient((x) => tf.square(x), tf.tensor([1, 2])),
    /expected a scalar/,
  );
});
