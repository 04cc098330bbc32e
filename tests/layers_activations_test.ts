import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import {
  GELU,
  gelu,
  LeakyReLU,
  leakyRelu,
  ReLU,
  relu,
  Tanh,
  tanh,
} from "../lib/layers/activations.ts";
import { checkLayerGradients } from "../lib/layers/gradcheck_layer.ts";
import { useTestBackend } from "./helpers.ts";

await useTestBackend();

/** erf by its Maclaurin series in float64; exact to ~1e-15 for |x| < 3. */
function erf(x: number): number {
  let term = x, sum = x;
  for (let n = 1; n < 60; n++) {
    term *= -x * x / n;
    sum += term / (2 * n + 1);
  }
  return 2 / Math.sqrt(Math.PI) * sum;
}

// Kept at least 0.05 from 0, farther than the step h = 1e-2, so relu's kink stays outside
// every centred difference.
const VALUES = [-2.5, -1, -0.3, -0.05, 0.05, 0.4, 1, 2.2];

function close(got: ArrayLike<number>, expected: number[], tol: number, label: string) {
  assert.equal(got.length, expected.length);
  for (let i = 0; i < got.length; i++) {
    assert.ok(Math.abs(got[i] - expected[i]) < tol, `${label}[${i}]: ${got[i]} vs ${expected[i]}`);
  }
}

Deno.test("activations: known values", () => {
  const x = tf.tensor2d(VALUES, [2, 4]);
  close(relu(x).dataSync(), VALUES.map((v) => Math.max(0, v)), 1e-7, "relu");
  close(leakyRelu(x).dataSync(), VALUES.map((v) => (v > 0 ? v : 0.01 * v)), 1e-7, "leakyRelu");
  close(
    leakyRelu(x, 0.2).dataSync(),
    VALUES.map((v) => (v > 0 ? v : 0.2 * v)),
    1e-7,
    "leakyRelu 0.2",
  );
  close(tanh(x).dataSync(), VALUES.map(Math.tanh), 1e-6, "tanh");
  // Exact GELU, x * Phi(x); the tanh approximation differs by up to ~5e-4 around |x| = 2.
  close(gelu(x).dataSync(), VALUES.map((v) => 0.5 * v * (1 + erf(v / Math.SQRT2))), 1e-6, "gelu");
  assert.ok(Math.abs(gelu(tf.scalar(1)).dataSync()[0] - 0.8413447460685429) < 1e-6);
  assert.deepEqual(relu(x).shape, [2, 4]);
});

Deno.test("activations: gradients match numeric ones", () => {
  const x = tf.tensor2d(VALUES, [2, 4]);
  // relu and leaky relu are linear on each side of 0: round-off only, so 1e-5.
  // tanh and gelu: truncation h^2 f''' / 6 ~ 2e-5 relative; bound 1e-3 (lib/gradcheck.ts).
  const cases: [string, (x: tf.Tensor) => tf.Tensor, number][] = [
    ["relu", relu, 1e-5],
    ["leakyRelu", (x) => leakyRelu(x, 0.1), 1e-5],
    ["tanh", tanh, 1e-3],
    ["gelu", gelu, 1e-3],
  ];
  for (const [name, f, tol] of cases) {
    const [dx] = checkLayerGradients(f, [x]);
    assert.ok(dx.normRelError < tol, `${name}: normRelError ${dx.normRelError}`);
  }
  // Autodiff through erf gives the exact GELU derivative Phi(x) + x phi(x).
  const dout = tf.randomNormal([2, 4]);
  const analytic = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(gelu(x), dout)))(x).dataSync();
  const d = dout.dataSync();
  const expected = VALUES.map((v, i) =>
    d[i] * (0.5 * (1 + erf(v / Math.SQRT2)) + v * Math.exp(-v * v / 2) / Math.sqrt(2 * Math.PI))
  );
  close(analytic, expected, 1e-5, "gelu'");
});

Deno.test("activation modules have no parameters and apply their function", () => {
  const x = tf.tensor1d([-1, 2]);
  for (const module of [new ReLU(), new LeakyReLU({ alpha: 0.1 }), new Tanh(), new GELU()]) {
    assert.deepEqual(module.params, {});
    assert.deepEqual(module.forward(x).shape, [2]);
  }
  assert.deepEqual(Array.from(new LeakyReLU({ alpha: 0.1 }).forward(x).dataSync()), [
    -0.10000000149011612,
    2,
  ]);
});

Deno.test("activations: bad input names the argument, the value and what is accepted", () => {
  assert.throws(
    () => relu([1, 2] as unknown as tf.Tensor),
    /relu: x: got \[1, 2\]; expected a tf.Tensor/,
  );
  assert.throws(
    () => gelu(tf.tensor1d([1], "int32")),
    /gelu: x\.dtype: got "int32"; expected "float32"/,
  );
  assert.throws(() => leakyRelu(tf.zeros([2]), NaN), /leakyRelu: alpha: got NaN/);
});
