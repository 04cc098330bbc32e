/**
 * Batchnorm's training forward and its closed-form backward for the wasm backend, each one
 * kernel: a few passes in JavaScript straight over the backend's heap, instead of ~10
 * elementwise kernels (each a pass over memory, plus broadcasting) per direction.
 *
 * Forward, x: (M, C) with statistics per column (spatial batchnorm reshapes (N, H, W, C)
 * to (N * H * W, C), which costs nothing):
 *   mean = sum(x) / M, variance = sum((x - mean)^2) / M   (two passes, float64 sums)
 *   y = gamma * (x - mean) / sqrt(variance + eps) + beta
 * Backward, with xhat = (x - mean) / std recomputed from x rather than stored:
 *   dbeta = sum(dy), dgamma = sum(dy * xhat)
 *   dx = gamma / (M std) * (M dy - dbeta - xhat * dgamma)
 * which per column is dx = a dy + b x + d with three float64 coefficients.
 *
 * These kernels have no registered gradient: lib/layers/batchnorm.ts calls them from its
 * `tf.customGrad` when the active backend registers them (wasm: these; native: oneDNN's,
 * lib/kernels/native/norm_kernels.ts).
 *
 * Shapes: x, y, dy, dx (M, C); gamma, beta, mean, variance, dgamma, dbeta (C,); float32.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { argumentError } from "../../errors.ts";

/** Name of the forward kernel: inputs x, gamma, beta; attr eps; outputs y, mean, variance. */
export const BATCHNORM_TRAIN_KERNEL = "NnlabBatchnormTrain";
/** Name of the backward kernel: inputs dy, x, mean, variance, gamma; attr eps; outputs dx,
 * dgamma, dbeta. */
export const BATCHNORM_TRAIN_GRAD_KERNEL = "NnlabBatchnormTrainGrad";

/**
 * Batchnorm training forward of a row-major (rows, cols) matrix, per column.
 *
 * @param x rows * cols values
 * @param gamma, beta cols values each
 * @param y rows * cols values, written
 * @param mean, variance cols values each, written (biased variance)
 * @example
 * ```ts
 * import { batchnormForwardRows } from "./batchnorm.ts";
 *
 * const y = new Float32Array(4), mean = new Float32Array(2), variance = new Float32Array(2);
 * batchnormForwardRows(new Float32Array([1, 2, 3, 6]), 2, 2, new Float32Array([1, 1]),
 *   new Float32Array([0, 0]), 1e-5, y, mean, variance); // mean [2, 4], variance [1, 4]
 * ```
 */
export function batchnormForwardRows(
  x: Float32Array,
  rows: number,
  cols: number,
  gamma: Float32Array,
  beta: Float32Array,
  eps: number,
  y: Float32Array,
  mean: Float32Array,
  variance: Float32Array,
): void {
  const size = rows * cols;
  const acc = new Float64Array(cols);
  for (let at = 0; at < size; at += cols) {
    for (let c = 0; c < cols; c++) acc[c] += x[at + c];
  }
  const mu = new Float64Array(cols);
  for (let c = 0; c < cols; c++) mu[c] = acc[c] / rows;
  // Second pass on centred values: sum(x^2) - M mean^2 would cancel badly when
  // mean >> std.
  acc.fill(0);
  for (let at = 0; at < size; at += cols) {
    for (let c = 0; c < cols; c++) {
      const d = x[at + c] - mu[c];
      acc[c] += d * d;
    }
  }
  // y = scale x + shift per column.
  const scale = new Float64Array(cols);
  const shift = new Float64Array(cols);
  for (let c = 0; c < cols; c++) {
    mean[c] = mu[c];
    variance[c] = acc[c] / rows;
    // The backward pass sees the float32 variance, so the forward uses it too.
    const invStd = 1 / Math.sqrt(variance[c] + eps);
    scale[c] = gamma[c] * invStd;
    shift[c] = beta[c] - mu[c] * scale[c];
  }
  for (let at = 0; at < size; at += cols) {
    for (let c = 0; c < cols; c++) y[at + c] = scale[c] * x[at + c] + shift[c];
  }
}

/**
 * Closed-form batchnorm backward of a row-major (rows, cols) matrix (module comment).
 *
 * @param dy, x rows * cols values each
 * @param mean, variance, gamma cols values each, from the forward
 * @param dx rows * cols values, written
 * @param dgamma, dbeta cols values each, written
 * @example
 * ```ts
 * import { batchnormBackwardRows, batchnormForwardRows } from "./batchnorm.ts";
 *
 * const x = new Float32Array([1, 2, 3, 6]); // (rows, cols) = (2, 2)
 * const gamma = new Float32Array([1, 1]);
 * const y = new Float32Array(4), mean = new Float32Array(2), variance = new Float32Array(2);
 * batchnormForwardRows(x, 2, 2, gamma, new Float32Array(2), 1e-5, y, mean, variance);
 * const dy = new Float32Array([1, 0, 0, 1]);
 * const dx = new Float32Array(4), dgamma = new Float32Array(2), dbeta = new Float32Array(2);
 * batchnormBackwardRows(dy, x, 2, 2, mean, variance, gamma, 1e-5, dx, dgamma, dbeta);
 * dbeta; // Float32Array [1, 1]: dy summed over the rows
 * dgamma; // about [-1, 1]: dy times the normalized x, summed over the rows
 * ```
 */
export function batchnormBackwardRows(
  dy: Float32Array,
  x: Float32Array,
  rows: number,
  cols: number,
  mean: Float32Array,
  variance: Float32Array,
  gamma: Float32Array,
  eps: number,
  dx: Float32Array,
  dgamma: Float32Array,
  dbeta: Float32Array,
): void {
  const size = rows * cols;
  const sumDy = new Float64Array(cols);
  const sumDyCentred = new Float64Array(cols);
  const mu = Float64Array.from(mean);
  for (let at = 0; at < size; at += cols) {
    for (let c = 0; c < cols; c++) {
      const g = dy[at + c];
      sumDy[c] += g;
      sumDyCentred[c] += g * (x[at + c] - mu[c]);
    }
  }
  const a = new Float64Array(cols);
  const b = new Float64Array(cols);
  const d = new Float64Array(cols);
  for (let c = 0; c < cols; c++) {
    const invStd = 1 / Math.sqrt(variance[c] + eps);
    const dg = sumDyCentred[c] * invStd;
    dgamma[c] = dg;
    dbeta[c] = sumDy[c];
    // dx = gamma invStd (dy - dbeta / M - xhat dgamma / M), xhat = (x - mean) invStd.
    a[c] = gamma[c] * invStd;
    b[c] = -a[c] * invStd * dg / rows;
    d[c] = -a[c] * sumDy[c] / rows - b[c] * mu[c];
  }
  for (let at = 0; at < size; at += cols) {
    for (let c = 0; c < cols; c++) dx[at + c] = a[c] * dy[at + c] + b[c] * x[at + c] + d[c];
  }
}

type KernelArgs = {
  inputs: tf.NamedTensorInfoMap;
  backend: BackendWasm;
  attrs?: tf.NamedAttrMap;
};

function expectFloat32(kernel: string, infos: Record<string, tf.TensorInfo>): void {
  for (const [name, info] of Object.entries(infos)) {
    if (info.dtype !== "float32") {
      throw argumentError(`${kernel} ${name} dtype`, info.dtype, '"float32"');
    }
  }
}

function rowsAndCols(kernel: string, x: tf.TensorInfo): [number, number] {
  if (x.shape.length !== 2) {
    throw argumentError(`${kernel} x shape`, `[${x.shape}]`, "a 2-D shape (M, C)");
  }
  return x.shape as [number, number];
}

function forwardKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const { x, gamma, beta } = inputs as Record<string, tf.TensorInfo>;
  expectFloat32(BATCHNORM_TRAIN_KERNEL, { x, gamma, beta });
  const [rows, cols] = rowsAndCols(BATCHNORM_TRAIN_KERNEL, x);
  const y = backend.makeOutput(x.shape, "float32");
  const mean = backend.makeOutput([cols], "float32");
  const variance = backend.makeOutput([cols], "float32");
  // Views taken after every allocation: growing the heap detaches earlier views.
  const view = (t: tf.TensorInfo) => backend.typedArrayFromHeap(t) as Float32Array;
  batchnormForwardRows(
    view(x),
    rows,
    cols,
    view(gamma),
    view(beta),
    (attrs as { eps: number }).eps,
    view(y),
    view(mean),
    view(variance),
  );
  return [y, mean, variance];
}

function backwardKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const { dy, x, mean, variance, gamma } = inputs as Record<string, tf.TensorInfo>;
  expectFloat32(BATCHNORM_TRAIN_GRAD_KERNEL, { dy, x, mean, variance, gamma });
  const [rows, cols] = rowsAndCols(BATCHNORM_TRAIN_GRAD_KERNEL, x);
  const dx = backend.makeOutput(x.shape, "float32");
  const dgamma = backend.makeOutput([cols], "float32");
  const dbeta = backend.makeOutput([cols], "float32");
  const view = (t: tf.TensorInfo) => backend.typedArrayFromHeap(t) as Float32Array;
  batchnormBackwardRows(
    view(dy),
    view(x),
    rows,
    cols,
    view(mean),
    view(variance),
    view(gamma),
    (attrs as { eps: number }).eps,
    view(dx),
    view(dgamma),
    view(dbeta),
  );
  return [dx, dgamma, dbeta];
}

/**
 * Forward kernel config (new kernel name, wasm only): register with `replaceWasmKernel`
 * (lib/kernels/mod.ts does).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { BATCHNORM_TRAIN_KERNEL, batchnormTrainConfig } from "./batchnorm.ts";
 * import { replaceWasmKernel } from "./registry.ts";
 * import { initBackend } from "../../backend/init.ts";
 *
 * await initBackend({ backend: "wasm" });
 * replaceWasmKernel(batchnormTrainConfig); // as initBackend did
 * const x = tf.tensor2d([[1, 2], [3, 6]]); // (N, D)
 * const [gamma, beta] = [tf.ones([2]), tf.zeros([2])];
 * const [y, mean, variance] = tf.engine().runKernel(BATCHNORM_TRAIN_KERNEL,
 *   { x, gamma, beta }, { eps: 1e-5 }) as tf.Tensor[];
 * mean.dataSync(); // Float32Array [2, 4]
 * ```
 */
export const batchnormTrainConfig: tf.KernelConfig = {
  kernelName: BATCHNORM_TRAIN_KERNEL,
  backendName: "wasm",
  kernelFunc: forwardKernel as unknown as tf.KernelFunc,
};

/**
 * Backward kernel config (new kernel name, wasm only).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { BATCHNORM_TRAIN_GRAD_KERNEL, batchnormTrainGradConfig } from "./batchnorm.ts";
 * import { replaceWasmKernel } from "./registry.ts";
 * import { initBackend } from "../../backend/init.ts";
 *
 * await initBackend({ backend: "wasm" });
 * replaceWasmKernel(batchnormTrainGradConfig); // as initBackend did
 * const x = tf.tensor2d([[1, 2], [3, 6]]); // (N, D)
 * const [mean, variance, gamma] = [tf.tensor([2, 4]), tf.tensor([1, 4]), tf.ones([2])];
 * const dy = tf.tensor2d([[1, 0], [0, 1]]);
 * const [dx, dgamma, dbeta] = tf.engine().runKernel(BATCHNORM_TRAIN_GRAD_KERNEL,
 *   { dy, x, mean, variance, gamma }, { eps: 1e-5 }) as tf.Tensor[];
 * dbeta.dataSync(); // Float32Array [1, 1]
 * ```
 */
export const batchnormTrainGradConfig: tf.KernelConfig = {
  kernelName: BATCHNORM_TRAIN_GRAD_KERNEL,
  backendName: "wasm",
  kernelFunc: backwardKernel as unknown as tf.KernelFunc,
};

/**
 * Whether the batchnorm kernels can run now: the active backend registers both (wasm
 * registers these, the native backend its oneDNN ones under the same names).
 *
 * @example
 * ```ts
 * import { batchnormKernelsActive } from "./batchnorm.ts";
 *
 * import { initBackend } from "../../backend/init.ts";
 *
 * batchnormKernelsActive(); // false before a backend starts
 * await initBackend({ backend: "wasm" }); // registers the kernels
 * batchnormKernelsActive(); // true (on wasm and native): batchnorm (lib/layers/batchnorm.ts) now runs them
 * ```
 */
export function batchnormKernelsActive(): boolean {
  const backend = tf.getBackend();
  return tf.getKernel(BATCHNORM_TRAIN_KERNEL, backend) !== undefined &&
    tf.getKernel(BATCHNORM_TRAIN_GRAD_KERNEL, backend) !== undefined;
}
