/**
 * The deferred-readback training loop of lib/train_probe, on cpu and on webgpu: the loss
 * history equals a loop that reads every iteration, with one readback per print interval
 * and no synchronous read of device memory; divergence stops the run at the exact
 * iteration with the parameters of the last finite one; 100 iterations leave no tensor
 * and no GPU memory behind; the accuracy counted on the device equals the Solver's.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import type { LabeledImages } from "../lib/data/types.ts";
import { FullyConnectedNet } from "../lib/models/fc_net.ts";
import { Solver } from "../lib/train/solver.ts";
import {
  deviceAccuracy,
  type LossFlush,
  type TrainableModel,
  trainWithDeferredReadback,
} from "../lib/train_probe/mod.ts";
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
    // On webgpu a tensor still holding its host values (fresh labels) reads without the
    // GPU; anything else would stall (and fails under Deno).
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

/** A quadratic whose gradient steps overflow float32 within a few iterations at lr 1e5. */
function explodingModel(): TrainableModel & { w: tf.Variable } {
  const w = tf.variable(tf.tensor2d([[0.5], [-0.25], [1], [0.75], [-1], [0.5]]));
  return {
    w,
    params: { w },
    objective: (X) => tf.mean(tf.square(tf.matMul(X as tf.Tensor2D, w))) as tf.Scalar,
  };
}

function registerTests(backend: "cpu" | "webgpu") {
  const train = dataset(11);

  Deno.test(`train_probe on ${backend}: one readback per print interval, same losses as reading every step`, async () => {
    await tf.setBackend(backend);
    const every = net();
    const reference = await trainWithDeferredReadback(every, train, {
      numIterations: 25,
      printEvery: 1,
      batchSize: 8,
      updateRule: "adam",
    });
    every.dispose();
    const deferred = net();
    const flushes: LossFlush[] = [];
    const { result, counts } = await countReads(() =>
      trainWithDeferredReadback(deferred, train, {
        numIterations: 25,
        printEvery: 10,
        batchSize: 8,
        updateRule: "adam",
        onFlush: (flush) => flushes.push(flush),
      })
    );
    deferred.dispose();
    assert.equal(result.lossHistory.length, 25);
    assert.deepEqual(result.lossHistory, reference.lossHistory);
    assert.ok(result.lossHistory.every(Number.isFinite));
    assert.equal(result.readbacks, 3, "flushes at 10, 20 and 25");
    assert.equal(counts.read, 3, "the only reads are the three flushes");
    assert.equal(counts.deviceReadSync, 0, "no synchronous read of device memory");
    assert.deepEqual(flushes.map((f) => [f.firstIteration, f.losses.length]), [[1, 10], [
      11,
      10,
    ], [21, 5]]);
    await tf.setBackend("cpu");
  });

  Deno.test(`train_probe on ${backend}: divergence stops at the exact iteration, parameters of the last finite one`, async () => {
    await tf.setBackend(backend);
    const options = { numIterations: 30, batchSize: 4, optimConfig: { learningRate: 1e5 } };
    const stepwise = explodingModel();
    const caught = await trainWithDeferredReadback(stepwise, train, { ...options, printEvery: 1 })
      .then(() => undefined, (error) => error);
    const deferred = explodingModel();
    const error = await trainWithDeferredReadback(deferred, train, { ...options, printEvery: 10 })
      .then(() => undefined, (error) => error);
    try {
      assert.equal(caught?.name, "DivergedError", String(caught));
      assert.equal(error?.name, "DivergedError", String(error));
      assert.ok(error.iteration > 1 && error.iteration <= 30);
      assert.equal(error.iteration, caught.iteration, "the same iteration as reading every step");
      assert.ok(!Number.isFinite(error.loss));
      assert.equal(error.learningRate, 1e5);
      assert.match(error.message, /^run "run": loss became (NaN|Infinity) at iteration \d+/);
      assert.deepEqual(error.history.lossHistory, caught.history.lossHistory);
      assert.equal(error.history.lossHistory.length, error.iteration - 1);
      // The iterations after the bad one ran, but changed no parameter.
      const [kept, expected] = [await deferred.w.data(), await stepwise.w.data()];
      assert.deepEqual(Array.from(kept), Array.from(expected));
      assert.ok(Array.from(kept).every(Number.isFinite));
    } finally {
      tf.dispose([stepwise.w, deferred.w]);
      await tf.setBackend("cpu");
    }
  });

  Deno.test(`train_probe on ${backend}: 100 iterations leave no tensor or device memory behind`, async () => {
    await tf.setBackend(backend);
    const model = net();
    const before = tf.memory().numTensors;
    const samples: tf.MemoryInfo[] = [];
    await trainWithDeferredReadback(model, train, {
      numIterations: 100,
      printEvery: 10,
      batchSize: 8,
      updateRule: "adam",
      onFlush: () => samples.push(tf.memory()),
    });
    assert.equal(samples.length, 10);
    // From the first flush on, Adam's state exists: nothing may grow after that.
    for (const sample of samples.slice(1)) {
      assert.equal(sample.numTensors, samples[0].numTensors);
      assert.equal(sample.numBytes, samples[0].numBytes);
      const gpu = sample as tf.MemoryInfo & { numBytesInGPU?: number };
      const first = samples[0] as typeof gpu;
      assert.equal(gpu.numBytesInGPU, first.numBytesInGPU, "live GPU bytes");
    }
    assert.equal(tf.memory().numTensors, before, "after training: only the model's tensors");
    model.dispose();
    await tf.setBackend("cpu");
  });

  Deno.test(`train_probe on ${backend}: accuracy counted on the device equals the Solver's`, async () => {
    await tf.setBackend(backend);
    const model = net();
    const counted = await deviceAccuracy(model, train, undefined, 16);
    const some = Int32Array.from([3, 5, 8, 13, 21, 34]);
    const countedSome = await deviceAccuracy(model, train, some, 4);
    await tf.setBackend("cpu");
    const reference = net();
    const solver = new Solver(reference, { train, val: train }, { verbose: false });
    assert.equal(counted, solver.checkAccuracy(train, null, 16));
    const subset = {
      x: new Float32Array(some.length * 6),
      y: new Int32Array(some.length),
      shape: [6, 6],
    };
    some.forEach((row, i) => {
      subset.x.set(train.x.subarray(row * 6, row * 6 + 6), i * 6);
      subset.y[i] = train.y[row];
    });
    assert.equal(countedSome, solver.checkAccuracy(subset, null));
    assert.ok(counted > 0 && counted < 1, `an untrained net gets some right: ${counted}`);
    model.dispose();
    reference.dispose();
  });
}

registerTests("cpu");
webgpuSuite("train_probe on webgpu", () => registerTests("webgpu"));
