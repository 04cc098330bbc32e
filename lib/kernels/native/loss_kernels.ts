/**
 * Softmax cross-entropy (lib/layers/losses.ts's softmaxLoss) as one kernel each way,
 * instead of the ~12 kernels of its tf-op version and ~15 of their gradients (log-sum-exp,
 * one-hot, the max's gradient ...): on the (N, 10) scores of the studies every one of
 * those is a few microseconds of tfjs bookkeeping around a few hundred flops.
 *
 * The scores are small (N x classes), so the kernels are JavaScript loops: per row, the
 * log-sum-exp about the row's maximum (no overflow), summed in float64; the loss is the
 * mean of logsumexp - score of the label, rounded once to float32.
 *
 * Shapes: scores, probs, dscores (N, C) float32; labels (N,) int32 in [0, C); loss and
 * dloss scalars.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { SOFTMAX_LOSS_GRAD_KERNEL, SOFTMAX_LOSS_KERNEL } from "./fused_kernel_names.ts";
import { floats, type KernelArgs, NATIVE_BACKEND, newOutput } from "./kernel_util.ts";

function labelsOf(
  kernel: string,
  backend: KernelArgs["backend"],
  labels: tf.TensorInfo,
  [N, C]: number[],
) {
  if (labels.dtype !== "int32" || labels.shape.length !== 1 || labels.shape[0] !== N) {
    throw new Error(
      `${kernel}: labels must be int32 of shape [${N}]; got ${labels.dtype} [${labels.shape}]`,
    );
  }
  const values = backend.data.get(labels.dataId).values as Int32Array;
  for (const label of values) {
    if (!(label >= 0 && label < C)) {
      throw new Error(`${kernel}: label ${label} outside [0, ${C})`);
    }
  }
  return values;
}

function forward({ inputs, backend }: KernelArgs): tf.TensorInfo[] {
  const { scores, labels } = inputs as Record<string, tf.TensorInfo>;
  if (scores.dtype !== "float32" || scores.shape.length !== 2) {
    throw new Error(
      `${SOFTMAX_LOSS_KERNEL}: scores must be float32 (N, C); got ${scores.dtype} [${scores.shape}]`,
    );
  }
  const [N, C] = scores.shape;
  const y = labelsOf(SOFTMAX_LOSS_KERNEL, backend, labels, [N, C]);
  const s = floats(backend, scores);
  const [probsOut, probs] = newOutput(backend, [N, C]);
  let total = 0;
  for (let i = 0; i < N; i++) {
    const row = i * C;
    let max = -Infinity;
    for (let j = 0; j < C; j++) max = Math.max(max, s[row + j]);
    let sum = 0;
    for (let j = 0; j < C; j++) sum += Math.exp(s[row + j] - max);
    const logSumExp = max + Math.log(sum);
    for (let j = 0; j < C; j++) probs[row + j] = Math.exp(s[row + j] - logSumExp);
    total += logSumExp - s[row + y[i]];
  }
  const loss = backend.makeTensorInfo([], "float32", Float32Array.of(total / N));
  return [loss, probsOut];
}

function backward({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const { dloss, probs, labels } = inputs as Record<string, tf.TensorInfo>;
  const [N, C] = probs.shape;
  const y = labelsOf(SOFTMAX_LOSS_GRAD_KERNEL, backend, labels, [N, C]);
  const p = floats(backend, probs);
  const scale = floats(backend, dloss)[0] / N;
  const [out, dscores] = newOutput(backend, [N, C]);
  for (let i = 0; i < N; i++) {
    const row = i * C;
    for (let j = 0; j < C; j++) dscores[row + j] = scale * (p[row + j] - (j === y[i] ? 1 : 0));
  }
  return out;
}

/** The softmax cross-entropy kernels, for the native backend. */
export function lossKernelConfigs(): tf.KernelConfig[] {
  return [
    { kernelName: SOFTMAX_LOSS_KERNEL, backendName: NATIVE_BACKEND, kernelFunc: forward as never },
    {
      kernelName: SOFTMAX_LOSS_GRAD_KERNEL,
      backendName: NATIVE_BACKEND,
      kernelFunc: backward as never,
    },
  ];
}
