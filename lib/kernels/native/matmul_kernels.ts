/**
 * Matrix products on oneDNN's matmul primitive: BatchMatMul and _FusedMatMul (bias and
 * relu, relu6 or leaky relu), with transposed operands read in place through strides
 * (tfjs's gradients of a product are products with `transposeA`/`transposeB`).
 *
 * Shapes: a (..., M, K) or transposed (..., K, M), b (..., K, N) or (..., N, K), the
 * leading (batch) dims broadcast numpy-style and flattened to one; bias (N,); out
 * (..., M, N).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { ARG } from "./abi.ts";
import { matmulDesc } from "./descriptors.ts";
import {
  allFloat32,
  cpuKernel,
  floats,
  type KernelArgs,
  NATIVE_BACKEND,
  newOutput,
  primitives,
} from "./kernel_util.ts";
import { memoryDesc } from "./memory_desc.ts";
import { activationPostOps, type EltwisePostOp, Primitive } from "./primitive.ts";

/** A product's geometry: batches of each side (1 = broadcast), M, K, N, transposes. */
interface Product {
  batchA: number;
  batchB: number;
  batch: number;
  M: number;
  K: number;
  N: number;
  transposeA: boolean;
  transposeB: boolean;
}

/** The geometry, or undefined when the batch dims do not flatten to one broadcast. */
function product(a: number[], b: number[], transposeA: boolean, transposeB: boolean) {
  const [M, K] = transposeA ? [a.at(-1)!, a.at(-2)!] : [a.at(-2)!, a.at(-1)!];
  const N = transposeB ? b.at(-2)! : b.at(-1)!;
  const batchShapeA = a.slice(0, -2);
  const batchShapeB = b.slice(0, -2);
  const batchA = batchShapeA.reduce((x, y) => x * y, 1);
  const batchB = batchShapeB.reduce((x, y) => x * y, 1);
  // Only whole-batch broadcasting (one side a single matrix) flattens to oneDNN's 3-D.
  if (batchA !== batchB && batchA !== 1 && batchB !== 1) return undefined;
  const batchShape = batchA >= batchB ? batchShapeA : batchShapeB;
  const p: Product = {
    batchA,
    batchB,
    batch: Math.max(batchA, batchB),
    M,
    K,
    N,
    transposeA,
    transposeB,
  };
  return { product: p, outShape: [...batchShape, M, N] };
}

/**
 * The primitive of a product, its bias and post-ops, through the primitive cache (which
 * may have destroyed and rebuilt it since the last call: plans keep the key, not the
 * primitive).
 */
function productPrimitive(
  key: string,
  p: Product,
  postOps: EltwisePostOp[],
  hasBias: boolean,
): Primitive {
  return primitives.get(key, () => {
    const { M, K, N } = p;
    const a = memoryDesc({
      dims: [p.batchA, M, K],
      strides: p.transposeA ? [M * K, 1, M] : [M * K, K, 1],
    });
    const b = memoryDesc({
      dims: [p.batchB, K, N],
      strides: p.transposeB ? [K * N, 1, K] : [K * N, N, 1],
    });
    const bias = hasBias ? memoryDesc({ dims: [1, 1, N], strides: [N, N, 1] }) : null;
    const c = memoryDesc({ dims: [p.batch, M, N], strides: [M * N, N, 1] });
    return new Primitive(matmulDesc(a, b, bias, c), {
      operands: [
        { arg: ARG.src, desc: a },
        { arg: ARG.weights, desc: b },
        ...(bias ? [{ arg: ARG.bias, desc: bias }] : []),
        { arg: ARG.dst, desc: c, output: true },
      ],
      postOps,
    });
  });
}

/** How a product of given shapes and attributes runs, or null for the cpu kernel. */
type Plan = { key: string; primitive: () => Primitive; outShape: number[] } | null;

function matmulKernel(name: "BatchMatMul" | "_FusedMatMul"): tf.KernelConfig {
  const fallback = cpuKernel(name);
  // A step multiplies the same few shapes again and again: plan each once.
  const plans = new Map<string, Plan>();
  const kernelFunc = (args: KernelArgs) => {
    const { a, b, bias, preluActivationWeights } = args.inputs as Record<
      string,
      tf.TensorInfo | undefined
    >;
    const attrs = args.attrs as {
      transposeA: boolean;
      transposeB: boolean;
      activation?: string;
      leakyreluAlpha?: number;
    };
    if (!allFloat32(a, b, bias) || preluActivationWeights !== undefined) {
      return fallback(args as never);
    }
    const key = `${a!.shape}|${b!.shape}|${bias?.shape}|${attrs.transposeA}|` +
      `${attrs.transposeB}|${attrs.activation}|${attrs.leakyreluAlpha}`;
    let plan = plans.get(key);
    if (plan === undefined) {
      if (plans.size > 4096) plans.clear();
      const postOps = activationPostOps(attrs.activation, attrs.leakyreluAlpha);
      const shapes = product(a!.shape, b!.shape, attrs.transposeA, attrs.transposeB);
      plan = postOps === undefined || shapes === undefined ||
          (bias !== undefined && !(bias.shape.length === 1 && bias.shape[0] === shapes.product.N))
        ? null
        : {
          key: `matmul ${JSON.stringify(shapes.product)} ${bias !== undefined} ` +
            JSON.stringify(postOps),
          primitive() {
            return productPrimitive(this.key, shapes.product, postOps, bias !== undefined);
          },
          outShape: shapes.outShape,
        };
      plans.set(key, plan);
    }
    if (plan === null) return fallback(args as never);
    const backend = args.backend;
    const [out, values] = newOutput(backend, plan.outShape);
    const data = [floats(backend, a!), floats(backend, b!)];
    if (bias) data.push(floats(backend, bias));
    data.push(values);
    plan.primitive().run(data);
    return out;
  };
  return { kernelName: name, backendName: NATIVE_BACKEND, kernelFunc: kernelFunc as never };
}

/** The matmul kernels above, for the native backend. */
export function matmulKernelConfigs(): tf.KernelConfig[] {
  return [matmulKernel("BatchMatMul"), matmulKernel("_FusedMatMul")];
}
