/**
 * WGSL programs for a convolution's filter gradient, split along the reduction.
 *
 * The filter gradient of an NHWC convolution is, for every filter element,
 *   dw[kh, kw, ci, co] = sum over (b, yr, yc) of x[b, yr*sh - padTop + kh, yc*sw - padLeft + kw, ci]
 *                                                * dy[b, yr, yc, co]
 * (depthwise: dy's channel is ci * M + m for dw[kh, kw, ci, m]). tfjs-backend-webgpu 4.22
 * gives each filter element one invocation that walks all N * OH * OW positions: 288
 * invocations for MNIST's first layer (3x3x1x32) and 1,568 for a ConvNeXt 7x7 depthwise
 * layer of 32 channels, each looping over 43,000 to 131,000 positions. A GPU needs tens of
 * thousands of invocations in flight, so those dispatches run on a few percent of it.
 *
 * Here the positions are cut into S chunks: the first program writes S partial sums per
 * filter element (S * F invocations, F = filter size), the second adds the S partials of
 * each element. S is chosen so that S * F reaches {@linkcode TARGET_INVOCATIONS} while
 * each chunk keeps at least {@linkcode MIN_CHUNK} positions. Summing in chunks also rounds
 * better than one running float32 sum over 10^5 terms.
 *
 * No invocation loops more than {@linkcode MAX_CHUNK} times. Besides bounding the time of
 * one invocation (a GPU watchdog resets the device after about 2 s on Windows), this keeps
 * lavapipe correct: Mesa's llvmpipe ends every shader's loops after 65,535 iterations in
 * total (LP_MAX_TGSI_LOOP_ITERATIONS, shared by all loops of an invocation), so the stock
 * kernels return wrong filter gradients on it once N * OH * OW passes about 65,000 (a
 * batch of 78 at 28x28, measured); see tests/webgpu_filter_gradients_test.ts.
 *
 * The programs follow tfjs-backend-webgpu's program contract (its shader header declares
 * the buffers `result`, one per input name, the `uniforms` struct with every shape, and
 * `setOutputAtIndex`); `main(index)` gets the flat invocation index.
 *
 * @module
 */
import type { WebGPUProgram } from "@tensorflow/tfjs-backend-webgpu";
import { flatDispatch } from "./dispatch.ts";

/** Invocations per workgroup of both programs. */
const WORKGROUP_SIZE = 64;
/** Enough invocations to occupy a large discrete GPU (about 30-100 units of 2,048). */
export const TARGET_INVOCATIONS = 65536;
/** Fewest positions per chunk: below this the partial sums cost more than they save. */
export const MIN_CHUNK = 64;
/** Most positions per chunk, and most chunks: each bounds the loop of one invocation. */
export const MAX_CHUNK = 16384;

/**
 * The number of chunks S for a filter of `filterSize` elements and `positions`
 * = N * OH * OW reduction terms (see the module comment).
 *
 * @example
 * ```ts
 * chunkCount(3 * 3 * 1 * 32, 64 * 26 * 26); // 228: MNIST conv1 at batch 64
 * chunkCount(3 * 3 * 32 * 64, 64 * 11 * 11); // 4: conv2 is already wide
 * chunkCount(1 * 1 * 256 * 256, 128 * 32 * 32); // 8: no chunk longer than MAX_CHUNK
 * ```
 */
export function chunkCount(filterSize: number, positions: number): number {
  const wanted = Math.min(
    Math.ceil(TARGET_INVOCATIONS / filterSize),
    Math.floor(positions / MIN_CHUNK),
  );
  const needed = Math.ceil(positions / MAX_CHUNK);
  return Math.min(MAX_CHUNK, Math.max(1, wanted, needed));
}

/** Geometry of one filter-gradient call, in the NHWC terms of the module comment. */
export interface FilterGradientGeometry {
  /** `[KH, KW, Ci, Cout]` for a convolution, `[KH, KW, Ci, M]` for a depthwise one. */
  filterShape: [number, number, number, number];
  strides: [number, number];
  /** Padding before the first row and column. */
  padTop: number;
  padLeft: number;
  /** True for a depthwise convolution (dy channel ci * M + m). */
  depthwise: boolean;
}

/**
 * First pass: partial sums `(S, F)` of the filter gradient over S chunks of the
 * positions. Inputs `x: (N, H, W, Ci)`, `dy: (N, OH, OW, Cdy)`.
 *
 * @example
 * ```ts
 * const program = filterGradientPartialsProgram(
 *   { filterShape: [3, 3, 1, 32], strides: [1, 1], padTop: 0, padLeft: 0, depthwise: false },
 *   228,
 * );
 * program.outputShape; // [228, 288]
 * ```
 */
export function filterGradientPartialsProgram(
  geometry: FilterGradientGeometry,
  chunks: number,
): WebGPUProgram {
  const filterSize = geometry.filterShape.reduce((a, b) => a * b, 1);
  const outputShape = [chunks, filterSize];
  const dyChannel = geometry.depthwise ? "ci * outChannels + co" : "co";
  return {
    variableNames: ["x", "dy"],
    outputShape,
    shaderKey: `nnlab_filter_gradient_partials_${geometry.depthwise}`,
    dispatchLayout: { x: [0, 1] },
    dispatch: flatDispatch(chunks * filterSize, WORKGROUP_SIZE),
    workgroupSize: [WORKGROUP_SIZE, 1, 1],
    size: true,
    uniforms: "strides : vec2<i32>, pads : vec2<i32>, filterDims : vec2<i32>, " +
      "outChannels : i32, chunk : i32, positions : i32,",
    getUserCode: () => `
      fn main(index : i32) {
        if (index >= uniforms.size) {
          return;
        }
        let filterSize = uniforms.outShape.y;
        let s = index / filterSize;
        let f = index - s * filterSize;
        // f = ((kh * KW + kw) * Ci + ci) * outChannels + co
        let outChannels = uniforms.outChannels;
        let inChannels = uniforms.xShape.w;
        let co = f % outChannels;
        let rest = f / outChannels;
        let ci = rest % inChannels;
        let tap = rest / inChannels;
        let kw = tap % uniforms.filterDims.y;
        let kh = tap / uniforms.filterDims.y;
        let dyChannel = ${dyChannel};
        let inHeight = uniforms.xShape.y;
        let inWidth = uniforms.xShape.z;
        let outHeight = uniforms.dyShape.y;
        let outWidth = uniforms.dyShape.z;
        let dyChannels = uniforms.dyShape.w;
        let start = s * uniforms.chunk;
        let end = min(start + uniforms.chunk, uniforms.positions);
        // Position p = (b * OH + yr) * OW + yc, walked without a division per step.
        var yc = start % outWidth;
        var yr = (start / outWidth) % outHeight;
        var b = start / (outWidth * outHeight);
        var sum = 0.0;
        for (var p = start; p < end; p = p + 1) {
          let xr = yr * uniforms.strides.x - uniforms.pads.x + kh;
          let xc = yc * uniforms.strides.y - uniforms.pads.y + kw;
          if (xr >= 0 && xr < inHeight && xc >= 0 && xc < inWidth) {
            sum = sum + x[((b * inHeight + xr) * inWidth + xc) * inChannels + ci] *
              dy[p * dyChannels + dyChannel];
          }
          yc = yc + 1;
          if (yc == outWidth) {
            yc = 0;
            yr = yr + 1;
            if (yr == outHeight) {
              yr = 0;
              b = b + 1;
            }
          }
        }
        setOutputAtIndex(index, sum);
      }
    `,
  };
}

/**
 * The uniforms {@linkcode filterGradientPartialsProgram} declares, in its order.
 *
 * @example
 * ```ts
 * const uniforms = filterGradientUniforms(
 *   { filterShape: [3, 3, 1, 32], strides: [1, 1], padTop: 0, padLeft: 0, depthwise: false },
 *   190,
 *   64 * 26 * 26,
 * );
 * ```
 */
export function filterGradientUniforms(
  geometry: FilterGradientGeometry,
  chunk: number,
  positions: number,
): { type: string; data: number[] }[] {
  const [KH, KW, , outChannels] = geometry.filterShape;
  return [
    { type: "int32", data: [...geometry.strides] },
    { type: "int32", data: [geometry.padTop, geometry.padLeft] },
    { type: "int32", data: [KH, KW] },
    { type: "int32", data: [outChannels] },
    { type: "int32", data: [chunk] },
    { type: "int32", data: [positions] },
  ];
}

/**
 * Second pass: the sum over the leading axis of `partials: (S, F)`, written in
 * `outputShape` (F elements, e.g. the filter's shape). Each invocation reads one column;
 * neighbouring invocations read neighbouring addresses.
 *
 * @example
 * ```ts
 * const program = sumLeadingAxisProgram([3, 3, 1, 32]);
 * ```
 */
export function sumLeadingAxisProgram(outputShape: number[]): WebGPUProgram {
  const size = outputShape.reduce((a, b) => a * b, 1);
  return {
    variableNames: ["partials"],
    outputShape,
    shaderKey: "nnlab_sum_leading_axis",
    dispatchLayout: { x: outputShape.map((_, i) => i) },
    dispatch: flatDispatch(size, WORKGROUP_SIZE),
    workgroupSize: [WORKGROUP_SIZE, 1, 1],
    size: true,
    getUserCode: () => `
      fn main(index : i32) {
        if (index >= uniforms.size) {
          return;
        }
        var sum = 0.0;
        for (var s = 0; s < uniforms.partialsShape.x; s = s + 1) {
          sum = sum + partials[s * uniforms.size + index];
        }
        setOutputAtIndex(index, sum);
      }
    `,
  };
}
