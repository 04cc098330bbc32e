/**
 * Shared set-up for the native backend's tests: the native backend (oneDNN) next to the
 * cpu backend as the reference, host-side inputs, and the comparison bound.
 *
 * Where libdnnl does not load, `nativeSkip` holds the one-line reason and every native
 * test is ignored with it; with NNLAB_REQUIRE_NATIVE=1 (CI sets it, and installs libdnnl2)
 * they fail instead.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { openOneDnn } from "../lib/kernels/native/library.ts";
import { loadNativeBackend } from "../lib/kernels/native/mod.ts";
import { useTestBackend } from "./helpers.ts";
import {
  gradientsOn as gradientsOnBackend,
  type HostTensor,
  seededRandom,
} from "./kernels_helpers.ts";

export { type HostTensor, randomInput, seededRandom } from "./kernels_helpers.ts";

function probeNative(): string | undefined {
  try {
    openOneDnn().close();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** Why the native tests cannot run here, or undefined when they can. */
export const nativeSkip: string | undefined = probeNative();

if (nativeSkip && Deno.env.get("NNLAB_REQUIRE_NATIVE") === "1") {
  throw new Error(`NNLAB_REQUIRE_NATIVE=1 but the native tier cannot load: ${nativeSkip}`);
}
if (nativeSkip) console.log(`native tests ignored: ${nativeSkip}`);

/**
 * Starts the test backend, then makes sure native (one thread, the tests' default: a
 * thread count of its own is the determinism test's business) and cpu can both be
 * selected.
 */
export async function useNativeAndCpu(): Promise<void> {
  await useTestBackend();
  const previous = tf.getBackend();
  await loadNativeBackend(tf.findBackend("native") === null ? { threads: 1 } : {});
  assert.ok(await tf.setBackend("cpu"), "the cpu backend must load for these tests");
  await tf.setBackend(previous);
}

/** Outputs of `f` on `backend`, for inputs made there from host values. */
export async function outputsOn(
  backend: "native" | "cpu",
  f: (...inputs: tf.Tensor[]) => tf.Tensor | tf.Tensor[],
  inputs: HostTensor[],
): Promise<Float32Array[]> {
  const previous = tf.getBackend();
  await tf.setBackend(backend);
  try {
    return tf.tidy(() => {
      const out = f(...inputs.map((h) => tf.tensor(h.values, h.shape)));
      return (Array.isArray(out) ? out : [out]).map((t) => Float32Array.from(t.dataSync()));
    });
  } finally {
    await tf.setBackend(previous);
  }
}

/**
 * Gradients of sum(f(...inputs) * dout) with respect to every input, on `backend`; dout
 * comes from `seed`, the same on both backends.
 */
export function gradientsOn(
  backend: "native" | "cpu",
  f: (...inputs: tf.Tensor[]) => tf.Tensor,
  inputs: HostTensor[],
  seed: number,
): Promise<Float32Array[]> {
  return gradientsOnBackend(backend, f, inputs, seededRandom(seed));
}

/**
 * Asserts `actual` matches `expected` elementwise within `relative` of the largest
 * |expected| (float32 sums in another order differ by a few ulp of the sum's scale, so a
 * bound relative to each element would fail on values that cancel to near zero).
 */
export function assertClose(
  label: string,
  actual: Float32Array,
  expected: Float32Array,
  relative = 1e-5,
): void {
  assert.equal(actual.length, expected.length, `${label}: length`);
  let scale = 0;
  for (const v of expected) scale = Math.max(scale, Math.abs(v));
  const bound = relative * Math.max(scale, 1e-30);
  for (let i = 0; i < expected.length; i++) {
    const error = Math.abs(actual[i] - expected[i]);
    if (!(error <= bound)) {
      assert.fail(
        `${label}: element ${i} is ${actual[i]}, cpu has ${expected[i]} ` +
          `(error ${error.toExponential(2)} > ${bound.toExponential(2)} = ${relative} x max |cpu|)`,
      );
    }
  }
}

/** Runs `f` on both backends and compares every output (twice: the second run gets recycled, dirty buffers). */
export async function assertOutputsMatchCpu(
  label: string,
  f: (...inputs: tf.Tensor[]) => tf.Tensor | tf.Tensor[],
  inputs: HostTensor[],
  relative = 1e-5,
): Promise<void> {
  const expected = await outputsOn("cpu", f, inputs);
  for (const run of ["first", "second"]) {
    const actual = await outputsOn("native", f, inputs);
    assert.equal(actual.length, expected.length, `${label}: outputs`);
    actual.forEach((a, i) =>
      assertClose(`${label} (${run} run) output ${i}`, a, expected[i], relative)
    );
  }
}

/** Compares gradients of f with respect to every input on both backends. */
export async function assertGradientsMatchCpu(
  label: string,
  f: (...inputs: tf.Tensor[]) => tf.Tensor,
  inputs: HostTensor[],
  relative = 1e-5,
): Promise<void> {
  const expected = await gradientsOn("cpu", f, inputs, 7);
  for (const run of ["first", "second"]) {
    const actual = await gradientsOn("native", f, inputs, 7);
    actual.forEach((a, i) =>
      assertClose(`${label} (${run} run) d input ${i}`, a, expected[i], relative)
    );
  }
}
