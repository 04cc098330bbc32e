/**
 * The update rules' fused kernels (names and semantics in fused_kernel_names.ts): SGD as
 * one oneDNN pass over the parameter, Adam as six (seven for AdamW), each a binary
 * primitive with post-ops (elementwise_chain.ts), instead of 2-4 (SGD) or 14 (Adam)
 * elementwise kernels per parameter per step. A training step of the fcnet bench model
 * updates 12 parameters, so Adam alone was ~170 kernel calls, each a few microseconds of
 * tfjs bookkeeping whatever its size. (The same loop in JavaScript, Math.fround after
 * each operation, runs ~9 ns an element, scalar: 2.9 ms for the 307,200 weights of
 * fcnet's first layer, more than the 14 vectorised kernels it replaces.)
 *
 * The operations are those of lib/optim.ts's tf-op versions, in the same order, each
 * rounded to float32, with the hyper-parameters as float32 scalars as tfjs makes them:
 * the results are the same bits (tests/kernels_native_optimizer_test.ts).
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import { ALG } from "./abi.ts";
import { runChain } from "./elementwise_chain.ts";
import { ADAM_KERNEL, SGD_KERNEL } from "./fused_kernel_names.ts";
import { floats, type KernelArgs, NATIVE_BACKEND, newOutput } from "./kernel_util.ts";

/** Negation, exact: turns `x - w` into `w - x`. */
const NEGATE = { eltwise: ALG.eltwiseLinear, alpha: -1, beta: 0 };

function checkFloat32(kernel: string, infos: (tf.TensorInfo | undefined)[]): void {
  for (const info of infos) {
    if (info !== undefined && info.dtype !== "float32") {
      throw new Error(`${kernel}: expected float32 inputs, got ${info.dtype}`);
    }
  }
}

function sgdKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { w, dw } = inputs as Record<string, tf.TensorInfo>;
  checkFloat32(SGD_KERNEL, [w, dw]);
  const { learningRate, weightDecay } = attrs as { learningRate: number; weightDecay: number };
  const [out, next] = newOutput(backend, w.shape);
  const wv = floats(backend, w);
  const g = floats(backend, dw);
  const lr = learningRate;
  if (weightDecay === 0) {
    // w - lr g
    runChain({ binary: ALG.binaryMul, a: g, b: lr }, [
      { binary: ALG.binarySub, with: wv },
      NEGATE,
    ], next);
  } else {
    // w - lr (g + wd w)
    runChain({ binary: ALG.binaryMul, a: wv, b: weightDecay }, [
      { binary: ALG.binaryAdd, with: g },
      { binary: ALG.binaryMul, with: lr },
      { binary: ALG.binarySub, with: wv },
      NEGATE,
    ], next);
  }
  return out;
}

type AdamAttrs = {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  t: number;
  decay: number;
};

function adamKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const { w, grad, m, v } = inputs as Record<string, tf.TensorInfo | undefined>;
  checkFloat32(ADAM_KERNEL, [w, grad, m, v]);
  const a = attrs as unknown as AdamAttrs;
  const shape = w!.shape;
  const size = shape.reduce((x, y) => x * y, 1);
  const [nextOut, next] = newOutput(backend, shape);
  const [mOut, mNext] = newOutput(backend, shape);
  const [vOut, vNext] = newOutput(backend, shape);
  const wv = floats(backend, w!);
  const g = floats(backend, grad!);
  // The first step's moments are zeros (tf.zerosLike in lib/optim.ts).
  const zeros = m === undefined || v === undefined ? backend.newFloat32(size, true) : undefined;
  const m0 = m ? floats(backend, m) : zeros!;
  const v0 = v ? floats(backend, v) : zeros!;
  const scaled = backend.newFloat32(size);
  const denominator = backend.newFloat32(size);
  // m = beta1 m0 + (1 - beta1) g
  runChain({ binary: ALG.binaryMul, a: m0, b: a.beta1 }, [], scaled);
  runChain({ binary: ALG.binaryMul, a: g, b: 1 - a.beta1 }, [
    { binary: ALG.binaryAdd, with: scaled },
  ], mNext);
  // v = beta2 v0 + (1 - beta2) g^2
  runChain({ binary: ALG.binaryMul, a: v0, b: a.beta2 }, [], scaled);
  runChain({ binary: ALG.binaryMul, a: g, b: g }, [
    { binary: ALG.binaryMul, with: 1 - a.beta2 },
    { binary: ALG.binaryAdd, with: scaled },
  ], vNext);
  // sqrt(v / (1 - beta2^t)) + epsilon
  runChain({ binary: ALG.binaryDiv, a: vNext, b: 1 - a.beta2 ** a.t }, [
    { eltwise: ALG.eltwiseSqrt },
    { binary: ALG.binaryAdd, with: a.epsilon },
  ], denominator);
  // decay w - lr (m / (1 - beta1^t)) / denominator
  let w0 = wv;
  if (a.decay !== 1) {
    runChain({ binary: ALG.binaryMul, a: wv, b: a.decay }, [], scaled);
    w0 = scaled;
  }
  runChain({ binary: ALG.binaryDiv, a: mNext, b: 1 - a.beta1 ** a.t }, [
    { binary: ALG.binaryMul, with: a.learningRate },
    { binary: ALG.binaryDiv, with: denominator },
    { binary: ALG.binarySub, with: w0 },
    NEGATE,
  ], next);
  for (const temporary of [zeros, scaled, denominator]) {
    if (temporary) backend.pool.release(temporary.buffer);
  }
  return [nextOut, mOut, vOut];
}

/** The update-rule kernels, for the native backend. */
export function optimizerKernelConfigs(): tf.KernelConfig[] {
  return [
    { kernelName: SGD_KERNEL, backendName: NATIVE_BACKEND, kernelFunc: sgdKernel as never },
    { kernelName: ADAM_KERNEL, backendName: NATIVE_BACKEND, kernelFunc: adamKernel as never },
  ];
}
