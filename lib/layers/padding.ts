/**
 * Padding specifications shared by convolution and pooling.
 *
 * @module
 */
import { argumentError } from "../errors.ts";

/**
 * How to pad the height and width of an NHWC input:
 * - `"valid"`: no padding;
 * - `"same"`: TensorFlow's rule, output size ceil(input / stride), any odd pixel of padding
 *   going to the bottom and right (PyTorch pads "same" only at stride 1, where they agree);
 * - `p`: p pixels on every side (cs231n's `pad`, PyTorch's `padding=p`);
 * - `[[top, bottom], [left, right]]`: explicit pixels per side.
 */
export type Padding = "same" | "valid" | number | [[number, number], [number, number]];

/** Padding resolved to tfjs's keywords or explicit pixels `[[top, bottom], [left, right]]`. */
export type ResolvedPadding = "same" | "valid" | [[number, number], [number, number]];

const ACCEPTED = `"same", "valid", a number of pixels >= 0, or [[top, bottom], [left, right]]`;

/**
 * Checks a padding specification and resolves a number p into `[[p, p], [p, p]]`
 * (0 into `"valid"`).
 *
 * @example
 * ```ts
 * import { resolvePadding } from "./padding.ts";
 *
 * resolvePadding("conv2d: pad", 1); // [[1, 1], [1, 1]]
 * ```
 */
export function resolvePadding(name: string, pad: unknown): ResolvedPadding {
  if (pad === "same" || pad === "valid") return pad;
  const isPixels = (v: unknown) => typeof v === "number" && Number.isInteger(v) && v >= 0;
  if (isPixels(pad)) {
    const p = pad as number;
    return p === 0 ? "valid" : [[p, p], [p, p]];
  }
  if (
    Array.isArray(pad) && pad.length === 2 &&
    pad.every((side) => Array.isArray(side) && side.length === 2 && side.every(isPixels))
  ) {
    const [[top, bottom], [left, right]] = pad as [[number, number], [number, number]];
    return [[top, bottom], [left, right]];
  }
  throw argumentError(name, pad, ACCEPTED);
}
