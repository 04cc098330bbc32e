/**
 * Reductions on oneDNN: Sum, Mean, Max and Min of float32 tensors over any axes, the
 * tensor read in place (the cpu kernels first transpose the reduced axes innermost).
 * Adjacent axes that are reduced alike are merged, so a bias gradient, Sum over
 * (N, H, W) of (N, H, W, C), is one (NHW, C) -> (1, C) reduction.
 *
 * oneDNN 2.6's reduction primitive has vectorised kernels only for some layouts; for
 * (NHW, C) -> (1, C) it runs its reference kernel, 13 ms for a (43264, 32) sum on one
 * core. A sum is a product with a vector of ones, which oneDNN's matmul runs at memory
 * speed, so Sum and Mean whose merged shape is (R, K), (K, R) or (K1, R, K2) are matmuls
 * (ones (1, R) @ x (R, K); x (K, R) @ ones (R, 1); ones (1, 1, R) @ x (K1, R, K2)
 * batched). Mean's vector holds 1/R instead of ones. Max, Min and other shapes use the
 * reduction primitive.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { ALG, ARG } from "./abi.ts";
import { reductionPlan } from "./broadcast.ts";
import { matmulDesc, reductionDesc } from "./descriptors.ts";
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

const REDUCTIONS: Record<string, number> = {
  Sum: ALG.reductionSum,
  Mean: ALG.reductionMean,
  Max: ALG.reductionMax,
  Min: ALG.reductionMin,
};

/**
 * Reduces `x` of `shape` over `axes` with `alg` into `out` (the kept dims, row-major).
 *
 * @example
 * ```ts
 * import { ALG } from "./abi.ts";
 * const dy = new Float32Array(4 * 5 * 5 * 8), dbias = new Float32Array(8);
 * runReduction(ALG.reductionSum, [4, 5, 5, 8], [0, 1, 2], dy, dbias); // bias gradient
 * ```
 */
export function runReduction(
  alg: number,
  shape: readonly number[],
  axes: readonly number[],
  x: Float32Array<ArrayBuffer>,
  out: Float32Array<ArrayBuffer>,
): void {
  const plan = reductionPlan(shape, axes);
  const sumLike = alg === ALG.reductionSum || alg === ALG.reductionMean;
  if (sumLike && reduceByProduct(plan, alg === ALG.reductionMean, x, out)) return;
  const primitive = primitives.get(`reduction ${alg} ${plan.src} ${plan.dst}`, () => {
    const src = memoryDesc(plain(plan.src));
    const dst = memoryDesc(plain(plan.dst));
    return new Primitive(reductionDesc(alg, src, dst), {
      operands: [{ arg: ARG.src, desc: src }, { arg: ARG.dst, desc: dst, output: true }],
    });
  });
  primitive.run([x, out]);
}

/** Vectors of `count` copies of `value`, by count and value. */
const constantVectors = new Map<string, Float32Array<ArrayBuffer>>();

function constantVector(count: number, value: number): Float32Array<ArrayBuffer> {
  const key = `${count} ${value}`;
  let vector = constantVectors.get(key);
  if (vector === undefined) {
    vector = new Float32Array(count).fill(value);
    constantVectors.set(key, vector);
  }
  return vector;
}

/**
 * Sum (or mean, `scale` 1/R) of `x` as a product with a constant vector, when the merged
 * shape allows one; returns false otherwise.
 */
function reduceByProduct(
  plan: { src: number[]; dst: number[] },
  mean: boolean,
  x: Float32Array<ArrayBuffer>,
  out: Float32Array<ArrayBuffer>,
): boolean {
  const { src, dst } = plan;
  const reducedFirst = dst[0] === 1;
  if (src.length === 1) {
    reduceVector(src[0], mean, x, out);
    return true;
  }
  let shapes: { a: number[]; b: number[]; c: number[]; xIsA: boolean; R: number } | undefined;
  if (src.length === 2 && reducedFirst) {
    const [R, K] = src;
    shapes = { a: [1, 1, R], b: [1, R, K], c: [1, 1, K], xIsA: false, R };
  } else if (src.length === 2) {
    const [K, R] = src;
    shapes = { a: [1, K, R], b: [1, R, 1], c: [1, K, 1], xIsA: true, R };
  } else if (src.length === 3 && !reducedFirst) {
    const [K1, R, K2] = src;
    shapes = { a: [1, 1, R], b: [K1, R, K2], c: [K1, 1, K2], xIsA: false, R };
  }
  if (shapes === undefined) return false;
  const { a, b, c, xIsA, R } = shapes;
  const vector = constantVector(R, mean ? 1 / R : 1);
  productPrimitive(a, b, c).run(xIsA ? [x, vector, out] : [vector, x, out]);
  return true;
}

/** The matmul primitive (a) @ (b) -> (c) of plain row-major operands, made once per shapes. */
function productPrimitive(a: number[], b: number[], c: number[]): Primitive {
  return primitives.get(`reduce-matmul ${a} ${b}`, () => {
    const [ma, mb, mc] = [a, b, c].map((dims) => memoryDesc(plain(dims)));
    return new Primitive(matmulDesc(ma, mb, null, mc), {
      operands: [
        { arg: ARG.src, desc: ma },
        { arg: ARG.weights, desc: mb },
        { arg: ARG.dst, desc: mc, output: true },
      ],
    });
  });
}

/** Columns of the matrix a whole-tensor sum views its input as. */
const VECTOR_COLUMNS = 128;
const columnSums = new Float32Array(VECTOR_COLUMNS);

/**
 * Sum (or mean) of all `R` values of `x` into `out[0]`: the first rows x 128 values as
 * column sums, ones (1, rows) @ x (rows, 128), then the 128 column sums and the last
 * R mod 128 values added here. oneDNN's matmul runs the plain (1, R) @ (R, 1) product
 * about ten times slower (R = 307,200, one thread: 0.40 ms against 0.04 ms); whole-tensor
 * sums are common (an L2 penalty's sum of squared weights, a loss's mean).
 */
function reduceVector(
  R: number,
  mean: boolean,
  x: Float32Array<ArrayBuffer>,
  out: Float32Array<ArrayBuffer>,
): void {
  const rows = Math.floor(R / VECTOR_COLUMNS);
  const scale = mean ? 1 / R : 1;
  let total = 0;
  if (rows > 0) {
    const primitive = productPrimitive(
      [1, 1, rows],
      [1, rows, VECTOR_COLUMNS],
      [1, 1, VECTOR_COLUMNS],
    );
    primitive.run([constantVector(rows, scale), x, columnSums]);
    for (let j = 0; j < VECTOR_COLUMNS; j++) total += columnSums[j];
  }
  for (let i = rows * VECTOR_COLUMNS; i < R; i++) total += x[i] * scale;
  out[0] = total;
}

function reductionKernel(name: string, alg: number): tf.KernelConfig {
  const fallback = cpuKernel(name);
  const kernelFunc = (args: KernelArgs) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    // Max names its axes `reductionIndices`; Sum, Mean and Min name them `axis`.
    const { axis, reductionIndices, keepDims } = args.attrs as {
      axis?: number | number[];
      reductionIndices?: number | number[];
      keepDims: boolean;
    };
    const size = tf.util.sizeFromShape(x.shape);
    if (x.dtype !== "float32" || size < SMALL_TENSOR) return fallback(args as never);
    const axes = tf.util.parseAxisParam(axis ?? reductionIndices!, x.shape);
    const reduced = axes.reduce((n, a) => n * x.shape[a], 1);
    // Reducing nothing (all axes of size 1) is a copy the cpu kernel does as well.
    if (reduced === 1) return fallback(args as never);
    const shape = keepDims
      ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d))
      : x.shape.filter((_, i) => !axes.includes(i));
    const [out, values] = newOutput(args.backend, shape);
    runReduction(alg, x.shape, axes, floats(args.backend, x), values);
    return out;
  };
  return { kernelName: name, backendName: NATIVE_BACKEND, kernelFunc: kernelFunc as never };
}

/** The reduction kernels above, for the native backend. */
export function reduceKernelConfigs(): tf.KernelConfig[] {
  return Object.entries(REDUCTIONS).map(([name, alg]) => reductionKernel(name, alg));
}
