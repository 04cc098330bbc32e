/**
 * WGSL program that unfolds the windows of an NHWC convolution into rows ("im2col"), so
 * that the filter gradient becomes one matrix product:
 *   dw (KH * KW * Ci, Co) = patches^T (KH * KW * Ci, P) x dy (P, Co),  P = N * OH * OW,
 * which tfjs-backend-webgpu's tiled matrix product runs from workgroup memory, instead of
 * two global loads per multiply-add. Positions outside the padded input read 0.
 *
 * @module
 */
import type { WebGPUProgram } from "@tensorflow/tfjs-backend-webgpu";
import { flatDispatch } from "./dispatch.ts";
import type { FilterGradientGeometry } from "./filter_gradient_programs.ts";

const WORKGROUP_SIZE = 64;

/**
 * Patches `(1, P, KH * KW * Ci)` of `x: (N, H, W, Ci)` for the output positions of a
 * `dy: (N, OH, OW, Co)`; row p = (b * OH + yr) * OW + yc, column (kh * KW + kw) * Ci + ci.
 *
 * @example
 * ```ts
 * const program = im2colProgram(
 *   { filterShape: [3, 3, 32, 64], strides: [1, 1], padTop: 0, padLeft: 0, depthwise: false },
 *   [64, 11, 11],
 * );
 * program.outputShape; // [1, 7744, 288]
 * ```
 */
export function im2colProgram(
  geometry: FilterGradientGeometry,
  outputPositions: [number, number, number],
): WebGPUProgram {
  const [KH, KW, Ci] = geometry.filterShape;
  const [N, OH, OW] = outputPositions;
  const rows = N * OH * OW;
  const columns = KH * KW * Ci;
  return {
    variableNames: ["x"],
    outputShape: [1, rows, columns],
    shaderKey: "nnlab_im2col",
    dispatchLayout: { x: [0, 1, 2] },
    dispatch: flatDispatch(rows * columns, WORKGROUP_SIZE),
    workgroupSize: [WORKGROUP_SIZE, 1, 1],
    size: true,
    uniforms: "strides : vec2<i32>, pads : vec2<i32>, filterWidth : i32, outHeight : i32, " +
      "outWidth : i32,",
    getUserCode: () => `
      fn main(index : i32) {
        if (index >= uniforms.size) {
          return;
        }
        let columns = uniforms.outShape.z;
        let p = index / columns;
        let k = index - p * columns;
        let inChannels = uniforms.xShape.w;
        let ci = k % inChannels;
        let tap = k / inChannels;
        let kw = tap % uniforms.filterWidth;
        let kh = tap / uniforms.filterWidth;
        let yc = p % uniforms.outWidth;
        let yr = (p / uniforms.outWidth) % uniforms.outHeight;
        let b = p / (uniforms.outWidth * uniforms.outHeight);
        let xr = yr * uniforms.strides.x - uniforms.pads.x + kh;
        let xc = yc * uniforms.strides.y - uniforms.pads.y + kw;
        var value = 0.0;
        if (xr >= 0 && xr < uniforms.xShape.y && xc >= 0 && xc < uniforms.xShape.z) {
          value = x[((b * uniforms.xShape.y + xr) * uniforms.xShape.z + xc) * inChannels + ci];
        }
        setOutputAtIndex(index, value);
      }
    `,
  };
}

/**
 * The uniforms {@linkcode im2colProgram} declares, in its order.
 *
 * @example
 * ```ts
 * const uniforms = im2colUniforms(
 *   { filterShape: [3, 3, 32, 64], strides: [1, 1], padTop: 0, padLeft: 0, depthwise: false },
 *   [64, 11, 11],
 * );
 * ```
 */
export function im2colUniforms(
  geometry: FilterGradientGeometry,
  outputPositions: [number, number, number],
): { type: string; data: number[] }[] {
  return [
    { type: "int32", data: [...geometry.strides] },
    { type: "int32", data: [geometry.padTop, geometry.padLeft] },
    { type: "int32", data: [geometry.filterShape[1]] },
    { type: "int32", data: [outputPositions[1]] },
    { type: "int32", data: [outputPositions[2]] },
  ];
}
