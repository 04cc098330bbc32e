/**
 * The threaded wasm build under Deno gives the single-threaded results.
 *
 * One process holds one wasm backend, so each thread count runs in its own subprocess
 * (`deno eval`) that computes the same ops on the same inputs and prints the outputs'
 * bytes. XNNPACK splits work across threads by output tiles, each tile summed in the
 * same order, so 2 threads must agree with 1 to float32 rounding: we assert a relative
 * error <= 1e-6 (a race or a dropped tile shows up as errors of order 1).
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { startThreadedWasm } from "../lib/kernels/wasm/threads.ts";

const repoRoot = fileURLToPath(new URL("../", import.meta.url));

/**
 * Child program: starts wasm with the thread count in argv, runs the ops, prints JSON.
 * Inputs come from a fixed linear congruential sequence so both children see the same
 * numbers without relying on tfjs's seeded random ops.
 */
const childSource = `
import * as tf from "@tensorflow/tfjs";
import workerThreads from "node:worker_threads";
import os from "node:os";
const worker = globalThis.Worker, nodeWorker = workerThreads.Worker, cpus = os.cpus;
const { initBackend } = await import("./lib/backend/init.ts");
const info = await initBackend({ backend: "wasm", threads: Number(Deno.args[0]) });
let state = 12345;
function uniform(shape) {
  const size = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    values[i] = state / 2 ** 32 - 0.5;
  }
  return tf.tensor(values, shape);
}
const x = uniform([3, 17, 19, 8]);
const outputs = {
  matMul: tf.matMul(uniform([67, 130]), uniform([130, 45])),
  conv2dSame: tf.conv2d(x, uniform([3, 3, 8, 16]), 1, "same"),
  conv2dStride2: tf.conv2d(x, uniform([3, 3, 8, 12]), 2, "valid"),
  fusedConv2d: tf.fused.conv2d({ x, filter: uniform([1, 1, 8, 24]), strides: 1, pad: "valid",
    bias: uniform([24]), activation: "relu" }),
  depthwise7x7: tf.depthwiseConv2d(x, uniform([7, 7, 8, 1]), 1, "same"),
  maxPool: tf.maxPool(x, 2, 2, "valid"),
  avgPool: tf.avgPool(x, 3, 2, "same"),
};
const encoded = {};
for (const [name, t] of Object.entries(outputs)) {
  const bytes = new Uint8Array((await t.data()).buffer);
  encoded[name] = { shape: t.shape, bytes: btoa(String.fromCharCode(...bytes)) };
}
console.log(JSON.stringify({
  threads: info.threads, simd: info.simd, outputs: encoded,
  globalsRestored: globalThis.Worker === worker && workerThreads.Worker === nodeWorker &&
    os.cpus === cpus,
}));
`;

interface ChildResult {
  threads: number;
  simd: boolean;
  globalsRestored: boolean;
  outputs: Record<string, { shape: number[]; bytes: string }>;
}

async function runChild(threads: number): Promise<ChildResult> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--ext=js", childSource, String(threads)],
    cwd: repoRoot,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const err = new TextDecoder().decode(stderr);
  assert.equal(code, 0, `child with ${threads} thread(s) failed:\n${err}`);
  const lines = new TextDecoder().decode(stdout).trim().split("\n");
  return JSON.parse(lines[lines.length - 1]);
}

function floats(base64: string): Float32Array {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return new Float32Array(bytes.buffer);
}

Deno.test("2 threads give the single-threaded results for matMul, conv, depthwise, pools", async () => {
  const [single, threaded] = await Promise.all([runChild(1), runChild(2)]);
  assert.equal(single.threads, 1);
  assert.equal(threaded.threads, 2, "the threaded build must really run 2 threads");
  assert.ok(threaded.simd, "the threaded build is the SIMD one");
  assert.ok(threaded.globalsRestored, "Worker, worker_threads.Worker and os.cpus restored");
  assert.deepEqual(Object.keys(threaded.outputs), Object.keys(single.outputs));
  for (const [name, expected] of Object.entries(single.outputs)) {
    const got = threaded.outputs[name];
    assert.deepEqual(got.shape, expected.shape, name);
    const a = floats(got.bytes);
    const b = floats(expected.bytes);
    assert.ok(b.some((v) => v !== 0), `${name}: the single-threaded output is not all zeros`);
    let scale = 0;
    let maxError = 0;
    for (let i = 0; i < b.length; i++) {
      scale = Math.max(scale, Math.abs(b[i]));
      maxError = Math.max(maxError, Math.abs(a[i] - b[i]));
    }
    assert.ok(maxError <= 1e-6 * scale, `${name}: max error ${maxError}, scale ${scale}`);
  }
});

Deno.test("startThreadedWasm rejects thread counts outside 1..8 before touching the backend", async () => {
  const setBackend = () => Promise.reject(new Error("must not be called"));
  await assert.rejects(
    startThreadedWasm(0, setBackend),
    /threads: got 0; expected an integer in \[1, 8\]/,
  );
  await assert.rejects(startThreadedWasm(9, setBackend), /threads: got 9/);
  await assert.rejects(startThreadedWasm(1.5, setBackend), /threads: got 1.5/);
});
