/**
 * `Conv2DBackpropFilter` and `DepthwiseConv2dNativeBackpropFilter` for the webgpu
 * backend, by the chunked reduction of lib/kernels/webgpu/filter_gradient_programs.ts
 * (which says why the stock kernels leave a GPU idle at nnlab's shapes).
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
import { stockWebgpuKernel } from "./registry.ts";

type Shape4 = [number, number, number, number];

/** Runs the two passes; returns the filter gradient's tensor info. */
function chunkedFilterGradient(
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
    return chunkedFilterGradient(args.backend as WebGPUBackend, x, dy, {
      filterShape: info.filterShape,
      strides: [info.strideHeight, info.strideWidth],
      padTop: info.padInfo.top,
      padLeft: info.padInfo.left,
      depthwise: false,
    });
  },
};

/**
 * dw of `tf.depthwiseConv2d` on webgpu (filter `(KH, KW, Ci, M)`).
 *
 * @example
 * ```ts
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
    return chunkedFilterGradient(args.backend as WebGPUBackend, x, dy, {
      filterShape: attrs.filterShape as Shape4,
      strides: [info.strideHeight, info.strideWidth],
      padTop: info.padInfo.top,
      padLeft: info.padInfo.left,
      depthwise: true,
    });
  },
};
