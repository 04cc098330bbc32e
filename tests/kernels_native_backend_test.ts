/**
 * The native backend's own bookkeeping: recycled output buffers never change a tensor
 * that is still alive (slices share buffers; arrays handed out by dataSync are copies),
 * lazy outputs compute only when read and free what they held either way, the buffer
 * pool's counting and trimming, and primitives that outlive their cache entry while a
 * backward primitive needs them.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { BufferPool } from "../lib/kernels/native/buffer_pool.ts";
import { ALG, ARG } from "../lib/kernels/native/abi.ts";
import { eltwiseBackwardDesc, eltwiseForwardDesc } from "../lib/kernels/native/descriptors.ts";
import { PrimitiveCache, primitives } from "../lib/kernels/native/kernel_util.ts";
import { memoryDesc, plain } from "../lib/kernels/native/memory_desc.ts";
import { Primitive } from "../lib/kernels/native/primitive.ts";
import { nativeSkip, useNativeAndCpu } from "./kernels_native_helpers.ts";

if (!nativeSkip) await useNativeAndCpu();

const ignore = nativeSkip !== undefined;

async function onNative<T>(f: () => T | Promise<T>): Promise<T> {
  const previous = tf.getBackend();
  await tf.setBackend("native");
  try {
    return await f();
  } finally {
    await tf.setBackend(previous);
  }
}

Deno.test("BufferPool recycles a buffer only when its last holder lets go", () => {
  const pool = new BufferPool(64);
  const a = pool.take(16);
  assert.ok(pool.owns(a));
  pool.retain(a);
  pool.retain(a);
  pool.release(a);
  assert.notEqual(pool.take(16), a, "still held once: not recycled");
  pool.release(a);
  assert.equal(pool.freeBytes, 16);
  assert.equal(pool.take(16), a, "free: recycled");
  assert.equal(pool.freeBytes, 0);
  // Beyond maxFreeBytes the free lists are trimmed.
  const many = Array.from({ length: 6 }, () => pool.take(16));
  for (const b of many) {
    pool.retain(b);
    pool.release(b);
  }
  assert.ok(pool.freeBytes <= 64);
  assert.ok(!pool.owns(new ArrayBuffer(16)));
});

Deno.test({
  name: "a slice that shares a freed tensor's buffer keeps its values",
  ignore,
  async fn() {
    await onNative(() => {
      const x = tf.randomNormal([64, 64], 0, 1, "float32", 1);
      const y = tf.relu(x); // a pooled buffer
      const top = tf.slice(y, [0, 0], [32, 64]); // cpu slice: a view of y's buffer
      const expected = top.dataSync().slice();
      y.dispose();
      const others = Array.from({ length: 4 }, () => tf.neg(x)); // same size as y
      assert.deepEqual(top.dataSync(), expected);
      tf.dispose([x, top, ...others]);
    });
  },
});

Deno.test({
  name: "dataSync of a pooled tensor is a copy that outlives the tensor",
  ignore,
  async fn() {
    await onNative(() => {
      const x = tf.randomNormal([50, 50], 0, 1, "float32", 2);
      const y = tf.relu(x);
      const values = y.dataSync();
      const expected = Float32Array.from(values);
      y.dispose();
      const others = Array.from({ length: 4 }, () => tf.neg(x));
      assert.deepEqual(values, expected);
      tf.dispose([x, ...others]);
    });
  },
});

Deno.test({
  name: "a conv input gradient nobody reads is never computed, and frees what it held",
  ignore,
  async fn() {
    await onNative(() => {
      const backend = tf.backend();
      const dataBefore = backend.numDataIds();
      const key = (k: { key: string }) => k.key.includes("bwd_data") && k.key.includes("3,11,13,5");
      const dy = tf.randomNormal([3, 9, 11, 4], 0, 1, "float32", 3);
      const filter = tf.randomNormal([3, 3, 5, 4], 0, 1, "float32", 4);
      const attrs = { inputShape: [3, 11, 13, 5], strides: 1, pad: "valid", dataFormat: "NHWC" };
      const unread = tf.engine().runKernel("Conv2DBackpropInput", { dy, filter }, attrs as never);
      tf.dispose([dy, filter, unread as tf.Tensor]);
      assert.ok(!primitives.describe().some(key), "no backward-data primitive was made");
      assert.equal(backend.numDataIds(), dataBefore, "dy and filter were freed with it");

      const dy2 = tf.randomNormal([3, 9, 11, 4], 0, 1, "float32", 3);
      const filter2 = tf.randomNormal([3, 3, 5, 4], 0, 1, "float32", 4);
      const read = tf.engine().runKernel("Conv2DBackpropInput", {
        dy: dy2,
        filter: filter2,
      }, attrs as never) as tf.Tensor;
      tf.dispose([dy2, filter2]); // the lazy output holds their data
      const values = read.dataSync();
      assert.ok(primitives.describe().some(key), "read: computed");
      assert.ok(values.some((v) => v !== 0));
      read.dispose();
      assert.equal(backend.numDataIds(), dataBefore);
    });
  },
});

Deno.test({
  name: "a primitive cache may evict a forward primitive that a backward one still needs",
  ignore,
  fn() {
    const cache = new PrimitiveCache(1);
    const md = memoryDesc(plain([300]));
    const forward = cache.get(
      "relu forward",
      () =>
        new Primitive(eltwiseForwardDesc(ALG.eltwiseRelu, md), {
          operands: [{ arg: ARG.src, desc: md }, { arg: ARG.dst, desc: md, output: true }],
        }),
    );
    const backward = cache.get(
      "relu backward",
      () =>
        new Primitive(eltwiseBackwardDesc(ALG.eltwiseRelu, md, md), {
          operands: [
            { arg: ARG.diffDst, desc: md },
            { arg: ARG.src, desc: md },
            { arg: ARG.diffSrc, desc: md, output: true },
          ],
          hint: forward,
        }),
    ); // evicts (destroys) the forward primitive: freed only with the backward one
    assert.equal(cache.size, 1);
    const x = Float32Array.from({ length: 300 }, (_, i) => i - 150);
    const dy = new Float32Array(300).fill(2);
    const dx = new Float32Array(300);
    backward.run([dy, x, dx]);
    assert.deepEqual(Array.from(dx.subarray(148, 153)), [0, 0, 0, 2, 2]);
    cache.clear();
    assert.equal(cache.size, 0);
  },
});
