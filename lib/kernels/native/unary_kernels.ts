/**
 * Elementwise unary kernels on oneDNN's eltwise primitive: `y = f(x)` over a float32
 * tensor of any shape, seen as one flat vector (the op is elementwise, so the shape does
 * not matter and one primitive serves every shape of the same size).
 *
 * | tfjs kernel | oneDNN algorithm                           |
 * |-------------|--------------------------------------------|
 * | Relu        | relu (alpha 0)                             |
 * | LeakyRelu   | relu with the negative slope alpha         |
 * | Relu6       | clip_v2 to [0, 6]                          |
 * | Tanh        | tanh                                       |
 * | Sigmoid     | logistic                                   |
 * | Exp, Log    | exp, log                                   |
 * | Sqrt        | sqrt                                       |
 * | Rsqrt       | pow: 1 * x^-0.5                            |
 * | Reciprocal  | pow: 1 * x^-1                              |
 * | Square, Abs | square, abs                                |
 * | Neg         | linear: -1 * x + 0                         |
 *
 * oneDNN's exp, log, tanh and logistic are vectorised approximations, within a few ulp of
 * the libm results the cpu backend computes (tests/kernels_native_eltwise_test.ts).
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import { ALG, ARG } from "./abi.ts";
import { eltwiseForwardDesc } from "./descriptors.ts";
import {
  cpuKernel,
  floats,
  type KernelArgs,
  NATIVE_BACKEND,
  newOutput,
  primitives,
  SMALL_TENSOR,
} from "./kernel_util.ts";
import { memoryDesc, plain } from "./memory_desc.ts";
import { Primitive } from "./primitive.ts";

/** An eltwise algorithm with its alpha and beta, from a kernel's attributes. */
type Eltwise = { alg: number; alpha: number; beta: number };

const fixed = (alg: number, alpha = 0, beta = 0) => (): Eltwise => ({ alg, alpha, beta });

/** tfjs kernel name -> the eltwise op it is. */
const UNARY_OPS: Record<string, (attrs: tf.NamedAttrMap) => Eltwise> = {
  Relu: fixed(ALG.eltwiseRelu),
  LeakyRelu: (attrs) => ({ alg: ALG.eltwiseRelu, alpha: attrs.alpha as number, beta: 0 }),
  Relu6: fixed(ALG.eltwiseClipV2, 0, 6),
  Tanh: fixed(ALG.eltwiseTanh),
  Sigmoid: fixed(ALG.eltwiseLogistic),
  Exp: fixed(ALG.eltwiseExp),
  Log: fixed(ALG.eltwiseLog),
  Sqrt: fixed(ALG.eltwiseSqrt),
  Rsqrt: fixed(ALG.eltwisePow, 1, -0.5),
  Reciprocal: fixed(ALG.eltwisePow, 1, -1),
  Square: fixed(ALG.eltwiseSquare),
  Abs: fixed(ALG.eltwiseAbs),
  Neg: fixed(ALG.eltwiseLinear, -1, 0),
};

/**
 * Runs one eltwise forward over `size` values: `y = alg(x)`.
 *
 * @example
 * ```ts
 * import { ALG } from "./abi.ts";
 * const x = new Float32Array([-1, 2]), y = new Float32Array(2);
 * runEltwise({ alg: ALG.eltwiseRelu, alpha: 0, beta: 0 }, x, y); // y: [0, 2]
 * ```
 */
export function runEltwise(
  op: Eltwise,
  x: Float32Array<ArrayBuffer>,
  y: Float32Array<ArrayBuffer>,
): void {
  const size = x.length;
  const primitive = primitives.get(`eltwise ${op.alg} ${op.alpha} ${op.beta} ${size}`, () => {
    const md = memoryDesc(plain([size]));
    return new Primitive(eltwiseForwardDesc(op.alg, md, op.alpha, op.beta), {
      operands: [{ arg: ARG.src, desc: md }, { arg: ARG.dst, desc: md, output: true }],
    });
  });
  primitive.run([x, y]);
}

function unaryKernel(name: string, op: (attrs: tf.NamedAttrMap) => Eltwise): tf.KernelConfig {
  const fallback = cpuKernel(name);
  const kernelFunc = (args: KernelArgs) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const size = x.shape.reduce((a, b) => a * b, 1);
    if (x.dtype !== "float32" || size < SMALL_TENSOR) return fallback(args as never);
    const [out, y] = newOutput(args.backend, x.shape);
    runEltwise(op(args.attrs ?? {}), floats(args.backend, x), y);
    return out;
  };
  return { kernelName: name, backendName: NATIVE_BACKEND, kernelFunc: kernelFunc as never };
}

/** The unary kernels above, for the native backend. */
export function unaryKernelConfigs(): tf.KernelConfig[] {
  return Object.entries(UNARY_OPS).map(([name, op]) => unaryKernel(name, op));
}
