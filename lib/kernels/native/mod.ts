/**
 * The `native` backend: TensorFlow.js kernels on oneDNN (libdnnl, the CPU kernel library
 * under PyTorch) through Deno FFI. {@linkcode loadNativeBackend} is the entry point.
 *
 * Architecture. The backend is tfjs-backend-cpu's MathBackendCPU (backend.ts) with every
 * heavy kernel replaced by a oneDNN primitive that works on the tensors' own memory:
 * convolutions (plain and depthwise, forward and both gradients), pooling, matrix
 * products, elementwise, broadcasting binary ops, reductions, batch and layer
 * normalization, GELU, and the update rules; the cpu kernels serve the rest (small
 * tensors, integer ops, the loss on (N, 10) scores). Chosen over extending
 * tfjs-backend-wasm, by these measurements (2-core AMD EPYC with AVX-512, one thread):
 *
 * - A tensor of the cpu backend is a JavaScript TypedArray, which Deno FFI hands to C as
 *   a pointer to its backing store (which V8 does not move): no copy, no address
 *   arithmetic. A wasm tensor is an offset into the wasm heap, whose base address is
 *   stable only while the memory is shared (threaded build) or never grows.
 * - The catch of the cpu backend is its elementwise kernels, JavaScript loops: a relu of
 *   802,816 floats took 4.4-18 ms against 0.08-0.10 ms in oneDNN and 0.10 ms in
 *   tfjs-wasm's SIMD kernels (16.7M floats: 111-365 ms, 19 ms, 18 ms; the last two are
 *   memory-bound). Routing every float32 op above 256 elements to oneDNN removes it: with
 *   it, elementwise ops run as fast as wasm's.
 * - The per-op cost through tfjs, which dominates small steps (fcnet: ~250 ops a step,
 *   PyTorch 4.6 ms for all of it): a 1,000-element add cost 9 us on this backend against
 *   19 us on wasm, measured in the same run. A oneDNN call through FFI costs 0.2-0.5 us.
 * - No 4 GB wasm heap (the ConvNeXt study at batch 128 holds ~1.1 GB), memory that can be
 *   given back, and one thread pool (oneDNN's OpenMP) instead of wasm's pthreads and
 *   OpenMP competing for the same two cores.
 *
 * What the numbers then decided, kernel by kernel (each file says more):
 *
 * - Filters in oneDNN's own blocked layout (`format_tag_any`, reordered on the way in),
 *   images in tfjs's NHWC: 3x3 convolutions 2-4x faster than im2col + GEMM on tfjs's
 *   layout (128x28x28x8: forward 9.9 -> 2.3-3.0 ms, filter gradient 9.5 -> 2.0-2.6 ms).
 * - Output buffers recycled (buffer_pool.ts): a fresh 5.5 MB output costs ~3 ms of page
 *   faults, a recycled one 0.17 ms; fewer dead buffers waiting for V8's collector also
 *   keeps the resident set down (ConvNeXt at batch 128: 1.1 GB steady state).
 * - Batch normalization described as an NHWC image rather than (M, C): oneDNN's jit
 *   kernel instead of its reference one, 111 -> 0.25 ms (M = 100352, C = 8).
 * - Sums over rows as products with a vector of ones: 13 -> 0.1 ms for a bias gradient
 *   (oneDNN's reduction primitive has no vectorised kernel for that layout).
 * - Fused kernels for what tfjs computes as chains of elementwise ops: relu's, tanh's and
 *   GELU's gradients, layer norm, batchnorm, SGD and Adam (one kernel instead of up to 14
 *   per parameter, the same bits); conv input gradients computed only when read, since
 *   tfjs's fused conv2d computes the image's gradient that nobody reads.
 * - tfjs frees saved activations and intermediate gradients at the end of the backward
 *   pass; early_release.ts frees each once its node is done, as PyTorch does (ConvNeXt at
 *   batch 128: 2.2 -> 1.5 GB of tensors at the peak).
 *
 * Threads: threads.ts (OpenMP, `--threads`; one thread for small primitives). Results
 * are bitwise reproducible for a given thread count, not across thread counts
 * (tests/kernels_native_determinism_test.ts).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { NativeBackend, registerNativeKernels } from "./backend.ts";
import { installEarlyRelease } from "./early_release.ts";
import { nativeKernelConfigs } from "./kernels.ts";
import { NATIVE_BACKEND } from "./kernel_util.ts";
import { versionString } from "./library.ts";
import { startOneDnn } from "./runtime.ts";
import { setOneDnnThreads, withPassiveWaiting } from "./threads.ts";

/** What {@linkcode loadNativeBackend} started, for the run record. */
export interface NativeBackendInfo {
  backend: "native";
  /** The libdnnl that loaded (a name the loader resolved, or a path). */
  library: string;
  /** oneDNN's version, e.g. "2.6.3". */
  version: string;
  /** oneDNN's CPU threading runtime, e.g. "OpenMP". */
  cpuRuntime: string;
  /** Threads oneDNN runs. */
  threads: number;
}

/** Options of {@linkcode loadNativeBackend}. */
export interface NativeBackendOptions {
  /** Threads for oneDNN; default every core. */
  threads?: number;
}

let loaded: NativeBackendInfo | undefined;

/**
 * Loads oneDNN, registers the `native` tfjs backend and makes it the active one. Throws an
 * Error whose first line says what is missing (no libdnnl and where we looked, a wrong
 * version, a missing function) when oneDNN cannot be used.
 *
 * @example
 * ```ts
 * const info = await loadNativeBackend({ threads: 1 });
 * console.log(`oneDNN ${info.version}, ${info.threads} thread(s)`);
 * ```
 */
export async function loadNativeBackend(
  options: NativeBackendOptions = {},
): Promise<NativeBackendInfo> {
  const threads = options.threads ?? navigator.hardwareConcurrency ?? 1;
  if (!(Number.isInteger(threads) && threads >= 1)) {
    throw new Error(`native backend: threads: got ${threads}; expected an integer >= 1`);
  }
  if (loaded === undefined) {
    const runtime = withPassiveWaiting(startOneDnn);
    const running = setOneDnnThreads(runtime.library, threads);
    registerNativeKernels(nativeKernelConfigs());
    tf.registerBackend(NATIVE_BACKEND, () => new NativeBackend(), 0);
    installEarlyRelease();
    loaded = {
      backend: NATIVE_BACKEND,
      library: runtime.library.path,
      version: versionString(runtime.library.version),
      cpuRuntime: runtime.library.version.cpuRuntime,
      threads: running,
    };
  } else if (options.threads !== undefined && options.threads !== loaded.threads) {
    throw new Error(
      `native backend: already running ${loaded.threads} thread(s); asked for ${options.threads}`,
    );
  }
  if (!(await tf.setBackend(NATIVE_BACKEND))) {
    throw new Error("native backend: tf.setBackend('native') returned false");
  }
  return loaded;
}
