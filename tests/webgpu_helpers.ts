/**
 * Shared set-up of the webgpu tests: start the webgpu backend (any adapter, lavapipe
 * included: these tests check correctness, not speed) with every op on the GPU, run a computation on webgpu and on
 * cpu from the same host data, read both back asynchronously (webgpu under Deno has no
 * synchronous readback), and compare within a stated bound.
 *
 * Without an adapter each test file registers one ignored test whose name says why,
 * instead of its tests; with NNLAB_REQUIRE_WEBGPU=1 (CI, after installing lavapipe) a
 * missing adapter is a failing test instead.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { loadWebgpuBackend, type WebgpuInfo } from "../lib/kernels/webgpu/mod.ts";

/** The webgpu backend of this test process, or why there is none. */
export const webgpu: { info?: WebgpuInfo; reason: string } = await (async () => {
  try {
    const info = await loadWebgpuBackend({ allowSoftware: true });
    // tfjs-backend-webgpu runs ops on small tensors whose values are still on the host with
    // the cpu kernels; the small test tensors would then compare cpu with cpu.
    tf.env().set("WEBGPU_CPU_FORWARD", false);
    await tf.setBackend("cpu");
    // Without this, the cpu backend's first tensor prints a banner about tfjs-node.
    (tf.backend() as { firstUse?: boolean }).firstUse = false;
    return { info, reason: "" };
  } catch (error) {
    return { reason: error instanceof Error ? error.message : String(error) };
  }
})();

/**
 * Registers a file's webgpu tests, or, without an adapter, one test that says so: ignored
 * normally, failing when NNLAB_REQUIRE_WEBGPU=1.
 */
export function webgpuSuite(suite: string, register: () => void): void {
  if (webgpu.info) return register();
  if (Deno.env.get("NNLAB_REQUIRE_WEBGPU") === "1") {
    Deno.test(`${suite}: webgpu is required (NNLAB_REQUIRE_WEBGPU=1) but cannot start`, () => {
      throw new Error(webgpu.reason);
    });
    return;
  }
  Deno.test({
    name: `${suite}: ignored, no WebGPU adapter (${webgpu.reason})`,
    ignore: true,
    fn() {},
  });
}

/** A tensor as host data: values and shape, free of any backend. */
export interface HostTensor {
  values: Float32Array;
  shape: number[];
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

/** A random input of `shape`, uniform in [-scale, scale). */
export function randomInput(random: () => number, shape: number[], scale = 1): HostTensor {
  const size = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(size);
  for (let i = 0; i < size; i++) values[i] = scale * (2 * random() - 1);
  return { values, shape };
}

/**
 * Runs `compute` on `backend` and reads every tensor it returns, asynchronously; the
 * tensors are freed. `compute` must build its inputs from host data: a tensor made on one
 * backend and used on the other would be moved by a synchronous read.
 */
export async function readOn(
  backend: "cpu" | "webgpu",
  compute: () => tf.Tensor[] | Record<string, tf.Tensor>,
): Promise<Record<string, Float32Array>> {
  await tf.setBackend(backend);
  const out = tf.tidy(() => {
    const result = compute();
    return Array.isArray(result)
      ? Object.fromEntries(result.map((t, i) => [String(i), t]))
      : result;
  });
  try {
    const read: Record<string, Float32Array> = {};
    for (const [name, tensor] of Object.entries(out)) {
      read[name] = Float32Array.from(await tensor.data());
    }
    return read;
  } finally {
    tf.dispose(Object.values(out));
  }
}

/**
 * Every value and gradient of `f(...inputs)` from one forward pass: the output, then
 * d(sum(out * dout))/d input for each input, dout drawn from `doutSeed`. Keys "out", "d0",
 * "d1", ...
 */
export function valueAndGradients(
  f: (...inputs: tf.Tensor[]) => tf.Tensor,
  inputs: HostTensor[],
  doutSeed: number,
): () => Record<string, tf.Tensor> {
  return () => {
    const tensors = inputs.map((h) => tf.tensor(h.values, h.shape));
    let out: tf.Tensor | undefined;
    const { grads } = tf.valueAndGrads((...xs: tf.Tensor[]) => {
      out = tf.keep(f(...xs));
      const dout = tf.tensor(randomInput(seededRandom(doutSeed), out.shape).values, out.shape);
      return tf.sum(tf.mul(out, dout));
    })(tensors);
    return { out: out!, ...Object.fromEntries(grads.map((g, i) => [`d${i}`, g])) };
  };
}

/** A comparison bound: |webgpu - cpu| <= abs + rel * max|cpu| for every element. */
export interface Tolerance {
  rel: number;
  abs: number;
}

/**
 * The bound for a single layer. Both backends compute in float32 but reduce in different
 * orders (tiled matrix products, workgroup trees) and lavapipe's exp/erf/tanh differ from
 * JavaScript's in the last bits, so elements differ by a few ulps of the largest partial
 * sums: 2e-5 of the tensor's scale is ~150 ulps, while a wrong index, a missing term or a
 * wrong formula moves elements by O(1) of the scale.
 */
export const LAYER_TOLERANCE: Tolerance = { rel: 2e-5, abs: 1e-6 };

/**
 * Asserts that every named array of `actual` (webgpu) matches `expected` (cpu) within
 * `tolerance`, reporting the worst element.
 */
export function assertAllClose(
  label: string,
  actual: Record<string, Float32Array>,
  expected: Record<string, Float32Array>,
  tolerance: Tolerance = LAYER_TOLERANCE,
): void {
  assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort(), `${label}: keys`);
  for (const [name, want] of Object.entries(expected)) {
    const got = actual[name];
    assert.equal(got.length, want.length, `${label} ${name}: length`);
    let scale = 0;
    for (const v of want) scale = Math.max(scale, Math.abs(v));
    const bound = tolerance.abs + tolerance.rel * scale;
    let worst = 0, at = -1;
    for (let i = 0; i < want.length; i++) {
      const err = Math.abs(got[i] - want[i]);
      if (!(err <= worst)) [worst, at] = [err, i];
    }
    assert.ok(
      worst <= bound,
      `${label} ${name}: |webgpu - cpu| = ${worst} at ${at} (webgpu ${got[at]}, cpu ${want[at]}) ` +
        `exceeds ${bound.toExponential(2)} (scale ${scale.toExponential(2)})`,
    );
  }
}

/**
 * Computes `f`'s output and input gradients on both backends from the same seeded
 * inputs and asserts they agree.
 */
export async function assertMatchesCpu(
  label: string,
  f: (...inputs: tf.Tensor[]) => tf.Tensor,
  shapes: number[][],
  seed: number,
  tolerance: Tolerance = LAYER_TOLERANCE,
): Promise<void> {
  const inputs = shapes.map((shape, i) => randomInput(seededRandom(seed + 7919 * i), shape));
  const compute = valueAndGradients(f, inputs, seed - 1);
  const onCpu = await readOn("cpu", compute);
  const onGpu = await readOn("webgpu", compute);
  assertAllClose(label, onGpu, onCpu, tolerance);
}
