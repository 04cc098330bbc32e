import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { normRelError, numericGradient, relError } from "../lib/gradcheck.ts";
import {
  BATCHNORM_TRAIN_KERNEL,
  batchnormForwardRows,
  batchnormKernelsActive,
} from "../lib/kernels/wasm/mod.ts";
import { spatialBatchnorm } from "../lib/layers/batchnorm.ts";
import { randomValues, seededRandom, useWasmAndCpu } from "./kernels_helpers.ts";

await useWasmAndCpu();

const EPS = 1e-5;

async function on<T>(backend: string, f: () => T | Promise<T>): Promise<T> {
  const previous = tf.getBackend();
  await tf.setBackend(backend);
  try {
    return await f();
  } finally {
    await tf.setBackend(previous);
  }
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

Deno.test("batchnormForwardRows: known mean, biased variance and output", () => {
  const y = new Float32Array(4);
  const mean = new Float32Array(2);
  const variance = new Float32Array(2);
  // Columns [1, 3] and [2, 6]: means 2 and 4, variances 1 and 4.
  batchnormForwardRows(
    new Float32Array([1, 2, 3, 6]),
    2,
    2,
    new Float32Array([2, 1]),
    new Float32Array([0, 10]),
    EPS,
    y,
    mean,
    variance,
  );
  assert.deepEqual(Array.from(mean), [2, 4]);
  assert.deepEqual(Array.from(variance), [1, 4]);
  const expected = [-2 / Math.sqrt(1 + EPS), 10 - 2 / Math.sqrt(4 + EPS), 2 / Math.sqrt(1 + EPS)];
  for (let i = 0; i < 3; i++) assert.ok(Math.abs(y[i] - expected[i]) < 1e-6, `y[${i}] = ${y[i]}`);
});

Deno.test("the batchnorm kernels are active on wasm only", async () => {
  assert.equal(await on("wasm", batchnormKernelsActive), true);
  assert.equal(await on("cpu", batchnormKernelsActive), false);
});

/** Forward, running statistics and gradients of spatialBatchnorm on one backend. */
async function spatialRun(backend: string, shape: number[], seed: number) {
  return await on(backend, () => {
    const random = seededRandom(seed);
    const C = shape[3];
    const size = shape.reduce((a, b) => a * b, 1);
    // Mean far from 0 relative to the spread: the statistics must not cancel.
    const x = tf.add(tf.mul(tf.tensor(randomValues(random, size), shape), 3), 5);
    const dout = tf.tensor(randomValues(random, size), shape);
    const gamma = tf.tensor1d(randomValues(random, C));
    const beta = tf.tensor1d(randomValues(random, C));
    const runningMean = tf.variable(tf.zeros([C]), false);
    const runningVar = tf.variable(tf.ones([C]), false);
    const before = tf.memory().numTensors;
    const f = (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) =>
      tf.sum(tf.mul(
        spatialBatchnorm(x, gamma, beta, { training: true, runningMean, runningVar }),
        dout,
      ));
    const { value, grads } = tf.valueAndGrads(f)([x, gamma, beta]);
    const out = tf.tidy(() =>
      spatialBatchnorm(x, gamma, beta, { training: true, runningMean, runningVar })
    );
    const result = {
      loss: value.dataSync()[0],
      out: out.dataSync(),
      dx: grads[0].dataSync(),
      dgamma: grads[1].dataSync(),
      dbeta: grads[2].dataSync(),
      runningMean: runningMean.dataSync(),
      runningVar: runningVar.dataSync(),
    };
    tf.dispose([value, ...grads, out]);
    const leaked = tf.memory().numTensors - before;
    tf.dispose([x, dout, gamma, beta, runningMean, runningVar]);
    return { ...result, leaked };
  });
}

for (const shape of [[2, 5, 5, 3], [4, 7, 7, 8], [3, 1, 1, 5]]) {
  Deno.test(`spatialBatchnorm on wasm (kernels) matches cpu (tf ops), ${shape}`, async () => {
    const wasm = await spatialRun("wasm", shape, 11);
    const cpu = await spatialRun("cpu", shape, 11);
    assert.equal(wasm.leaked, 0, "wasm leaked tensors");
    // float32 results of the same float64-exact formulas in a different order.
    assert.ok(maxAbsDiff(wasm.out, cpu.out) < 1e-4, "out");
    assert.ok(maxAbsDiff(wasm.runningMean, cpu.runningMean) < 1e-5, "runningMean");
    assert.ok(maxAbsDiff(wasm.runningVar, cpu.runningVar) < 1e-4, "runningVar");
    assert.ok(normRelError(wasm.dx, cpu.dx) < 1e-4, `dx ${normRelError(wasm.dx, cpu.dx)}`);
    assert.ok(normRelError(wasm.dgamma, cpu.dgamma) < 1e-4, "dgamma");
    assert.ok(normRelError(wasm.dbeta, cpu.dbeta) < 1e-5, "dbeta");
  });
}

Deno.test("spatialBatchnorm on wasm: gradients match numeric gradients (relError < 1e-2)", async () => {
  await on("wasm", () => {
    const random = seededRandom(5);
    const shape = [2, 3, 3, 4];
    const size = 72;
    const x = tf.add(tf.mul(tf.tensor(randomValues(random, size), shape), 2), 1);
    const dout = tf.tensor(randomValues(random, size), shape);
    const gamma = tf.tensor1d([1.5, -0.5, 0.75, 2]);
    const beta = tf.tensor1d([0.1, -0.2, 0.3, 0]);
    const stats = () => ({
      training: true,
      runningMean: tf.variable(tf.zeros([4]), false),
      runningVar: tf.variable(tf.ones([4]), false),
    });
    const options = stats();
    const loss = (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) =>
      tf.sum(tf.mul(spatialBatchnorm(x, gamma, beta, options), dout));
    const grads = tf.grads(loss)([x, gamma, beta]);
    const numeric = [
      numericGradient((v) => loss(v, gamma, beta), x),
      numericGradient((v) => loss(x, v, beta), gamma),
      numericGradient((v) => loss(x, gamma, v), beta),
    ];
    ["dx", "dgamma", "dbeta"].forEach((name, i) => {
      const error = relError(grads[i].dataSync(), numeric[i]);
      assert.ok(error < 1e-2, `${name}: relError ${error}`);
    });
    tf.dispose([x, dout, gamma, beta, ...grads, options.runningMean, options.runningVar]);
  });
});

Deno.test("the batchnorm kernel rejects a non-2-D x, naming the shape", async () => {
  await on("wasm", () => {
    const x = tf.zeros([2, 2, 2]);
    const c = tf.zeros([2]);
    assert.throws(
      () => tf.engine().runKernel(BATCHNORM_TRAIN_KERNEL, { x, gamma: c, beta: c }, { eps: EPS }),
      /NnlabBatchnormTrain x shape.*\[2,2,2\].*2-D/,
    );
    tf.dispose([x, c]);
  });
});
