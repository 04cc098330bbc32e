/**
 * Activation kernels the layers call directly (lib/layers/activations.ts): relu's and
 * tanh's gradients from their outputs, and the exact GELU forward and backward, each one
 * oneDNN eltwise primitive over the flat tensor. tfjs's own gradients take three to
 * eleven elementwise kernels for these (relu: step, cast, multiply; the erf-form GELU's
 * derivative: eleven).
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import { ALG, ARG } from "./abi.ts";
import { eltwiseBackwardDesc, eltwiseForwardDesc } from "./descriptors.ts";
import {
  allFloat32,
  floats,
  type KernelArgs,
  NATIVE_BACKEND,
  newOutput,
  primitives,
} from "./kernel_util.ts";
import {
  GELU_GRAD_KERNEL,
  GELU_KERNEL,
  RELU_GRAD_KERNEL,
  TANH_GRAD_KERNEL,
} from "./fused_kernel_names.ts";
import { memoryDesc, plain } from "./memory_desc.ts";
import { Primitive } from "./primitive.ts";
import { runEltwise } from "./unary_kernels.ts";

function forwardPrimitive(alg: number, size: number): Primitive {
  return primitives.get(`eltwise ${alg} 0 0 ${size}`, () => {
    const md = memoryDesc(plain([size]));
    return new Primitive(eltwiseForwardDesc(alg, md), {
      operands: [{ arg: ARG.src, desc: md }, { arg: ARG.dst, desc: md, output: true }],
    });
  });
}

/**
 * `dx = dy * f'(saved)`, where `saved` is the forward's input, or its output for the
 * `*_use_dst_for_bwd` algorithms.
 */
function runEltwiseBackward(
  alg: number,
  usesDst: boolean,
  dy: Float32Array<ArrayBuffer>,
  saved: Float32Array<ArrayBuffer>,
  dx: Float32Array<ArrayBuffer>,
): void {
  const size = dy.length;
  const primitive = primitives.get(`eltwise bwd ${alg} ${size}`, () => {
    const md = memoryDesc(plain([size]));
    return new Primitive(eltwiseBackwardDesc(alg, md, md), {
      operands: [
        { arg: ARG.diffDst, desc: md },
        { arg: usesDst ? ARG.dst : ARG.src, desc: md },
        { arg: ARG.diffSrc, desc: md, output: true },
      ],
      hint: forwardPrimitive(alg, size),
    });
  });
  primitive.run([dy, saved, dx]);
}

function checkFloat32(kernel: string, ...infos: tf.TensorInfo[]): void {
  if (!allFloat32(...infos)) {
    throw new Error(`${kernel}: expected float32 inputs, got ${infos.map((t) => t.dtype)}`);
  }
}

function gradientKernel(name: string, alg: number, savedName: "x" | "y"): tf.KernelConfig {
  const kernelFunc = ({ inputs, backend }: KernelArgs) => {
    const dy = inputs.dy as tf.TensorInfo;
    const saved = inputs[savedName] as tf.TensorInfo;
    checkFloat32(name, dy, saved);
    const [out, dx] = newOutput(backend, dy.shape);
    runEltwiseBackward(alg, savedName === "y", floats(backend, dy), floats(backend, saved), dx);
    return out;
  };
  return { kernelName: name, backendName: NATIVE_BACKEND, kernelFunc: kernelFunc as never };
}

function geluKernel(): tf.KernelConfig {
  const kernelFunc = ({ inputs, backend }: KernelArgs) => {
    const x = inputs.x as tf.TensorInfo;
    checkFloat32(GELU_KERNEL, x);
    const [out, y] = newOutput(backend, x.shape);
    runEltwise({ alg: ALG.eltwiseGeluErf, alpha: 0, beta: 0 }, floats(backend, x), y);
    return out;
  };
  return { kernelName: GELU_KERNEL, backendName: NATIVE_BACKEND, kernelFunc: kernelFunc as never };
}

/** The activation kernels above, for the native backend. */
export function activationKernelConfigs(): tf.KernelConfig[] {
  return [
    gradientKernel(RELU_GRAD_KERNEL, ALG.eltwiseReluUseDstForBwd, "y"),
    gradientKernel(TANH_GRAD_KERNEL, ALG.eltwiseTanhUseDstForBwd, "y"),
    geluKernel(),
    gradientKernel(GELU_GRAD_KERNEL, ALG.eltwiseGeluErf, "x"),
  ];
}
