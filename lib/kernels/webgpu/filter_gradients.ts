/**
 * `Conv2DBackpropFilter` and `DepthwiseConv2dNativeBackpropFilter` for the webgpu
 * backend. Two ways, chosen by the filter's size:
 * - the chunked reduction of lib/kernels/webgpu/filter_gradient_programs.ts (which says
 *   why the stock kernels leave a GPU idle at nnlab's shapes, and are wrong on lavapipe
 *   past 65,535 positions): depthwise filters, and small filters;
 * - unfolding x into patches (lib/kernels/webgpu/im2col_program.ts) and one matrix
 *   product with dy, tfjs's tiled one: convolutions with large filters (MNIST's conv2,
 *   1x1 convolutions), where the product has enough tiles to fill the GPU.
 *
 * Shapes: x (N, H, W, Ci), dy (N, OH, OW, Cdy), output the filter shape. NHWC and
 * dilation 1 only (all nnlab uses); anything else runs the stock kernel.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";
import {
  chunkCount,
  type FilterGradientGeometry,
  filterGradientPartialsProgram,
  filterGradientUniforms,
  sumLeadingAxisProgram,
} from "./filter_gradient_programs.ts";
import { im2colProgram, im2colUniforms } from "./im2col_program.ts";
import { stockWebgpuKernel } from "./registry.ts";

type Shape4 = [number, number, number, number];

/**
 * Filters with at least this many elements take the matrix product (unless 1x1, which
 * always does). Set on lavapipe, per call: MNIST conv2 (3x3x32x64 = 18,432) 532 ms by
 * matrix product against 1,647 ms in chunks and 2,239 ms stock; a 3x3x8x8 block at batch
 * 128 730 ms in chunks against 1,369 ms by matrix product. To be re-measured on a GPU.
 */
export const MIN_MATMUL_FILTER_SIZE = 8192;

/**
 * The filter gradient by the chunked reduction (two passes), for any geometry.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";
 * const backend = tf.backend() as WebGPUBackend; // webgpu active
 * const [x, dy] = [tf.zeros([2, 8, 8, 32]), tf.zeros([2, 8, 8, 32])];
 * const dw = filterGradientInChunks(backend, x, dy, {
 *   filterShape: [7, 7, 32, 1], strides: [1, 1], padTop: 3, padLeft: 3, depthwise: true,
 * });
 * ```
 */
export function filterGradientInChunks(
  backend: WebGPUBackend,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  geometry: FilterGradientGeometry,
): tf.TensorInfo {
  const [N, OH, OW] = dy.shape;
  const positions = N * OH * OW;
  const filterSize = geometry.filterShape.reduce((a, b) => a * b, 1);
  const chunks = chunkCount(filterSize, positions);
  const chunk = Math.ceil(positions / chunks);
  const partials = backend.runWebGPUProgram(
    filterGradientPartialsProgram(geometry, chunks),
    [x, dy],
    "float32",
    filterGradientUniforms(geometry, chunk, positions),
  );
  const out = backend.runWebGPUProgram(
    sumLeadingAxisProgram(geometry.filterShape),
    [partials],
    "float32",
  );
  backend.disposeData(partials.dataId);
  return out;
}

/**
 * dw of a (non-depthwise) convolution as patches^T x dy with tfjs's tiled matrix product.
 * A 1x1 stride-1 unpadded convolution's patches are x itself. Returns undefined (the
 * chunked kernel then runs) when the patch matrix would not fit in half of one storage
 * buffer, or when the filter has fewer than `minFilterSize` elements (default
 * {@linkcode MIN_MATMUL_FILTER_SIZE}):
 * a small output gives the matrix product few tiles, while unfolding still copies x
 * KH * KW times.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";
 * const backend = tf.backend() as WebGPUBackend; // webgpu active
 * const [x, dy] = [tf.zeros([64, 13, 13, 32]), tf.zeros([64, 11, 11, 64])];
 * const dw = filterGradientByMatMul(backend, x, dy, {
 *   filterShape: [3, 3, 32, 64], strides: [1, 1], padTop: 0, padLeft: 0, depthwise: false,
 * });
 * ```
 */
export function filterGradientByMatMul(
  backend: WebGPUBackend,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  geometry: FilterGradientGeometry,
  minFilterSize = MIN_MATMUL_FILTER_SIZE,
): tf.TensorInfo | undefined {
  const [N, OH, OW, Co] = dy.shape;
  const [KH, KW, Ci] = geometry.filterShape;
  const rows = N * OH * OW;
  const columns = KH * KW * Ci;
  if (rows * columns * 4 > backend.device.limits.maxStorageBufferBindingSize / 2) return undefined;
  const identity = KH === 1 && KW === 1 && geometry.strides.every((s) => s === 1) &&
    geometry.padTop === 0 && geometry.padLeft === 0;
  if (!identity && columns * Co < minFilterSize) return undefined;
  const reshape = (t: tf.TensorInfo, shape: number[]) =>
    tf.getKernel("Reshape", "webgpu")!.kernelFunc({
      inputs: { x: t },
      backend,
      attrs: { shape },
    }) as tf.TensorInfo;
  const positions: [number, number, number] = [N, OH, OW];
  const patches = identity ? reshape(x, [1, rows, columns]) : backend.runWebGPUProgram(
    im2colProgram(geometry, positions),
    [x],
    "float32",
    im2colUniforms(geometry, positions),
  );
  const dy3 = reshape(dy, [1, rows, Co]);
  const product = tf.getKernel("BatchMatMul", "webgpu")!.kernelFunc({
    inputs: { a: patches, b: dy3 },
    backend,
    attrs: { transposeA: true, transposeB: false },
  }) as tf.TensorInfo;
  const out = reshape(product, geometry.filterShape);
  for (const t of [patches, dy3, product]) backend.disposeData(t.dataId);
  return out;
}

/** True when every dilation of `dilations` (a number, a pair, or absent) is 1. */
function undilated(dilations: unknown): boolean {
  if (dilations === undefined || dilations === null) return true;
  return (Array.isArray(dilations) ? dilations : [dilations]).every((d) => d === 1);
}

/**
 * dw of `tf.conv2d` on webgpu.
 *
 * @example
 * ```ts
 * import { replaceWebgpuKernel } from "./registry.ts";
 * replaceWebgpuKernel(conv2dBackpropFilterWebgpuConfig);
 * ```
 */
export const conv2dBackpropFilterWebgpuConfig: tf.KernelConfig = {
  kernelName: "Conv2DBackpropFilter",
  backendName: "webgpu",
  kernelFunc: (args) => {
    const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const attrs = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
    if (attrs.dataFormat === "NCHW") {
      return stockWebgpuKernel("Conv2DBackpropFilter").kernelFunc(args);
    }
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as Shape4,
      attrs.filterShape as Shape4,
      attrs.strides,
      1,
      attrs.pad,
      attrs.dimRoundingMode,
    );
    const backend = args.backend as WebGPUBackend;
    const geometry: FilterGradientGeometry = {
      filterShape: info.filterShape,
      strides: [info.strideHeight, info.strideWidth],
      padTop: info.padInfo.top,
      padLeft: info.padInfo.left,
      depthwise: false,
    };
    return filterGradientByMatMul(backend, x, dy, geometry) ??
      filterGradientInChunks(backend, x, dy, geometry);
  },
};

/**
 * dw of `tf.depthwiseConv2d` on webgpu (filter `(KH, KW, Ci, M)`).
 *
 * @example
 * ```ts
 * import { replaceWebgpuKernel } from "./registry.ts";
 * replaceWebgpuKernel(depthwiseConv2dBackpropFilterWebgpuConfig);
 * ```
 */
export const depthwiseConv2dBackpropFilterWebgpuConfig: tf.KernelConfig = {
  kernelName: "DepthwiseConv2dNativeBackpropFilter",
  backendName: "webgpu",
  kernelFunc: (args) => {
    const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const attrs = args.attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs;
    if (!undilated(attrs.dilations)) {
      return stockWebgpuKernel("DepthwiseConv2dNativeBackpropFilter").kernelFunc(args);
    }
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as Shape4,
      attrs.filterShape as Shape4,
      attrs.strides,
      1,
      attrs.pad,
      attrs.dimRoundingMode,
      true,
    );
    return filterGradientInChunks(args.backend as WebGPUBackend, x, dy, {
      filterShape: attrs.filterShape as Shape4,
      strides: [info.strideHeight, info.strideWidth],
      padTop: info.padInfo.top,
      padLeft: info.padInfo.left,
      depthwise: true,
    });
  },
};
