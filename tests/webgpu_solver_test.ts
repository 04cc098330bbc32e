/**
 * The Solver's reads, on cpu and on webgpu: the loss comes back once per print interval
 * (and each accuracy check once), with the same losses as reading every iteration and no
 * synchronous read of device memory; a non-finite loss or gradient stops the run at the
 * exact iteration, with the parameters of the last finite one; 100 iterations leave no
 * tensor and no GPU memory behind; accuracy counted on the device equals a count on the
 * host.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import type { LabeledImages } from "../lib/data/types.ts";
import { FullyConnectedNet } from "../lib/models/fc_net.ts";
import { lossAndGrads, type Model } from "../lib/models/model.ts";
import { DivergedError, Solver, type SolverOptions } from "../lib/train/solver.ts";
import { randomInput, seededRandom, webgpuSuite } from "./webgpu_helpers.ts";

/** A small classification set: 40 examples of 6 features, 3 classes. */
function dataset(seed: number): LabeledImages {
  const random = seededRandom(seed);
  const x = randomInput(random, [40, 6]).values;
  const y = Int32Array.from({ length: 40 }, (_, i) => (i * 7) % 3);
  return { x, y, shape: [40, 6] };
}

const net = () =>
  new FullyConnectedNet({
    hiddenDims: [8],
    inputDim: 6,
    numClasses: 3,
    normalization: "batchnorm",
    weightScale: 0.3,
    seed: 1,
  });

/** Counts the backend's reads while `run` runs: async ones, and sync ones of device memory. */
async function countReads<T>(run: () => Promise<T>) {
  const backend = tf.backend() as tf.KernelBackend & {
    tensorMap?: { get(id: object): { values?: unknown } };
  };
  const { read, readSync } = backend;
  const counts = { read: 0, deviceReadSync: 0 };
  backend.read = (dataId) => {
    counts.read++;
    return read.call(backend, dataId);
  };
  backend.readSync = (dataId) => {
    // On webgpu a tensor still holding its host values reads without the GPU; anything
    // else would stall (and fails under Deno).
    if (backend.tensorMap?.get(dataId)?.values == null && tf.getBackend() === "webgpu") {
      counts.deviceReadSync++;
    }
    return readSync.call(backend, dataId);
  };
  try {
    return { result: await run(), counts };
  } finally {
    backend.read = read;
    backend.readSync = readSync;
  }
}

/**
 * Scores X W (W: 6 x 3) and, as its loss, mean(scores^2): at learning rate 1e5 the
 * gradient steps overflow float32 within a few iterations. From call `badGradientAt` on
 * (1-based), the gradient of b is NaN while the loss stays finite.
 */
function quadraticModel(
  badGradientAt = Infinity,
): Model & { values(): Promise<number[]>; dispose(): void } {
  const W = tf.variable(tf.tensor2d(randomInput(seededRandom(3), [6, 3]).values, [6, 3]));
  const b = tf.variable(tf.zeros([3]));
  let calls = 0;
  const scores = (X: tf.Tensor) => tf.add(tf.matMul(X as tf.Tensor2D, W), b) as tf.Tensor2D;
  return {
    params: { W, b },
    scores,
    loss(X) {
      const poison = ++calls >= badGradientAt ? NaN : 1;
      // b's gradient times `poison`, computed on the device: no host branch on values.
      const poisoned = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
        const value = args[0] as tf.Tensor;
        return { value: tf.clone(value), gradFunc: (dy: tf.Tensor) => tf.mul(dy, poison) };
      });
      return lossAndGrads({ W, b }, () =>
        tf.tidy(() => {
          const out = tf.add(tf.matMul(X as tf.Tensor2D, W), poisoned(b) as tf.Tensor);
          return tf.mean(tf.square(out)) as tf.Scalar;
        }));
    },
    async values() {
      return [...await W.data(), ...await b.data()];
    },
    dispose() {
      tf.dispose([W, b]);
    },
  };
}

const quiet: SolverOptions = { verbose: false, batchSize: 8 };

function registerTests(backend: "cpu" | "webgpu") {
  const train = dataset(11);
  const data = { train, val: dataset(12) };

  Deno.test(`Solver on ${backend}: one read per print interval and per accuracy check, same losses as reading every iteration`, async () => {
    await tf.setBackend(backend);
    const options = { ...quiet, updateRule: "adam", numEpochs: 5 }; // 5 iterations an epoch
    const every = net();
    const reference = await new Solver(every, data, { ...options, printEvery: 1 }).train();
    every.dispose();
    const deferred = net();
    const reported: number[] = [];
    const { result, counts } = await countReads(() =>
      new Solver(deferred, data, {
        ...options,
        printEvery: 10,
        onIteration: ({ iteration }) => void reported.push(iteration),
      }).train()
    );
    deferred.dispose();
    const { lossHistory } = result.history;
    assert.equal(lossHistory.length, 25);
    assert.ok(lossHistory.every(Number.isFinite));
    assert.deepEqual(lossHistory, reference.history.lossHistory);
    assert.deepEqual(result.history.valAccHistory, reference.history.valAccHistory);
    assert.deepEqual(reported, Array.from({ length: 25 }, (_, i) => i + 1), "every iteration once");
    // On webgpu the loss at iterations 1, 11, 21 (print lines) and 5, 10, 15, 20, 25 (epoch
    // ends); on cpu none (its loss log reads each loss in place, a read there being the
    // tensor's own array); train and val accuracy at epochs 0..5 on both.
    assert.equal(counts.read, (backend === "webgpu" ? 8 : 0) + 12);
    assert.equal(counts.deviceReadSync, 0, "no synchronous read of device memory");
    await tf.setBackend("cpu");
  });

  Deno.test(`Solver on ${backend}: a loss that overflows stops the run at the exact iteration, parameters of the last finite one`, async () => {
    await tf.setBackend(backend);
    // 10 iterations an epoch; the loss overflows at iteration 5.
    const options = { ...quiet, batchSize: 4, numEpochs: 3, optimConfig: { learningRate: 1e5 } };
    const stepwise = quadraticModel();
    const caught = await new Solver(stepwise, data, { ...options, printEvery: 1 }).train()
      .then(() => undefined, (error) => error);
    const deferred = quadraticModel();
    const error = await new Solver(deferred, data, { ...options, printEvery: 20 }).train()
      .then(() => undefined, (error) => error);
    try {
      assert.ok(caught instanceof DivergedError, String(caught));
      assert.ok(error instanceof DivergedError, String(error));
      assert.equal(error.iteration, 5);
      const reads = [1, 10, 20, 21, 30];
      assert.ok(!reads.includes(error.iteration), `iteration ${error.iteration} is a read point`);
      assert.equal(error.iteration, caught.iteration, "the same iteration as reading every step");
      assert.ok(!Number.isFinite(error.loss));
      assert.equal(error.learningRate, 1e5);
      assert.match(error.message, /^run "run": loss became (NaN|Infinity) at iteration \d+/);
      assert.deepEqual(error.history.lossHistory, caught.history.lossHistory);
      assert.equal(error.history.lossHistory.length, error.iteration - 1);
      // The iterations after the bad one ran, but changed no parameter.
      const [kept, expected] = [await deferred.values(), await stepwise.values()];
      assert.deepEqual(kept, expected);
      assert.ok(kept.every(Number.isFinite));
    } finally {
      stepwise.dispose();
      deferred.dispose();
      await tf.setBackend("cpu");
    }
  });

  Deno.test(`Solver on ${backend}: a NaN gradient between reads stops the run at its iteration, naming the parameter`, async () => {
    await tf.setBackend(backend);
    const options = { ...quiet, name: "nan grad", optimConfig: { learningRate: 1e-2 } };
    const stepwise = quadraticModel(7);
    const deferred = quadraticModel(7);
    try {
      await new Solver(stepwise, data, { ...options, printEvery: 1 }).train().catch(() => {});
      const error = await new Solver(deferred, data, { ...options, printEvery: 100 }).train()
        .then(() => undefined, (error) => error);
      assert.ok(error instanceof DivergedError, String(error));
      assert.match(
        error.message,
        /^run "nan grad": the gradient of b became non-finite at iteration 7 \(loss [\d.]+, learning rate 0\.01\)$/,
      );
      assert.equal(error.parameter, "b");
      assert.equal(error.history.lossHistory.length, 6);
      assert.equal(error.history.trainAccHistory.length, 2, "epochs 0 and 1 were checked");
      // Iterations 7 to 10 ran before the read at the epoch's end, but changed nothing.
      assert.deepEqual(await deferred.values(), await stepwise.values());
    } finally {
      stepwise.dispose();
      deferred.dispose();
      await tf.setBackend("cpu");
    }
  });

  Deno.test(`Solver on ${backend}: 100 iterations leave no tensor or device memory behind`, async () => {
    await tf.setBackend(backend);
    const model = net();
    const before = tf.memory().numTensors;
    const samples: tf.MemoryInfo[] = [];
    const noVal = { x: new Float32Array(0), y: new Int32Array(0), shape: [0, 6] };
    await new Solver(model, { train, val: noVal }, {
      ...quiet,
      updateRule: "adam",
      numEpochs: 20, // 5 iterations an epoch
      numTrainSamples: 8,
      printEvery: 10,
      onEpoch: () => void samples.push(tf.memory()),
    }).train();
    assert.equal(samples.length, 21);
    // From epoch 1 on, Adam's state exists: nothing may grow after that.
    for (const [epoch, sample] of samples.slice(1).entries()) {
      const [gpu, first] = [sample, samples[1]] as (tf.MemoryInfo & { numBytesInGPU?: number })[];
      assert.equal(sample.numTensors, first.numTensors, `tensors at epoch ${epoch + 1}`);
      assert.equal(sample.numBytes, first.numBytes, `bytes at epoch ${epoch + 1}`);
      assert.equal(gpu.numBytesInGPU, first.numBytesInGPU, `GPU bytes at epoch ${epoch + 1}`);
    }
    assert.equal(tf.memory().numTensors, before, "after training: only the model's tensors");
    model.dispose();
    await tf.setBackend("cpu");
  });

  Deno.test(`Solver on ${backend}: accuracy counted on the device equals a count on the host`, async () => {
    await tf.setBackend(backend);
    const model = net();
    const solver = new Solver(model, data, quiet);
    const counted = await solver.checkAccuracy(train, null, 16);
    const scores = model.scores(tf.tensor(train.x, train.shape), { training: false });
    const predicted = await tf.argMax(scores, 1).data();
    const correct = train.y.filter((label, i) => predicted[i] === label).length;
    assert.equal(counted, correct / 40);
    assert.ok(counted > 0 && counted < 1, `an untrained net gets some right: ${counted}`);
    tf.dispose(scores);
    model.dispose();
    await tf.setBackend("cpu");
  });
}

registerTests("cpu");
webgpuSuite("Solver on webgpu", () => registerTests("webgpu"));
