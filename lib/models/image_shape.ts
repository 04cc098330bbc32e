/**
 * The shape of one input image, [H, W, C] (NHWC without the batch axis), as the model
 * constructors take it.
 *
 * @module
 */
import { argumentError } from "../errors.ts";

/** One example's shape: height, width, channels. */
export type ImageShape = [height: number, width: number, channels: number];

/**
 * Checks that `value` is [H, W, C] of positive integers with H and W at least `minSize`,
 * naming `name` in the error.
 *
 * @example
 * ```ts
 * import { checkImageShape } from "./image_shape.ts";
 *
 * const [H, W, C] = checkImageShape("mnistCnn: inputShape", [28, 28, 1]); // 28, 28, 1
 * ```
 */
export function checkImageShape(name: string, value: unknown, minSize = 1): ImageShape {
  const ok = Array.isArray(value) && value.length === 3 &&
    value.every((d) => Number.isInteger(d) && d >= 1) && value[0] >= minSize &&
    value[1] >= minSize;
  if (!ok) {
    throw argumentError(
      name,
      value,
      `[H, W, C]: positive integers${minSize > 1 ? `, H and W at least ${minSize}` : ""}`,
    );
  }
  return value as ImageShape;
}
