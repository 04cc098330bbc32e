/**
 * Keeping NaN through the wasm backend's XNNPACK convolutions and fused activations.
 *
 * XNNPACK clamps every convolution output to [outputMin, outputMax], and its wasm SIMD
 * clamp maps NaN to the lower bound: -Infinity for a linear convolution, 0 with a fused
 * relu. So a NaN produced inside a layer (Inf - Inf after an overflow, a NaN input) leaves
 * it as -Infinity, and the next relu turns that into 0: a diverged run looks finite. The
 * cpu backend keeps the NaN.
 *
 * The clamp cannot be turned off from JavaScript, but it can be undone: negation is exact
 * in floating point (round-to-nearest is symmetric), so conv(-x) + (-bias) = -(conv(x) +
 * bias) bit for bit wherever the result is a number, and an infinity keeps its sign. A NaN
 * clamped to -Infinity in both runs comes out as -Infinity and +Infinity: the two runs
 * disagree exactly where the true result is NaN. The second run happens only when the first
 * has a non-finite value, which a healthy run never has: its cost there is one pass over
 * the output.
 *
 * Fused activations are applied after the linear convolution (or product), relu and relu6
 * by this folder's NaN-keeping kernel, the others (leakyrelu, prelu, elu, sigmoid) by the
 * stock kernels, which keep NaN.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { asTensor, stockKernel } from "./registry.ts";
import { reluOnHeap } from "./relu.ts";
import { allFinite } from "../finite.ts";
import { markFinite } from "./known_finite.ts";

/** Frees a kernel output: a raw TensorInfo of the backend, or a tensor made inside a kernel. */
function release(info: tf.TensorInfo, backend: BackendWasm): void {
  if (info instanceof tf.Tensor) info.dispose();
  else backend.disposeData(info.dataId);
}

/**
 * Runs a convolution `run(x, bias)` whose clamp may turn NaN into an infinity, and puts
 * the NaN back: when the output has a non-finite value, runs it again on -x and -bias and
 * writes NaN wherever the two runs are not exact negatives of each other.
 *
 * @param run the convolution, e.g. the stock kernel with a linear activation
 * @param x its input (N, H, W, C)
 * @param bias its bias (C_out,), if any
 * @returns run's output, with NaN restored
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
 * import { stockKernel } from "./registry.ts";
 * import { initBackend } from "../../backend/init.ts";
 *
 * await initBackend({ backend: "wasm" });
 * const x = tf.ones([1, 3, 3, 2]), filter = tf.ones([1, 1, 2, 4]);
 * const backend = tf.backend() as BackendWasm;
 * const y = keepNaN((input) =>
 *   stockKernel("Conv2D").kernelFunc({
 *     inputs: { x: input, filter },
 *     backend,
 *     attrs: { strides: 1, pad: "valid", dataFormat: "NHWC", dilations: 1 },
 *   }) as tf.TensorInfo, x, undefined, backend);
 * ```
 */
export function keepNaN(
  run: (x: tf.TensorInfo, bias: tf.TensorInfo | undefined) => tf.TensorInfo,
  x: tf.TensorInfo,
  bias: tf.TensorInfo | undefined,
  backend: BackendWasm,
): tf.TensorInfo {
  const out = run(x, bias);
  if (out.dtype !== "float32") return out;
  if (allFinite(backend.typedArrayFromHeap(out) as Float32Array)) {
    markFinite(out.dataId);
    return out;
  }
  const negatedX = tf.neg(asTensor(x));
  const negatedBias = bias === undefined ? undefined : tf.neg(asTensor(bias));
  const mirrored = run(negatedX, negatedBias);
  negatedX.dispose();
  negatedBias?.dispose();
  // Views are taken after every allocation: growing the wasm memory detaches older ones.
  const values = backend.typedArrayFromHeap(out) as Float32Array;
  const mirror = backend.typedArrayFromHeap(mirrored) as Float32Array;
  for (let i = 0; i < values.length; i++) {
    if (values[i] !== -mirror[i]) values[i] = NaN;
  }
  release(mirrored, backend);
  return out;
}

/** The activations tfjs fuses into a convolution or a matrix product. */
export type FusedActivation =
  | "linear"
  | "relu"
  | "relu6"
  | "prelu"
  | "leakyrelu"
  | "elu"
  | "sigmoid";

/**
 * Applies a fused activation to a linear result `out` (which it frees when it makes a new
 * output), keeping NaN.
 *
 * @param extra the leaky relu's alpha and the prelu's weights, as the fused op passes them
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
 * import { initBackend } from "../../backend/init.ts";
 *
 * await initBackend({ backend: "wasm" });
 * const backend = tf.backend() as BackendWasm;
 * const linear = backend.makeOutput([2, 3], "float32");
 * const y = applyActivation(linear, "relu", {}, backend); // linear is freed
 * ```
 */
export function applyActivation(
  out: tf.TensorInfo,
  activation: FusedActivation,
  extra: { leakyreluAlpha?: number; preluActivationWeights?: tf.TensorInfo },
  backend: BackendWasm,
): tf.TensorInfo {
  if (activation === "linear") return out;
  let y: tf.TensorInfo;
  if (activation === "relu" || activation === "relu6") {
    y = reluOnHeap(out, backend, activation === "relu" ? "Relu" : "Relu6");
  } else if (activation === "leakyrelu") {
    y = stockKernel("LeakyRelu").kernelFunc({
      inputs: { x: out },
      backend,
      attrs: { alpha: extra.leakyreluAlpha ?? 0.2 },
    }) as tf.TensorInfo;
  } else if (activation === "prelu") {
    if (extra.preluActivationWeights === undefined) {
      throw new Error("activation: got prelu without preluActivationWeights; expected both");
    }
    y = stockKernel("Prelu").kernelFunc({
      inputs: { x: out, alpha: extra.preluActivationWeights },
      backend,
    }) as tf.TensorInfo;
  } else if (activation === "elu" || activation === "sigmoid") {
    y = stockKernel(activation === "elu" ? "Elu" : "Sigmoid").kernelFunc({
      inputs: { x: out },
      backend,
    }) as tf.TensorInfo;
  } else {
    throw new Error(
      `activation: got ${JSON.stringify(activation)}; expected linear, relu, relu6, prelu, ` +
        "leakyrelu, elu or sigmoid",
    );
  }
  release(out, backend);
  return y;
}

/** Kernel arguments as the engine passes them. */
type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: BackendWasm; attrs?: tf.NamedAttrMap };

/**
 * A kernel that runs the stock convolution `name` linearly, keeps its NaN, then applies
 * the fused activation (if the kernel has one).
 */
function convolutionKeepingNaN(name: string): tf.KernelFunc {
  return ((args: KernelArgs) => {
    const { inputs, backend, attrs = {} } = args;
    const { x, filter, bias, preluActivationWeights } = inputs as Record<string, tf.TensorInfo>;
    const fused = "activation" in attrs;
    const linearAttrs = fused ? { ...attrs, activation: "linear" } : attrs;
    const out = keepNaN(
      (input, b) =>
        stockKernel(name).kernelFunc({
          inputs: fused ? { x: input, filter, bias: b } : { x: input, filter },
          backend,
          attrs: linearAttrs,
        }) as tf.TensorInfo,
      x,
      bias,
      backend,
    );
    if (!fused) return out;
    return applyActivation(out, attrs.activation as FusedActivation, {
      leakyreluAlpha: attrs.leakyreluAlpha as number | undefined,
      preluActivationWeights,
    }, backend);
  }) as unknown as tf.KernelFunc;
}

/**
 * Kernel config: `Conv2D` keeping NaN. Register with `replaceWasmKernel`
 * (lib/kernels/wasm/mod.ts does).
 *
 * @example
 * ```ts
 * import { replaceWasmKernel } from "./registry.ts";
 * replaceWasmKernel(conv2dConfig);
 * ```
 */
export const conv2dConfig: tf.KernelConfig = {
  kernelName: "Conv2D",
  backendName: "wasm",
  kernelFunc: convolutionKeepingNaN("Conv2D"),
};

/**
 * Kernel config: `FusedConv2D` (what `tf.fused.conv2d` runs) keeping NaN through the
 * convolution and its activation.
 *
 * @example
 * ```ts
 * import { replaceWasmKernel } from "./registry.ts";
 * replaceWasmKernel(fusedConv2dConfig);
 * ```
 */
export const fusedConv2dConfig: tf.KernelConfig = {
  kernelName: "FusedConv2D",
  backendName: "wasm",
  kernelFunc: convolutionKeepingNaN("FusedConv2D"),
};

/**
 * Kernel config: `FusedDepthwiseConv2D` (what `tf.fused.depthwiseConv2d` runs) keeping NaN.
 *
 * @example
 * ```ts
 * import { replaceWasmKernel } from "./registry.ts";
 * replaceWasmKernel(fusedDepthwiseConv2dConfig);
 * ```
 */
export const fusedDepthwiseConv2dConfig: tf.KernelConfig = {
  kernelName: "FusedDepthwiseConv2D",
  backendName: "wasm",
  kernelFunc: convolutionKeepingNaN("FusedDepthwiseConv2D"),
};

/**
 * Kernel config: `_FusedMatMul` (what `tf.fused.matMul` runs). The product keeps NaN; a
 * fused relu or relu6 does not, so those run as a linear product and this folder's relu.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { replaceWasmKernel } from "./registry.ts";
 * import { initBackend } from "../../backend/init.ts";
 *
 * await initBackend({ backend: "wasm" });
 * replaceWasmKernel(fusedMatMulConfig); // as initBackend did
 * const a = tf.tensor2d([NaN, 1], [2, 1]), b = tf.tensor2d([1], [1, 1]);
 * tf.fused.matMul({ a, b, activation: "relu" }); // [[NaN], [1]] on wasm, as on cpu
 * ```
 */
export const fusedMatMulConfig: tf.KernelConfig = {
  kernelName: "_FusedMatMul",
  backendName: "wasm",
  kernelFunc: ((args: KernelArgs) => {
    const { inputs, backend, attrs = {} } = args;
    const activation = attrs.activation as FusedActivation;
    if (activation !== "relu" && activation !== "relu6") {
      return stockKernel("_FusedMatMul").kernelFunc(args as never);
    }
    const { a, b, bias } = inputs as Record<string, tf.TensorInfo>;
    const linear = stockKernel("_FusedMatMul").kernelFunc({
      inputs: { a, b, bias },
      backend,
      attrs: { ...attrs, activation: "linear" },
    }) as tf.TensorInfo;
    return applyActivation(linear, activation, {}, backend);
  }) as unknown as tf.KernelFunc,
};
