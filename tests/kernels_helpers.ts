/**
 * Shared set-up for the lib/kernels tests: the wasm backend with nnlab's kernels next to
 * the cpu backend as the reference, seeded random data, and the comparison bound.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import * as tfWasm from "@tensorflow/tfjs-backend-wasm";
import assert from "node:assert/strict";
import { wasmBinaryDir } from "../lib/backend/init.ts";
import { registerWasmKernels } from "../lib/kernels/wasm/mod.ts";
import { useTestBackend } from "./helpers.ts";

/**
 * Starts the test backend, then makes sure wasm (with our kernels) and cpu can both be
 * selected, whichever tier the test backend is.
 */
export async function useWasmAndCpu(): Promise<void> {
  await useTestBackend();
  const previous = tf.getBackend();
  if (tf.findBackend("wasm") === null) {
    tfWasm.setWasmPaths(wasmBinaryDir());
    registerWasmKernels();
  }
  registerWasmKernels();
  assert.ok(await tf.setBackend("wasm"), "the wasm backend must load for these tests");
  assert.ok(await tf.setBackend("cpu"), "the cpu backend must load for these tests");
  await tf.setBackend(previous);
}

/** A small seeded generator (mulberry32), so a failing case can be rerun exactly. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `size` values uniform in [-1, 1). */
export function randomValues(random: () => number, size: number): Float32Array {
  const values = new Float32Array(size);
  for (let i = 0; i < size; i++) values[i] = 2 * random() - 1;
  return values;
}

/** One input of a function under test: its values and shape, free of any backend. */
export interface HostTensor {
  values: Float32Array;
  shape: number[];
}

/** A random input of the given shape. */
export function randomInput(random: () => number, shape: number[]): HostTensor {
  return { values: randomValues(random, shape.reduce((a, b) => a * b, 1)), shape };
}

/**
 * Gradients of sum(f(...inputs) * dout) with respect to every input, computed on
 * `backend`, read back to the host.
 */
export async function gradientsOn(
  backend: "wasm" | "cpu" | "native",
  f: (...inputs: tf.Tensor[]) => tf.Tensor,
  inputs: HostTensor[],
  random: () => number,
): Promise<Float32Array[]> {
  const previous = tf.getBackend();
  await tf.setBackend(backend);
  try {
    return tf.tidy(() => {
      const tensors = inputs.map((h) => tf.tensor(h.values, h.shape));
      const out = f(...tensors);
      // dout depends only on the seed state, identical on both backends when the caller
      // passes a fresh generator with the same seed.
      const dout = tf.tensor(randomValues(random, out.size), out.shape);
      const grads = tf.grads((...xs: tf.Tensor[]) => f(...xs))(tensors, dout);
      return grads.map((g) => g.dataSync() as Float32Array);
    });
  } finally {
    await tf.setBackend(previous);
  }
}

/** f(...inputs) computed on `backend`, read back to the host. */
export async function valuesOn(
  backend: "wasm" | "cpu",
  f: (...inputs: tf.Tensor[]) => tf.Tensor,
  inputs: HostTensor[],
): Promise<Float32Array> {
  const previous = tf.getBackend();
  await tf.setBackend(backend);
  try {
    return tf.tidy(() =>
      f(...inputs.map((h) => tf.tensor(h.values, h.shape))).dataSync() as Float32Array
    );
  } finally {
    await tf.setBackend(previous);
  }
}

/**
 * The bound every kernel test asserts: |wasm - cpu| <= ABS_TOL + REL_TOL * max|cpu| for
 * each element. Both backends compute in float32 but sum in different orders (XNNPACK's
 * blocked GEMM against the cpu backend's direct loops), so elements differ by a few ulps
 * of the largest partial sums. With sums of up to ~10^3 terms of magnitude ~1, 1e-5 of the
 * gradient's scale is about 100 ulps: loose enough for reordering, far too tight for a
 * wrong index (which moves elements by O(1) of the scale).
 */
export const REL_TOL = 1e-5;
/** See {@linkcode REL_TOL}. */
export const ABS_TOL = 1e-6;

/** Asserts {@linkcode REL_TOL}; reports the worst element. */
export function assertClose(actual: Float32Array, expected: Float32Array, label: string): void {
  assert.equal(actual.length, expected.length, `${label}: length`);
  let scale = 0;
  for (const v of expected) scale = Math.max(scale, Math.abs(v));
  const bound = ABS_TOL + REL_TOL * scale;
  let worst = 0, at = -1;
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i] - expected[i]);
    if (!(err <= worst)) [worst, at] = [err, i];
  }
  assert.ok(
    worst <= bound,
    `${label}: |wasm - cpu| = ${worst} at ${at} (wasm ${actual[at]}, cpu ${expected[at]}) ` +
      `exceeds ${bound.toExponential(2)} (scale ${scale.toExponential(2)})`,
  );
}

/**
 * Runs `f` on wasm and on cpu with the same seeded inputs and asserts every gradient
 * agrees within {@linkcode REL_TOL}.
 */
export async function assertGradientsMatchCpu(
  label: string,
  f: (...inputs: tf.Tensor[]) => tf.Tensor,
  shapes: number[][],
  seed: number,
): Promise<void> {
  const inputs = shapes.map((shape, i) => randomInput(seededRandom(seed + 7919 * i), shape));
  const onWasm = await gradientsOn("wasm", f, inputs, seededRandom(seed - 1));
  const onCpu = await gradientsOn("cpu", f, inputs, seededRandom(seed - 1));
  onCpu.forEach((expected, i) => assertClose(onWasm[i], expected, `${label} input ${i}`));
}
