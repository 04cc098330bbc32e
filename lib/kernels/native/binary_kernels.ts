/**
 * Broadcasting binary kernels on oneDNN's binary primitive: Add, Sub, Multiply, RealDiv,
 * Maximum, Minimum and SquaredDifference of float32 tensors.
 *
 * oneDNN broadcasts only its second operand, so the operand that already has the output's
 * size goes first. When that is `b`, commutative ops swap their operands; Sub computes
 * `-(b - a)` (a negating post-op, exact); SquaredDifference is `(a - b)^2` either way;
 * a RealDiv whose numerator broadcasts, and any pair where both operands broadcast, run
 * the cpu kernel (neither occurs in nnlab's training steps).
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import { ALG, ARG } from "./abi.ts";
import { broadcastPlan, broadcastShape, coversShape } from "./broadcast.ts";
import { binaryDesc } from "./descriptors.ts";
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
import { type EltwisePostOp, Primitive } from "./primitive.ts";

/** How a tfjs binary kernel maps onto oneDNN. */
interface BinaryOp {
  alg: number;
  /** Post-ops applied to the result. */
  post: EltwisePostOp[];
  /** Post-ops when the operands are swapped (b first); undefined: cannot swap. */
  swapped?: EltwisePostOp[];
}

const BINARY_OPS: Record<string, BinaryOp> = {
  Add: { alg: ALG.binaryAdd, post: [], swapped: [] },
  Multiply: { alg: ALG.binaryMul, post: [], swapped: [] },
  Maximum: { alg: ALG.binaryMax, post: [], swapped: [] },
  Minimum: { alg: ALG.binaryMin, post: [], swapped: [] },
  Sub: { alg: ALG.binarySub, post: [], swapped: [{ alg: ALG.eltwiseLinear, alpha: -1 }] },
  RealDiv: { alg: ALG.binaryDiv, post: [] },
  SquaredDifference: {
    alg: ALG.binarySub,
    post: [{ alg: ALG.eltwiseSquare }],
    swapped: [{ alg: ALG.eltwiseSquare }],
  },
};

/**
 * `out = op(full, partial)` where `full` has the output's size and `partial` broadcasts
 * into it (dims from {@linkcode broadcastPlan}).
 *
 * @example
 * ```ts
 * import { ALG } from "./abi.ts";
 * // (8, 5, 5, 3) + (3,): bias added to each of 200 rows.
 * const x = new Float32Array(600), bias = Float32Array.of(1, 2, 3), out = new Float32Array(600);
 * runBinary(ALG.binaryAdd, [], { full: [200, 3], partial: [1, 3] }, x, bias, out);
 * ```
 */
export function runBinary(
  alg: number,
  post: EltwisePostOp[],
  plan: { full: number[]; partial: number[] },
  full: Float32Array<ArrayBuffer>,
  partial: Float32Array<ArrayBuffer>,
  out: Float32Array<ArrayBuffer>,
): void {
  const key = `binary ${alg} ${JSON.stringify(post)} ${plan.full} ${plan.partial}`;
  const primitive = primitives.get(key, () => {
    const src0 = memoryDesc(plain(plan.full));
    const src1 = memoryDesc(plain(plan.partial));
    return new Primitive(binaryDesc(alg, src0, src1, src0), {
      operands: [
        { arg: ARG.src, desc: src0 },
        { arg: ARG.src1, desc: src1 },
        { arg: ARG.dst, desc: src0, output: true },
      ],
      postOps: post,
    });
  });
  primitive.run([full, partial, out]);
}

/** How one pair of operand shapes runs: output shape, operand order, merged dims. */
interface Plan {
  shape: number[];
  swap: boolean;
  post: EltwisePostOp[];
  dims: { full: number[]; partial: number[] };
}

/** The plan for shapes a and b, or null when the cpu kernel runs them. */
function plan(op: BinaryOp, a: number[], b: number[]): Plan | null {
  const shape = broadcastShape(a, b);
  if (shape === undefined || shape.reduce((x, y) => x * y, 1) < SMALL_TENSOR) return null;
  let swap: boolean;
  if (coversShape(a, shape)) swap = false;
  else if (coversShape(b, shape) && op.swapped) swap = true;
  else return null;
  const dims = broadcastPlan(shape, swap ? a : b);
  if (dims === undefined) return null;
  return { shape, swap, post: swap ? op.swapped! : op.post, dims };
}

function binaryKernel(name: string, op: BinaryOp): tf.KernelConfig {
  const fallback = cpuKernel(name);
  // A step meets the same few shape pairs again and again: plan each once.
  const plans = new Map<string, Plan | null>();
  const kernelFunc = (args: KernelArgs) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    if (a.dtype !== "float32" || b.dtype !== "float32") return fallback(args as never);
    const key = `${a.shape}|${b.shape}`;
    let p = plans.get(key);
    if (p === undefined) {
      if (plans.size > 4096) plans.clear();
      p = plan(op, a.shape, b.shape);
      plans.set(key, p);
    }
    if (p === null) return fallback(args as never);
    const [full, partial] = p.swap ? [b, a] : [a, b];
    const [out, values] = newOutput(args.backend, p.shape);
    runBinary(
      op.alg,
      p.post,
      p.dims,
      floats(args.backend, full),
      floats(args.backend, partial),
      values,
    );
    return out;
  };
  return { kernelName: name, backendName: NATIVE_BACKEND, kernelFunc: kernelFunc as never };
}

/** The binary kernels above, for the native backend. */
export function binaryKernelConfigs(): tf.KernelConfig[] {
  return Object.entries(BINARY_OPS).map(([name, op]) => binaryKernel(name, op));
}
