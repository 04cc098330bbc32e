/**
 * `DepthwiseConv2dNative` (the forward depthwise convolution) for the wasm backend,
 * split into 5x5 pieces when the filter is larger.
 *
 * XNNPACK in tfjs-backend-wasm 4.22 has single-pass depthwise kernels for 3x3 and 5x5
 * filters only; any other size, like ConvNeXt's 7x7, falls back to a generic path about
 * 4x slower per tap (bench/kernels.ts). A KxK filter zero-padded to a multiple of 5 is a
 * sum of 5x5 pieces, each a depthwise convolution of the input shifted by the piece's
 * offset: 7x7 becomes four 5x5 convolutions (100 taps instead of 49, still about 2x
 * faster on large maps). Small maps keep the stock kernel, where the pieces' extra copies
 * and additions cost more than they save. Either way a NaN that XNNPACK's clamp turned
 * into -Infinity is put back (keep_nan.ts). The gradient with respect to the input is a
 * depthwise convolution too (depthwise_conv2d_backprop_input.ts), so it gains the same.
 *
 * Shapes: x (N, H, W, C), filter (KH, KW, C, M), output (N, OH, OW, C * M), NHWC.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import type { ConvAttrs } from "./conv_geometry.ts";
import { asTensor, stockKernel, wrapOutput } from "./registry.ts";
import { keepNaN } from "./keep_nan.ts";
import { allFinite } from "../finite.ts";

/** The filter side XNNPACK runs in one pass; larger filters are cut into these. */
const PIECE = 5;
/** Output maps smaller than this (OH * OW) keep the stock kernel; measured crossover. */
const MIN_OUTPUT_PIXELS = 256;

/** The stock kernel on one piece: x (N, H', W', C), filter (5, 5, C, M), valid. */
function stockDepthwise(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  strides: [number, number],
  backend: BackendWasm,
): tf.Tensor4D {
  const out = stockKernel("DepthwiseConv2dNative").kernelFunc({
    inputs: { x, filter },
    backend,
    attrs: { strides, pad: "valid", dilations: [1, 1], dataFormat: "NHWC" },
  }) as tf.TensorInfo;
  return wrapOutput(out) as tf.Tensor4D;
}

/**
 * A depthwise convolution computed as a sum of 5x5-piece convolutions.
 *
 * @param x (N, H, W, C)
 * @param filter (KH, KW, C, M)
 * @returns (N, OH, OW, C * M)
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
 * import { depthwiseByPieces } from "./depthwise_conv2d_native.ts";
 * import { initBackend } from "../../backend/init.ts";
 *
 * await initBackend({ backend: "wasm" });
 * const x = tf.randomNormal([2, 8, 8, 32]) as tf.Tensor4D; // (N, H, W, C)
 * const w = tf.randomNormal([7, 7, 32, 1]) as tf.Tensor4D; // one 7x7 filter per channel
 * const y = depthwiseByPieces(x, w, { strides: 1, pad: "same" }, tf.backend() as BackendWasm);
 * y.shape; // [2, 8, 8, 32]
 * ```
 */
export function depthwiseByPieces(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  { strides, pad, dimRoundingMode }: ConvAttrs,
  backend: BackendWasm,
): tf.Tensor4D {
  const info = tf.backend_util.computeConv2DInfo(
    x.shape,
    filter.shape,
    strides,
    1,
    pad,
    dimRoundingMode,
    true,
  );
  const { strideHeight: sh, strideWidth: sw, outHeight: oh, outWidth: ow, padInfo } = info;
  const [kh, kw, c, m] = filter.shape;
  const piecesH = Math.ceil(kh / PIECE), piecesW = Math.ceil(kw / PIECE);
  return tf.tidy(() => {
    const padded = tf.pad(filter, [
      [0, piecesH * PIECE - kh],
      [0, piecesW * PIECE - kw],
      [0, 0],
      [0, 0],
    ]);
    // Each piece reads (oh - 1) * stride + 5 rows from its offset; pad x so all fit.
    const rowsNeeded = (piecesH - 1) * PIECE + (oh - 1) * sh + PIECE;
    const colsNeeded = (piecesW - 1) * PIECE + (ow - 1) * sw + PIECE;
    const [n, h, w] = x.shape;
    const xp = tf.pad(x, [
      [0, 0],
      [padInfo.top, Math.max(0, rowsNeeded - h - padInfo.top)],
      [padInfo.left, Math.max(0, colsNeeded - w - padInfo.left)],
      [0, 0],
    ]);
    const parts: tf.Tensor4D[] = [];
    for (let i = 0; i < piecesH; i++) {
      for (let j = 0; j < piecesW; j++) {
        const piece = tf.slice(padded, [i * PIECE, j * PIECE, 0, 0], [PIECE, PIECE, c, m]);
        const shifted = tf.slice(
          xp,
          [0, i * PIECE, j * PIECE, 0],
          [n, (oh - 1) * sh + PIECE, (ow - 1) * sw + PIECE, c],
        );
        parts.push(stockDepthwise(shifted, piece as tf.Tensor4D, [sh, sw], backend));
      }
    }
    return tf.addN(parts);
  });
}

/** The forward pass: stock for small or 3x3/5x5 filters, 5x5 pieces otherwise. */
function depthwiseForward(
  args: { inputs: tf.NamedTensorInfoMap; backend: BackendWasm; attrs?: tf.NamedAttrMap },
): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const { strides, pad, dimRoundingMode, dilations } = attrs as unknown as
    & ConvAttrs
    & { dilations?: number | [number, number] };
  const x = inputs.x as tf.TensorInfo, filter = inputs.filter as tf.TensorInfo;
  const [kh, kw] = filter.shape;
  const dilated = dilations !== undefined && [dilations].flat().some((d) => d !== 1);
  const singlePass = kh <= PIECE && kw <= PIECE && (kh * kw === 9 || kh * kw === 25);
  if (dilated || singlePass || x.dtype !== "float32" || x.shape.length !== 4) {
    return stockKernel("DepthwiseConv2dNative").kernelFunc(args) as tf.TensorInfo;
  }
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    strides,
    1,
    pad,
    dimRoundingMode,
    true,
  );
  // The pieces' zero-padded taps multiply inputs the filter does not reach: 0 * Inf is
  // NaN there. Only finite inputs (every healthy run) take the pieces.
  if (
    info.outHeight * info.outWidth < MIN_OUTPUT_PIXELS || Math.max(kh, kw) <= PIECE ||
    !allFinite(backend.typedArrayFromHeap(x) as Float32Array)
  ) {
    return stockKernel("DepthwiseConv2dNative").kernelFunc(args) as tf.TensorInfo;
  }
  return depthwiseByPieces(
    asTensor(x) as tf.Tensor4D,
    asTensor(filter) as tf.Tensor4D,
    { strides, pad, dimRoundingMode },
    backend,
  );
}

/** The forward pass with the NaN that XNNPACK's clamp turns into -Infinity put back. */
function kernelFunc(
  args: { inputs: tf.NamedTensorInfoMap; backend: BackendWasm; attrs?: tf.NamedAttrMap },
): tf.TensorInfo {
  return keepNaN(
    (x) => depthwiseForward({ ...args, inputs: { ...args.inputs, x } }),
    args.inputs.x as tf.TensorInfo,
    undefined,
    args.backend,
  );
}

/**
 * Kernel config: register with `replaceWasmKernel` (lib/kernels/mod.ts does).
 *
 * @example
 * ```ts
 * import { depthwiseConv2dNativeConfig } from "./depthwise_conv2d_native.ts";
 * import { replaceWasmKernel } from "./registry.ts";
 *
 * replaceWasmKernel(depthwiseConv2dNativeConfig);
 * ```
 */
export const depthwiseConv2dNativeConfig: tf.KernelConfig = {
  kernelName: "DepthwiseConv2dNative",
  backendName: "wasm",
  kernelFunc: kernelFunc as unknown as tf.KernelFunc,
};
