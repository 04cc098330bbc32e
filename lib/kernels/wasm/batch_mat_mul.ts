/**
 * `BatchMatMul` for the wasm backend that always ends on XNNPACK.
 *
 * tfjs-backend-wasm 4.22 multiplies with XNNPACK only when neither operand is transposed
 * and both batches are 1; anything else takes a scalar triple loop. Every matMul's
 * gradient transposes an operand (dx = dy w^T, dw = x^T dy), so without this all dense
 * backward passes run that loop. Here a transposed operand is transposed explicitly (a
 * copy, O(size) against the product's O(M K P)), a batch of `a` against one `b` is
 * folded into the rows, and other batches are multiplied one matrix at a time; each
 * product is the stock kernel's fast case, called directly (calling tf.matMul here would
 * dispatch back to this kernel and recurse).
 *
 * Shapes: a (..., M, K) or (..., K, M) with transposeA, b (..., K, P) or (..., P, K) with
 * transposeB, batch dimensions broadcast; output (..., M, P); float32.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { argumentError } from "../../errors.ts";
import { asTensor, stockKernel, wrapOutput } from "./registry.ts";

const product = (dims: number[]) => dims.reduce((a, b) => a * b, 1);

/** a (M, K) times b (K, P) on the stock kernel's XNNPACK path. */
function fastMatMul(a: tf.Tensor2D, b: tf.Tensor2D, backend: BackendWasm): tf.Tensor2D {
  const out = stockKernel("BatchMatMul").kernelFunc({
    inputs: { a, b },
    backend,
    attrs: { transposeA: false, transposeB: false },
  }) as tf.TensorInfo;
  return wrapOutput(out) as tf.Tensor2D;
}

/**
 * a times b with optional transposes, as matrices the fast path accepts.
 *
 * @param a (..., M, K), or (..., K, M) when transposeA
 * @param b (..., K, P), or (..., P, K) when transposeB
 * @returns (..., M, P), the batch dimensions broadcast
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
 * import { batchMatMul } from "./batch_mat_mul.ts";
 * import { initBackend } from "../../backend/init.ts";
 *
 * await initBackend({ backend: "wasm" });
 * const x = tf.randomNormal([64, 100]); // (N, D)
 * const dy = tf.randomNormal([64, 10]); // (N, M)
 * const dw = batchMatMul(x, dy, true, false, tf.backend() as BackendWasm); // x^T dy
 * dw.shape; // [100, 10]
 * ```
 */
export function batchMatMul(
  a: tf.Tensor,
  b: tf.Tensor,
  transposeA: boolean,
  transposeB: boolean,
  backend: BackendWasm,
): tf.Tensor {
  const outer = tf.broadcast_util.assertAndGetBroadcastShape(
    a.shape.slice(0, -2),
    b.shape.slice(0, -2),
  );
  const [aRows, aCols] = a.shape.slice(-2);
  const [bRows, bCols] = b.shape.slice(-2);
  const [m, k] = transposeA ? [aCols, aRows] : [aRows, aCols];
  const [kB, p] = transposeB ? [bCols, bRows] : [bRows, bCols];
  if (k !== kB) {
    throw argumentError(
      "matMul b",
      b.shape,
      `an inner size of ${k} to match a of shape [${a.shape}] ` +
        `(transposeA ${transposeA}, transposeB ${transposeB})`,
    );
  }
  return tf.tidy(() => {
    const batchA = product(a.shape.slice(0, -2));
    const batchB = product(b.shape.slice(0, -2));
    // (batch, M, K) and (batch, K, P), transposed where asked.
    let a3 = tf.reshape(a, [batchA, aRows, aCols]);
    if (transposeA) a3 = tf.transpose(a3, [0, 2, 1]);
    let b3 = tf.reshape(b, [batchB, bRows, bCols]);
    if (transposeB) b3 = tf.transpose(b3, [0, 2, 1]);
    if (batchB === 1) {
      // One b for every a: stack all rows of a into one product.
      const c = fastMatMul(
        tf.reshape(a3, [batchA * m, k]),
        tf.reshape(b3, [k, p]),
        backend,
      );
      return tf.reshape(c, [...outer, m, p]);
    }
    const batch = product(outer);
    if (batchA !== batch) {
      a3 = tf.reshape(
        tf.broadcastTo(tf.reshape(a3, [...a.shape.slice(0, -2), m, k]), [...outer, m, k]),
        [batch, m, k],
      );
    }
    if (batchB !== batch) {
      b3 = tf.reshape(
        tf.broadcastTo(tf.reshape(b3, [...b.shape.slice(0, -2), k, p]), [...outer, k, p]),
        [batch, k, p],
      );
    }
    const aMatrices = tf.unstack(a3) as tf.Tensor2D[];
    const bMatrices = tf.unstack(b3) as tf.Tensor2D[];
    const products = aMatrices.map((ai, i) => fastMatMul(ai, bMatrices[i], backend));
    return tf.reshape(tf.stack(products), [...outer, m, p]);
  });
}

function kernelFunc(
  args: { inputs: tf.NamedTensorInfoMap; backend: BackendWasm; attrs?: tf.NamedAttrMap },
): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
  const a = inputs.a as tf.TensorInfo, b = inputs.b as tf.TensorInfo;
  const fastAlready = !transposeA && !transposeB &&
    product(a.shape.slice(0, -2)) === 1 && product(b.shape.slice(0, -2)) === 1;
  if (fastAlready || a.dtype !== "float32" || b.dtype !== "float32") {
    // The stock kernel's own case (or its own error for other dtypes).
    return stockKernel("BatchMatMul").kernelFunc(args) as tf.TensorInfo;
  }
  return batchMatMul(asTensor(a), asTensor(b), transposeA, transposeB, backend);
}

/**
 * Kernel config: register with `replaceWasmKernel` (lib/kernels/mod.ts does).
 *
 * @example
 * ```ts
 * import { batchMatMulConfig } from "./batch_mat_mul.ts";
 * import { replaceWasmKernel } from "./registry.ts";
 *
 * replaceWasmKernel(batchMatMulConfig);
 * ```
 */
export const batchMatMulConfig: tf.KernelConfig = {
  kernelName: "BatchMatMul",
  backendName: "wasm",
  kernelFunc: kernelFunc as unknown as tf.KernelFunc,
};
