/**
 * Batch and layer normalization, training forward and backward, each one oneDNN
 * primitive: the kernels lib/layers/batchnorm.ts and lib/layers/layernorm.ts call from
 * their `tf.customGrad` when the backend has them.
 *
 * Batchnorm (names in lib/kernels/batchnorm.ts): x (M, C), statistics per column, as
 * spatial batchnorm's (N * H * W, C) view of an NHWC image; gamma, beta, mean, variance
 * (C,). oneDNN's batch normalization with `use_scale | use_shift`, forward_training
 * (writes the batch mean and biased variance) and backward (dx, dgamma, dbeta by the
 * closed form the layer documents). oneDNN vectorises batch normalization for
 * channels-last images only: (M, C) as a 2-D "nc" tensor gets its reference kernel (111 ms
 * forward for M = 100352, C = 8, one core), the same memory described as an NHWC image
 * (B, C, M / B, 1) its jit kernel (0.25 ms). B is M over its largest divisor up to 1024,
 * so the work splits into B parallel pieces; the statistics are over all of M either way.
 *
 * LayerNorm (names in fused_kernel_names.ts): x (R, ...normalized), gamma and beta of
 * the normalized shape, seen as (R, D) with D the normalized size: oneDNN's layer
 * normalization normalizes the last dim and scales it elementwise, which over the
 * flattened D is exactly nnlab's elementwise gamma and beta over [H, W, C]; mean and
 * variance (R,).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { BATCHNORM_TRAIN_GRAD_KERNEL, BATCHNORM_TRAIN_KERNEL } from "../wasm/batchnorm.ts";
import { ARG, NORM_FLAGS, PROP } from "./abi.ts";
import {
  batchNormalizationBackwardDesc,
  batchNormalizationForwardDesc,
  layerNormalizationBackwardDesc,
  layerNormalizationForwardDesc,
} from "./descriptors.ts";
import {
  allFloat32,
  floats,
  type KernelArgs,
  NATIVE_BACKEND,
  newOutput,
  primitives,
} from "./kernel_util.ts";
import { LAYERNORM_GRAD_KERNEL, LAYERNORM_KERNEL } from "./fused_kernel_names.ts";
import { memoryDesc, plain } from "./memory_desc.ts";
import { Primitive } from "./primitive.ts";

const SCALE_SHIFT = NORM_FLAGS.useScale | NORM_FLAGS.useShift;

/** Which normalization: statistics per column (batch) or per row (layer). */
type Kind = "batch" | "layer";

/** The largest divisor of `m` that is at most `limit`. */
function largestDivisor(m: number, limit: number): number {
  for (let k = Math.min(m, limit); k > 1; k--) if (m % k === 0) return k;
  return 1;
}

function descs(kind: Kind, rows: number, cols: number) {
  const spatial = largestDivisor(rows, 1024);
  return {
    data: kind === "batch"
      ? memoryDesc({
        dims: [rows / spatial, cols, spatial, 1],
        strides: [spatial * cols, 1, cols, cols],
      })
      : memoryDesc(plain([rows, cols])),
    stat: memoryDesc(plain([kind === "batch" ? cols : rows])),
    scale: memoryDesc(plain([cols])),
  };
}

function forwardPrimitive(kind: Kind, rows: number, cols: number, eps: number): Primitive {
  return primitives.get(`${kind}norm fwd ${rows} ${cols} ${eps}`, () => {
    const d = descs(kind, rows, cols);
    const desc = kind === "batch"
      ? batchNormalizationForwardDesc(PROP.forwardTraining, d.data, eps, SCALE_SHIFT)
      : layerNormalizationForwardDesc(PROP.forwardTraining, d.data, d.stat, eps, SCALE_SHIFT);
    return new Primitive(desc, {
      operands: [
        { arg: ARG.src, desc: d.data },
        { arg: ARG.scale, desc: d.scale },
        { arg: ARG.shift, desc: d.scale },
        { arg: ARG.dst, desc: d.data, output: true },
        { arg: ARG.mean, desc: d.stat, output: true },
        { arg: ARG.variance, desc: d.stat, output: true },
      ],
    });
  });
}

function backwardPrimitive(kind: Kind, rows: number, cols: number, eps: number): Primitive {
  return primitives.get(`${kind}norm bwd ${rows} ${cols} ${eps}`, () => {
    const d = descs(kind, rows, cols);
    const desc = kind === "batch"
      ? batchNormalizationBackwardDesc(PROP.backward, d.data, d.data, eps, SCALE_SHIFT)
      : layerNormalizationBackwardDesc(PROP.backward, d.data, d.data, d.stat, eps, SCALE_SHIFT);
    return new Primitive(desc, {
      operands: [
        { arg: ARG.diffDst, desc: d.data },
        { arg: ARG.src, desc: d.data },
        { arg: ARG.mean, desc: d.stat },
        { arg: ARG.variance, desc: d.stat },
        { arg: ARG.scale, desc: d.scale },
        // oneDNN 2.6 wants a shift memory in the backward pass too, though it reads none
        // (the output does not depend on beta's value); gamma's buffer stands in.
        { arg: ARG.shift, desc: d.scale },
        { arg: ARG.diffSrc, desc: d.data, output: true },
        { arg: ARG.diffScale, desc: d.scale, output: true },
        { arg: ARG.diffShift, desc: d.scale, output: true },
      ],
      hint: forwardPrimitive(kind, rows, cols, eps),
    });
  });
}

/** Rows and columns of the (rows, cols) view: columns are gamma's size (C, or D flattened). */
function view(x: tf.TensorInfo, gamma: tf.TensorInfo): [number, number] {
  const cols = tf.util.sizeFromShape(gamma.shape);
  return [tf.util.sizeFromShape(x.shape) / cols, cols];
}

function checkInputs(
  kernel: string,
  kind: Kind,
  x: tf.TensorInfo,
  gamma: tf.TensorInfo,
  ...rest: tf.TensorInfo[]
) {
  if (!allFloat32(x, gamma, ...rest)) {
    throw new Error(
      `${kernel}: expected float32 inputs, got ${[x, gamma, ...rest].map((t) => t.dtype)}`,
    );
  }
  const trailing = x.shape.slice(x.shape.length - gamma.shape.length);
  const ok = kind === "batch"
    ? x.shape.length === 2 && gamma.shape.length === 1 && x.shape[1] === gamma.shape[0]
    : x.shape.length > gamma.shape.length && tf.util.arraysEqual(trailing, gamma.shape);
  if (!ok) {
    throw new Error(
      `${kernel}: x.shape [${x.shape}] and gamma.shape [${gamma.shape}] do not match ` +
        (kind === "batch" ? "(x (M, C), gamma (C,))" : "(gamma spans x's trailing axes)"),
    );
  }
}

function forwardKernel(name: string, kind: Kind): tf.KernelConfig {
  const kernelFunc = ({ inputs, backend, attrs }: KernelArgs) => {
    const { x, gamma, beta } = inputs as Record<string, tf.TensorInfo>;
    checkInputs(name, kind, x, gamma, beta);
    const eps = (attrs as { eps: number }).eps;
    const [rows, cols] = view(x, gamma);
    const [y, yValues] = newOutput(backend, x.shape);
    const [mean, meanValues] = newOutput(backend, [kind === "batch" ? cols : rows]);
    const [variance, varianceValues] = newOutput(backend, [kind === "batch" ? cols : rows]);
    forwardPrimitive(kind, rows, cols, eps).run([
      floats(backend, x),
      floats(backend, gamma),
      floats(backend, beta),
      yValues,
      meanValues,
      varianceValues,
    ]);
    return [y, mean, variance];
  };
  return { kernelName: name, backendName: NATIVE_BACKEND, kernelFunc: kernelFunc as never };
}

function backwardKernel(name: string, kind: Kind): tf.KernelConfig {
  const kernelFunc = ({ inputs, backend, attrs }: KernelArgs) => {
    const { dy, x, mean, variance, gamma } = inputs as Record<string, tf.TensorInfo>;
    checkInputs(name, kind, x, gamma, dy, mean, variance);
    const eps = (attrs as { eps: number }).eps;
    const [rows, cols] = view(x, gamma);
    const [dx, dxValues] = newOutput(backend, x.shape);
    const [dgamma, dgammaValues] = newOutput(backend, gamma.shape);
    const [dbeta, dbetaValues] = newOutput(backend, gamma.shape);
    backwardPrimitive(kind, rows, cols, eps).run([
      floats(backend, dy),
      floats(backend, x),
      floats(backend, mean),
      floats(backend, variance),
      floats(backend, gamma),
      floats(backend, gamma), // the stand-in shift
      dxValues,
      dgammaValues,
      dbetaValues,
    ]);
    return [dx, dgamma, dbeta];
  };
  return { kernelName: name, backendName: NATIVE_BACKEND, kernelFunc: kernelFunc as never };
}

/** The normalization kernels above, for the native backend. */
export function normKernelConfigs(): tf.KernelConfig[] {
  return [
    forwardKernel(BATCHNORM_TRAIN_KERNEL, "batch"),
    backwardKernel(BATCHNORM_TRAIN_GRAD_KERNEL, "batch"),
    forwardKernel(LAYERNORM_KERNEL, "layer"),
    backwardKernel(LAYERNORM_GRAD_KERNEL, "layer"),
  ];
}
