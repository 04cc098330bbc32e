import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { useWasmAndCpu } from "./kernels_helpers.ts";

await useWasmAndCpu();

async function onWasm<T>(f: () => T | Promise<T>): Promise<T> {
  const previous = tf.getBackend();
  await tf.setBackend("wasm");
  try {
    return await f();
  } finally {
    await tf.setBackend(previous);
  }
}

Deno.test("wasm Identity shares the buffer: no new buffer, and each tensor outlives the other", async () => {
  await onWasm(() => {
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
    const buffers = tf.memory().numDataBuffers;
    const y = tf.clone(x);
    assert.equal(tf.memory().numDataBuffers, buffers, "the clone has no buffer of its own");
    assert.deepEqual(y.shape, [2, 3]);
    x.dispose();
    assert.deepEqual(Array.from(y.dataSync()), [1, 2, 3, 4, 5, 6]);
    const z = tf.clone(y);
    y.dispose();
    assert.deepEqual(Array.from(z.dataSync()), [1, 2, 3, 4, 5, 6]);
    z.dispose();
  });
});

Deno.test("wasm Identity: a variable assigned after a clone leaves the clone unchanged", async () => {
  await onWasm(() => {
    const v = tf.variable(tf.tensor1d([1, 2, 3]));
    const snapshot = tf.clone(v);
    v.assign(tf.tensor1d([7, 8, 9]));
    assert.deepEqual(Array.from(snapshot.dataSync()), [1, 2, 3]);
    assert.deepEqual(Array.from(v.dataSync()), [7, 8, 9]);
    snapshot.dispose();
    v.dispose();
  });
});

Deno.test("wasm Identity: gradients that save tensors (clones) match the cpu backend, no leak", async () => {
  const f = (x: tf.Tensor) => tf.sum(tf.mul(tf.sigmoid(tf.mul(x, x)), tf.exp(x)));
  const values = [0.5, -1, 2, 0.25, -0.75, 1.5];
  const grad = async (backend: string) => {
    const previous = tf.getBackend();
    await tf.setBackend(backend);
    try {
      const x = tf.tensor1d(values);
      const before = tf.memory().numTensors;
      const g = tf.grad(f)(x);
      const out = Array.from(await g.data());
      g.dispose();
      assert.equal(tf.memory().numTensors, before, `${backend}: tensors leaked`);
      x.dispose();
      return out;
    } finally {
      await tf.setBackend(previous);
    }
  };
  const [wasm, cpu] = [await grad("wasm"), await grad("cpu")];
  for (let i = 0; i < values.length; i++) {
    assert.ok(Math.abs(wasm[i] - cpu[i]) <= 1e-5 * (1 + Math.abs(cpu[i])), `${wasm} vs ${cpu}`);
  }
});
