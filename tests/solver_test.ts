import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import type { LabeledImages } from "../lib/data/types.ts";
import { type LossAndGrads, lossAndGrads, type Model } from "../lib/models/model.ts";
import { type OptimConfig, sgd, stepDecay } from "../lib/train/optim.ts";
import { Progress, type ProgressOutput } from "../lib/train/progress.ts";
import { Random } from "../lib/random.ts";
import { DivergedError, Solver, type SolverOptions } from "../lib/train/solver.ts";
import { useTestBackend } from "./helpers.ts";

await useTestBackend();

/**
 * A stand-in model built from raw tf ops: affine - relu - affine - softmax, so the Solver
 * is tested without depending on lib/layers. Records the mode of every scores() call.
 */
class TwoLayerNet implements Model {
  readonly params: Record<string, tf.Variable>;
  readonly modes: boolean[] = [];

  constructor(
    inputDim: number,
    hiddenDim: number,
    numClasses: number,
    seed: number,
    weightScale = 0.5,
  ) {
    const random = new Random(seed);
    const normal = (rows: number, cols: number) =>
      tf.variable(tf.tensor2d(random.normalArray(rows * cols, 0, weightScale), [rows, cols]));
    this.params = {
      W1: normal(inputDim, hiddenDim),
      b1: tf.variable(tf.zeros([hiddenDim])),
      W2: normal(hiddenDim, numClasses),
      b2: tf.variable(tf.zeros([numClasses])),
    };
  }

  scores(X: tf.Tensor, { training = false } = {}): tf.Tensor2D {
    this.modes.push(training);
    return this.#forward(X);
  }

  #forward(X: tf.Tensor): tf.Tensor2D {
    const { W1, b1, W2, b2 } = this.params;
    return tf.tidy(() =>
      tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(X as tf.Tensor2D, W1), b1)), W2), b2)
    );
  }

  loss(X: tf.Tensor, y: tf.Tensor1D): LossAndGrads {
    const numClasses = this.params.b2.shape[0];
    return lossAndGrads(
      this.params,
      () => tf.losses.softmaxCrossEntropy(tf.oneHot(y, numClasses), this.#forward(X)) as tf.Scalar,
    );
  }

  dispose() {
    tf.dispose(Object.values(this.params));
  }

  values(): Record<string, number[]> {
    return Object.fromEntries(
      Object.entries(this.params).map(([k, p]) => [k, Array.from(p.dataSync())]),
    );
  }
}

/** Three Gaussian blobs in 4 dimensions, well separated: `n` examples. */
function blobs(n: number, seed: number, relabel = (label: number) => label): LabeledImages {
  const random = new Random(seed);
  const centres = [[2, 0, 0, 0], [0, 2, 0, 0], [0, 0, 2, -1]];
  const x = new Float32Array(n * 4);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const label = i % 3;
    for (let d = 0; d < 4; d++) x[i * 4 + d] = centres[label][d] + random.normal(0, 0.5);
    y[i] = relabel(label);
  }
  return { x, y, shape: [n, 4] };
}

const data = { train: blobs(50, 1), val: blobs(30, 2) };
const quiet: SolverOptions = { verbose: false };

Deno.test("Solver drives 50 examples to training accuracy 1.0; history lengths follow the epochs", async () => {
  const model = new TwoLayerNet(4, 16, 3, 0);
  const solver = new Solver(model, data, {
    ...quiet,
    updateRule: "adam",
    optimConfig: { learningRate: 2e-2 },
    numEpochs: 15,
    batchSize: 10,
  });
  const result = await solver.train();
  const { lossHistory, trainAccHistory, valAccHistory } = result.history;
  assert.equal(solver.iterationsPerEpoch, 5); // floor(50 / 10)
  assert.equal(result.iterations, 75);
  assert.equal(lossHistory.length, 75);
  assert.equal(trainAccHistory.length, 16); // epoch 0 before training, then each epoch
  assert.equal(valAccHistory.length, 16);
  assert.equal(Math.max(...trainAccHistory), 1);
  assert.equal(result.bestValAcc, Math.max(...valAccHistory));
  assert.ok(
    lossHistory.at(-1)! < lossHistory[0] / 4,
    `loss ${lossHistory[0]} -> ${lossHistory.at(-1)}`,
  );
  // The restored (best) parameters are what checkAccuracy now sees.
  assert.equal(await solver.checkAccuracy(data.val, null), result.bestValAcc);
  for (const key of ["dataMs", "forwardMs", "backwardMs", "updateMs"] as const) {
    assert.ok(Number.isFinite(result.timings[key]) && result.timings[key] >= 0, key);
  }
  // Accuracy is checked in evaluation mode only.
  assert.ok(model.modes.length > 0 && model.modes.every((training) => training === false));
  model.dispose();
});

Deno.test("the same seed gives the same run; another seed other minibatches", async () => {
  const run = async (seed: number) => {
    const model = new TwoLayerNet(4, 8, 3, 0);
    const options = {
      ...quiet,
      numEpochs: 2,
      batchSize: 10,
      seed,
      optimConfig: { learningRate: 0.1 },
    };
    const { history } = await new Solver(model, data, options).train();
    model.dispose();
    return history.lossHistory;
  };
  const first = await run(3);
  assert.deepEqual(await run(3), first);
  assert.notDeepEqual(await run(4), first);
});

/** An sgd that records the learning rate it was given at every step. */
function recordingSgd(rates: number[]) {
  return (w: tf.Tensor, dw: tf.Tensor, config: OptimConfig = {}): [tf.Tensor, OptimConfig] => {
    rates.push(config.learningRate!);
    return sgd(w, dw, config);
  };
}

Deno.test("lrDecay multiplies the learning rate after every epoch; a schedule sets it", async () => {
  const model = new TwoLayerNet(4, 8, 3, 0);
  const rates: number[] = [];
  const epochRates: number[] = [];
  await new Solver(model, data, {
    ...quiet,
    updateRule: recordingSgd(rates),
    optimConfig: { learningRate: 0.08 },
    lrDecay: 0.5,
    numEpochs: 3,
    batchSize: 25, // 2 iterations per epoch
    onEpoch: ({ learningRate }) => {
      epochRates.push(learningRate);
    },
  }).train();
  // Four parameters, each updated twice per epoch.
  const expected = [0.08, 0.04, 0.02].flatMap((lr) => new Array(8).fill(lr));
  assert.deepEqual(rates.map((r) => +r.toPrecision(12)), expected);
  assert.deepEqual(epochRates.map((r) => +r.toPrecision(12)), [0.08, 0.04, 0.02, 0.01]);

  const stepRates: number[] = [];
  await new Solver(model, data, {
    ...quiet,
    updateRule: recordingSgd(stepRates),
    optimConfig: { learningRate: 1 },
    lrDecay: stepDecay(2, 0.1),
    numEpochs: 4,
    batchSize: 50, // 1 iteration per epoch
  }).train();
  const perEpoch = stepRates.filter((_, i) => i % 4 === 0).map((r) => +r.toPrecision(12));
  assert.deepEqual(perEpoch, [1, 1, 0.1, 0.1]);
  model.dispose();
});

Deno.test("the rule's default learning rate is the base of the decay", () => {
  const model = new TwoLayerNet(4, 8, 3, 0);
  assert.equal(new Solver(model, data, { ...quiet, updateRule: "adam" }).baseLearningRate, 1e-3);
  assert.equal(new Solver(model, data, { ...quiet, updateRule: "rmsprop" }).baseLearningRate, 1e-2);
  model.dispose();
});

Deno.test("the best parameters by validation accuracy are restored at the end", async () => {
  // Validation labels are the training classes shifted by one, so learning the training
  // set makes validation accuracy fall: the best epoch is an early one, not the last.
  const shifted = { train: data.train, val: blobs(30, 2, (label) => (label + 1) % 3) };
  const model = new TwoLayerNet(4, 16, 3, 5, 0.01);
  const snapshots: Record<string, number[]>[] = [];
  let lastIterate: Record<string, number[]> = {};
  const result = await new Solver(model, shifted, {
    ...quiet,
    updateRule: "adam",
    optimConfig: { learningRate: 5e-2 },
    numEpochs: 6,
    batchSize: 10,
    onEpoch: () => {
      snapshots.push(model.values());
    },
    onIteration: () => {
      lastIterate = model.values();
    },
  }).train();
  const { valAccHistory } = result.history;
  const bestEpoch = valAccHistory.indexOf(Math.max(...valAccHistory));
  assert.ok(bestEpoch < valAccHistory.length - 1, `val acc ${valAccHistory} peaks at the end`);
  assert.deepEqual(model.values(), snapshots[bestEpoch]);
  assert.notDeepEqual(model.values(), lastIterate);
  assert.equal(result.bestValAcc, valAccHistory[bestEpoch]);
  model.dispose();
});

/** Wraps a model so that its loss is `value` from the `badCall`-th call on. */
function lossBecomes(model: TwoLayerNet, badCall: number, value: number): Model {
  let calls = 0;
  return {
    params: model.params,
    scores: (X, options) => model.scores(X, options),
    loss: (X, y) => {
      const result = model.loss(X, y);
      if (++calls < badCall) return result;
      result.loss.dispose();
      return { ...result, loss: tf.scalar(value) };
    },
  };
}

Deno.test("a NaN loss stops the run with a DivergedError naming run, iteration and learning rate", async () => {
  const model = new TwoLayerNet(4, 8, 3, 0);
  const before = tf.memory().numTensors;
  const solver = new Solver(lossBecomes(model, 12, NaN), data, {
    ...quiet,
    name: "sgd lr=1e+1",
    optimConfig: { learningRate: 10 },
    numEpochs: 10,
    batchSize: 10,
  });
  const error = await solver.train().then(() => null, (e) => e);
  assert.ok(error instanceof DivergedError, String(error));
  assert.equal(
    error.message,
    'run "sgd lr=1e+1": loss became NaN at iteration 12 (learning rate 10)',
  );
  assert.equal(error.run, "sgd lr=1e+1");
  assert.equal(error.iteration, 12);
  assert.equal(error.learningRate, 10);
  assert.equal(error.history.lossHistory.length, 11);
  assert.equal(error.history.valAccHistory.length, 3); // epochs 0, 1 and 2 (5 iterations each)
  // Optimizer state, gradients and best-parameter copies are all released.
  assert.equal(tf.memory().numTensors, before);
  model.dispose();
});

Deno.test("an Infinity loss and a real divergence (huge learning rate) stop the run too", async () => {
  const model = new TwoLayerNet(4, 8, 3, 0);
  const infinite = new Solver(lossBecomes(model, 3, Infinity), data, {
    ...quiet,
    name: "inf",
    optimConfig: { learningRate: 0.5 },
    lrDecay: 0.5,
    batchSize: 25,
  });
  await assert.rejects(
    () => infinite.train(),
    { message: 'run "inf": loss became Infinity at iteration 3 (learning rate 0.25)' },
  );
  const blowUp = new Solver(model, data, {
    ...quiet,
    name: "huge",
    optimConfig: { learningRate: 1e30 },
  });
  const error = await blowUp.train().then(() => null, (e) => e);
  assert.ok(error instanceof DivergedError, String(error));
  assert.match(
    error.message,
    /^run "huge": loss became (NaN|Infinity) at iteration \d+ \(learning rate 1e\+30\)$/,
  );
  model.dispose();
});

/** Wraps a model so that the gradient of `param` holds a NaN from the `badCall`-th call on. */
function gradientBecomesNaN(model: TwoLayerNet, badCall: number, param: string): Model {
  let calls = 0;
  return {
    params: model.params,
    scores: (X, options) => model.scores(X, options),
    loss: (X, y) => {
      const result = model.loss(X, y);
      if (++calls < badCall) return result;
      const grad = result.grads[param];
      const poisoned = tf.tidy(() => {
        const values = grad.dataSync().slice();
        values[values.length - 1] = NaN;
        return tf.tensor(values, grad.shape);
      });
      grad.dispose();
      return { ...result, grads: { ...result.grads, [param]: poisoned } };
    },
  };
}

Deno.test("a non-finite gradient with a finite loss stops the run and names the parameter", async () => {
  const model = new TwoLayerNet(4, 8, 3, 0);
  const before = model.values();
  const solver = new Solver(gradientBecomesNaN(model, 1, "b2"), data, {
    ...quiet,
    name: "nan grad",
    optimConfig: { learningRate: 0.1 },
    batchSize: 10,
  });
  const error = await solver.train().then(() => null, (e) => e);
  assert.ok(error instanceof DivergedError, String(error));
  assert.match(
    error.message,
    /^run "nan grad": the gradient of b2 became non-finite at iteration 1 \(loss [\d.]+, learning rate 0\.1\)$/,
  );
  assert.equal(error.parameter, "b2");
  assert.deepEqual(model.values(), before, "no parameter was updated with the bad gradient");
  model.dispose();
});

Deno.test("without a validation split the Solver keeps the final parameters and records no val", async () => {
  const model = new TwoLayerNet(4, 8, 3, 0);
  const epochs: (number | null)[] = [];
  let last: Record<string, number[]> = {};
  const result = await new Solver(model, {
    train: data.train,
    val: { ...data.val, x: new Float32Array(0), y: new Int32Array(0), shape: [0, 4] },
  }, {
    ...quiet,
    numEpochs: 3,
    batchSize: 10,
    optimConfig: { learningRate: 0.1 },
    onEpoch: (summary) => void epochs.push(summary.valAcc),
    onIteration: () => {
      last = model.values();
    },
  }).train();
  assert.deepEqual(result.history.valAccHistory, []);
  assert.equal(result.history.trainAccHistory.length, 4);
  assert.ok(Number.isNaN(result.bestValAcc));
  assert.deepEqual(epochs, [null, null, null, null]);
  assert.deepEqual(model.values(), last, "the final parameters stay");
  model.dispose();
});

Deno.test("no tensor leaks: the tensor count after N iterations equals the count after 1", async () => {
  for (const rule of ["sgd", "sgd_momentum", "adam"]) {
    const model = new TwoLayerNet(4, 8, 3, 0);
    const before = tf.memory().numTensors;
    const counts: number[] = [];
    await new Solver(model, data, {
      ...quiet,
      updateRule: rule,
      numEpochs: 6,
      batchSize: 10,
      onIteration: () => {
        counts.push(tf.memory().numTensors);
      },
    }).train();
    assert.equal(counts.length, 30);
    assert.deepEqual(counts, new Array(30).fill(counts[0]), `${rule}: ${counts}`);
    // After training the Solver holds nothing: optimizer state and best copies are freed.
    assert.equal(tf.memory().numTensors, before, rule);
    model.dispose();
  }
});

/** Collects what the progress reporter writes. */
function capture(isTerminal: boolean): ProgressOutput & { text: () => string } {
  const chunks: string[] = [];
  return { write: (text) => void chunks.push(text), isTerminal, text: () => chunks.join("") };
}

Deno.test("progress: plain lines every printEvery iterations and each epoch; silent unless verbose", async () => {
  const model = new TwoLayerNet(4, 8, 3, 0);
  const plain = capture(false);
  await new Solver(model, data, {
    name: "demo",
    numEpochs: 2,
    batchSize: 10,
    printEvery: 4,
    progress: (plan) => new Progress({ ...plan, verbose: true, output: plain }),
  })
    .train();
  const lines = plain.text().trimEnd().split("\n");
  const iterationLines = lines.filter((line) => line.includes("(Iteration"));
  assert.deepEqual(iterationLines.map((line) => line.match(/Iteration (\d+) \/ 10/)?.[1]), [
    "1",
    "5",
    "9",
  ]);
  assert.equal(lines.filter((line) => line.startsWith("demo (Epoch")).length, 3);
  assert.match(
    lines[0],
    /^demo \(Epoch 0 \/ 2\) train acc: [01]\.\d{4}; val acc: [01]\.\d{4}; lr: 1\.00e-2$/,
  );
  assert.ok(!plain.text().includes("\r"));

  const terminal = capture(true);
  await new Solver(model, data, {
    name: "bar",
    numEpochs: 2,
    batchSize: 10,
    progress: (plan) => new Progress({ ...plan, verbose: true, output: terminal }),
  }).train();
  // The last iteration is always drawn, in place: carriage return, erase line, bar.
  const drawn = terminal.text().split("\r\u001b[2K");
  assert.ok(drawn.length > 1, "the bar is redrawn with \\r");
  const lastBar = /^bar epoch 2\/2 \[#{20}\] 10\/10 loss \d+\.\d{4} \| [\d.]+ it\/s \| ETA 0:00$/;
  assert.ok(drawn.some((chunk) => lastBar.test(chunk)), JSON.stringify(drawn));
  // ... and the epoch line then replaces it.
  assert.match(drawn.at(-1)!, /^bar \(Epoch 2 \/ 2\) train acc/);
  assert.ok(terminal.text().endsWith("\n"));

  const silent = capture(false);
  await new Solver(model, data, {
    verbose: false,
    numEpochs: 1,
    progress: (plan) => new Progress({ ...plan, verbose: true, output: silent }),
  }).train();
  assert.equal(silent.text(), "", "verbose: false silences even a given progress display");

  // Without a display, the Solver prints cs231n's plain lines itself.
  const printed: string[] = [];
  const log = console.log;
  console.log = (line: string) => void printed.push(line);
  try {
    await new Solver(model, data, { name: "own", numEpochs: 1, batchSize: 10, printEvery: 2 })
      .train();
  } finally {
    console.log = log;
  }
  assert.deepEqual(printed.filter((l) => l.includes("Iteration")).map((l) => l.split(")")[0]), [
    "own (Iteration 1 / 5",
    "own (Iteration 3 / 5",
    "own (Iteration 5 / 5",
  ]);
  assert.match(printed[0], /^own \(Epoch 0 \/ 1\) train acc: [01]\.\d{4}; val acc: [01]\.\d{4}$/);
  model.dispose();
});

Deno.test("bad options and data are rejected with the name and the value", async () => {
  const model = new TwoLayerNet(4, 8, 3, 0);
  assert.throws(
    () => new Solver(model, data, { updateRule: "foo" }),
    /^Error: updateRule: got "foo"; expected one of "sgd"/,
  );
  assert.throws(() => new Solver(model, data, { batchSize: 0 }), {
    message: "batchSize: got 0; expected an integer in [1, inf)",
  });
  assert.throws(() => new Solver(model, data, { numEpochs: 1.5 }), /numEpochs: got 1.5/);
  assert.throws(() => new Solver(model, data, { numTrainSamples: -3 }), /numTrainSamples: got -3/);
  assert.throws(
    () => new Solver(model, data, { lrDecay: 2 }),
    /lrDecay: got 2; expected a number in \(0, 1\]/,
  );
  assert.throws(
    () => new Solver(model, data, { batch_size: 10 } as SolverOptions),
    /options: got "batch_size"; expected one of updateRule, optimConfig/,
  );
  const truncated = { ...data.train, y: data.train.y.subarray(0, 40) };
  assert.throws(
    () => new Solver(model, { train: truncated, val: data.val }),
    /data\.train\.shape: got \[50, 4\]/,
  );
  const otherWidth = { x: new Float32Array(30 * 5), y: new Int32Array(30), shape: [30, 5] };
  const badLabels = { ...data.val, y: data.val.y.map((label, i) => (i === 7 ? 3 : label)) };
  // The model scores 3 classes: label 3 is caught before training, naming split and index.
  await assert.rejects(
    () => new Solver(model, { train: data.train, val: badLabels }, quiet).train(),
    { message: "data.val.y[7]: got 3; expected a class index in [0, 2]" },
  );
  assert.throws(
    () => new Solver(model, { train: data.train, val: otherWidth }),
    /data\.val\.shape: got \[30, 5\]; expected \[any, 4\]/,
  );
  model.dispose();
});
