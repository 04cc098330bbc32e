import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { checkLayerGradients } from "../lib/layers/gradcheck_layer.ts";
import { checkLabelRange } from "../lib/layers/check.ts";
import { softmaxLoss, svmLoss } from "../lib/layers/losses.ts";
import { useTestBackend } from "./helpers.ts";

await useTestBackend();

// cs231n lecture 3's example: scores of a cat, a car and a frog image for the classes
// (cat, car, frog), each image's true class on the diagonal.
const SCORES = [[3.2, 5.1, -1.7], [1.3, 4.9, 2.0], [2.2, 2.5, -3.1]];
const LABELS = [0, 1, 2];

function softmaxLoss64(scores: number[][], labels: number[]): number {
  let total = 0;
  for (const [i, row] of scores.entries()) {
    const max = Math.max(...row);
    const logSum = max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
    total += logSum - row[labels[i]];
  }
  return total / scores.length;
}

Deno.test("softmaxLoss: uniform scores give ln(C); known values", () => {
  for (const C of [2, 10, 100]) {
    const loss = softmaxLoss(tf.zeros([5, C]), tf.tensor1d([0, 1, 1, 0, 1], "int32")).dataSync()[0];
    assert.ok(Math.abs(loss - Math.log(C)) < 1e-5, `C = ${C}: ${loss}`);
  }
  const loss = softmaxLoss(tf.tensor2d(SCORES), tf.tensor1d(LABELS, "int32")).dataSync()[0];
  assert.ok(Math.abs(loss - softmaxLoss64(SCORES, LABELS)) < 1e-5);
  // The cat image alone: -ln(e^3.2 / (e^3.2 + e^5.1 + e^-1.7)) = 2.04 (lecture's value).
  const cat = softmaxLoss(tf.tensor2d([SCORES[0]]), tf.tensor1d([0], "int32")).dataSync()[0];
  assert.ok(Math.abs(cat - 2.0404) < 1e-3, `${cat}`);
  // Large scores do not overflow (log-sum-exp).
  const big = softmaxLoss(tf.tensor2d([[1000, 0]]), tf.tensor1d([1], "int32")).dataSync()[0];
  assert.ok(Math.abs(big - 1000) < 1e-3, `${big}`);
});

Deno.test("svmLoss: known values (lecture: 2.9, 0 and 12.9, mean 5.27)", () => {
  const loss = svmLoss(tf.tensor2d(SCORES), tf.tensor1d(LABELS, "int32")).dataSync()[0];
  assert.ok(Math.abs(loss - (2.9 + 0 + 12.9) / 3) < 1e-5, `${loss}`);
  // Equal scores: every wrong class has margin 1, so the loss is C - 1.
  const uniform = svmLoss(tf.zeros([4, 10]), tf.tensor1d([0, 3, 9, 2], "int32")).dataSync()[0];
  assert.ok(Math.abs(uniform - 9) < 1e-6);
});

Deno.test("losses: gradients with respect to the scores match numeric ones", () => {
  const scores = tf.tensor2d(SCORES);
  const y = tf.tensor1d(LABELS, "int32");
  // Softmax is smooth: truncation h^2 f''' / 6 ~ 1e-5; bound 1e-3 (lib/gradcheck.ts).
  const [dsoftmax] = checkLayerGradients((s) => softmaxLoss(s, y), [scores]);
  assert.ok(dsoftmax.normRelError < 1e-3, `softmax: ${dsoftmax.normRelError}`);
  // Every margin of this example is at least 1.9 from the hinge, so the loss is linear
  // within +-h: only round-off, eps32 * |loss| / h ~ 3e-5 on gradients of 1/3; bound 1e-4.
  const [dsvm] = checkLayerGradients((s) => svmLoss(s, y), [scores]);
  assert.ok(dsvm.normRelError < 1e-4, `svm: ${dsvm.normRelError}`);
  // dsvm/dscores by hand: +1/N per positive margin, -count/N on the true class.
  const expected = [[-1, 1, 0], [0, 0, 0], [1, 1, -2]].flat().map((v) => v / 3);
  const analytic = tf.grad((s: tf.Tensor) => svmLoss(s, y))(scores).dataSync();
  for (let i = 0; i < 9; i++) assert.ok(Math.abs(analytic[i] - expected[i]) < 1e-6);
});

Deno.test("losses: bad labels and scores name the value and what is accepted", () => {
  const scores = tf.zeros([3, 4]);
  for (const [name, loss] of [["softmaxLoss", softmaxLoss], ["svmLoss", svmLoss]] as const) {
    assert.throws(
      () => loss(scores, tf.tensor1d([0, 1, 1])),
      new RegExp(`${name}: y\\.dtype: got "float32"; expected "int32"`),
    );
    assert.throws(
      () => loss(scores, tf.tensor1d([0, 1], "int32")),
      new RegExp(
        `${name}: y\\.shape: got \\[2\\]; expected \\[3\\] \\(one label per row of scores`,
      ),
    );
    assert.throws(
      () => loss(tf.zeros([3]), tf.tensor1d([0, 1, 1], "int32")),
      new RegExp(`${name}: scores\\.shape: got \\[3\\]; expected rank 2`),
    );
  }
  // The losses never read labels back (a GPU would stall); their range is checked once,
  // on the host, where label tensors are made (the Solver does for its data).
  assert.throws(
    () => checkLabelRange("data.train.y", Int32Array.of(0, 4, 1), 4),
    /^Error: data\.train\.y\[1\]: got 4; expected a class index in \[0, 3\]$/,
  );
  assert.throws(() => checkLabelRange("y", Int32Array.of(0, 1, -1), 4), /y\[2\]: got -1/);
  checkLabelRange("y", Int32Array.of(0, 3, 2), 4);
});
