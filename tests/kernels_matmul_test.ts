import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import {
  assertClose,
  assertGradientsMatchCpu,
  randomInput,
  seededRandom,
  useWasmAndCpu,
  valuesOn,
} from "./kernels_helpers.ts";

await useWasmAndCpu();

const cases: { a: number[]; b: number[]; transposeA: boolean; transposeB: boolean }[] = [
  { a: [5, 7], b: [7, 3], transposeA: false, transposeB: false },
  { a: [7, 5], b: [7, 3], transposeA: true, transposeB: false },
  { a: [5, 7], b: [3, 7], transposeA: false, transposeB: true },
  { a: [7, 5], b: [3, 7], transposeA: true, transposeB: true },
  { a: [1, 9], b: [9, 1], transposeA: false, transposeB: false },
  { a: [3, 6, 4], b: [3, 6, 5], transposeA: true, transposeB: false },
  { a: [2, 3, 4, 6], b: [2, 3, 5, 6], transposeA: false, transposeB: true },
];

// tfjs 4.22's matMul gradient does not reduce broadcast batch dimensions (on any backend),
// so broadcasting is checked on the product alone; and the cpu kernel miscounts the
// output of a two-sided broadcast ([2, 1] against [1, 3] fills 60 of 120 values), so the
// reference broadcasts explicitly first.
const broadcastCases: typeof cases = [
  { a: [3, 4, 6], b: [6, 5], transposeA: false, transposeB: false },
  { a: [3, 6, 4], b: [5, 6], transposeA: true, transposeB: true },
  { a: [2, 1, 4, 6], b: [1, 3, 6, 5], transposeA: false, transposeB: false },
  { a: [4, 6], b: [2, 6, 5], transposeA: false, transposeB: false },
  { a: [6, 4], b: [2, 2, 5, 6], transposeA: true, transposeB: true },
];

for (const [i, c] of cases.entries()) {
  const label = `matMul a=[${c.a}]${c.transposeA ? "^T" : ""} b=[${c.b}]${
    c.transposeB ? "^T" : ""
  }`;
  Deno.test(`${label}: product and gradients on wasm match cpu`, async () => {
    // The gradients of a matMul are matMuls with transposed operands, so this drives the
    // kernel forwards and backwards.
    await assertGradientsMatchCpu(
      label,
      (a, b) => tf.square(tf.matMul(a, b, c.transposeA, c.transposeB)),
      [c.a, c.b],
      700 + i,
    );
  });
}

for (const [i, c] of broadcastCases.entries()) {
  const label = `matMul a=[${c.a}]${c.transposeA ? "^T" : ""} b=[${c.b}]${
    c.transposeB ? "^T" : ""
  }`;
  Deno.test(`${label}: broadcast product on wasm matches cpu`, async () => {
    const inputs = [c.a, c.b].map((shape, j) => randomInput(seededRandom(800 + 10 * i + j), shape));
    const f = (a: tf.Tensor, b: tf.Tensor) => tf.matMul(a, b, c.transposeA, c.transposeB);
    const reference = (a: tf.Tensor, b: tf.Tensor) => {
      const outer = tf.broadcast_util.assertAndGetBroadcastShape(
        a.shape.slice(0, -2),
        b.shape.slice(0, -2),
      );
      return f(
        tf.broadcastTo(a, [...outer, ...a.shape.slice(-2)]),
        tf.broadcastTo(b, [...outer, ...b.shape.slice(-2)]),
      );
    };
    assertClose(
      await valuesOn("wasm", f, inputs),
      await valuesOn("cpu", reference, inputs),
      label,
    );
  });
}

Deno.test("matMul with a wrong inner size names the shapes", async () => {
  await tf.setBackend("wasm");
  tf.tidy(() => {
    assert.throws(
      () => tf.matMul(tf.ones([2, 3]), tf.ones([4, 5]), true, false),
      /inner/,
    );
  });
});
