/**
 * Training-time data augmentation on a minibatch of images, torchvision style: random
 * horizontal flip, random resized crop, colour jitter. Every draw comes from a seeded
 * {@linkcode Random}, one draw per example, so a batch is augmented the same way on every
 * run; the transforms run on tensors, per batch, when the Solver gathers it.
 *
 * ```ts
 * import { augmentation } from "./augment.ts";
 * const augment = augmentation({
 *   flip: 0.5, crop: { scale: [0.85, 1] }, jitter: { brightness: 0.2, contrast: 0.2, saturation: 0.2 },
 * }, 0);
 * // new Solver(model, data, { augment, numEpochs: 10 })
 * ```
 *
 * Differences from torchvision, each on purpose: the resized crop samples with
 * corner-aligned bilinear interpolation (`tf.image.cropAndResize`), so a full-image crop
 * is exactly the identity; colour jitter applies brightness, contrast and saturation in
 * that fixed order (torchvision shuffles the order per image), which keeps it three
 * batched tensor operations.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { argumentError, numberIn } from "../errors.ts";
import { streamSeed } from "../layers/init.ts";
import { Random } from "../random.ts";

/** Random resized crop: the crop's area as a fraction of the image, and its aspect ratio. */
export interface CropOptions {
  /** Range of the crop area, fractions of the image area in (0, 1]; e.g. [0.85, 1]. */
  scale: [number, number];
  /** Range of the crop's width / height; default [3/4, 4/3] as torchvision. */
  ratio?: [number, number];
}

/** Colour jitter strengths: each factor is drawn from [max(0, 1 - s), 1 + s]; 0 = off. */
export interface JitterOptions {
  brightness?: number;
  contrast?: number;
  saturation?: number;
  /**
   * Pixel range to clamp to after each adjustment, as torchvision clamps to [0, 1];
   * default [0, 1]. `null` for data that are not in a fixed range (mean subtracted).
   */
  range?: [number, number] | null;
}

/** What {@linkcode augmentation} applies, in this order: flip, crop, jitter. */
export interface AugmentOptions {
  /** Flip each image left-right with probability 0.5 (`true`) or the given probability. */
  flip?: boolean | number;
  crop?: CropOptions | null;
  jitter?: JitterOptions | null;
}

/** A per-batch transform: images (N, H, W, C) in, the same shape out; iteration is 1-based. */
export type BatchTransform = (x: tf.Tensor4D, iteration: number) => tf.Tensor4D;

/**
 * Flips each image left-right with probability `probability`, independently.
 *
 * @param x images (N, H, W, C)
 * @returns a new tensor (N, H, W, C)
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { randomHorizontalFlip } from "./augment.ts";
 * import { Random } from "../random.ts";
 *
 * const x = tf.tensor4d([1, 2, 3, 4], [2, 1, 2, 1]); // two 1x2 images: [1, 2] and [3, 4]
 * const flipped = randomHorizontalFlip(x, new Random(0)); // each mirrored with probability 0.5
 * flipped.shape; // [2, 1, 2, 1]
 * randomHorizontalFlip(x, new Random(0), 1).dataSync(); // Float32Array [2, 1, 4, 3]
 * ```
 */
export function randomHorizontalFlip(
  x: tf.Tensor4D,
  random: Random,
  probability = 0.5,
): tf.Tensor4D {
  checkImages(x);
  numberIn("randomHorizontalFlip: probability", probability, { min: 0, max: 1 });
  const mask = Array.from({ length: x.shape[0] }, () => random.uniform() < probability);
  return tf.tidy(() => {
    // A selection, not a blend: kept images are copied bit for bit.
    const condition = tf.tensor4d(mask, [mask.length, 1, 1, 1], "bool");
    return tf.where(condition, tf.reverse(x, 2), x) as tf.Tensor4D;
  });
}

/**
 * The crop torchvision's RandomResizedCrop picks for one H x W image: up to ten draws of
 * an area fraction in `scale` and a log-uniform aspect ratio in `ratio`, the first that
 * fits placed uniformly; else the largest centred crop within `ratio`.
 *
 * @returns pixel box: top, left, height, width
 *
 * @example
 * ```ts
 * import { cropBox } from "./augment.ts";
 * import { Random } from "../random.ts";
 *
 * cropBox(28, 28, new Random(0), { scale: [0.85, 1] });
 * // { top: 0, left: 1, height: 28, width: 24 }: 86% of the area, ratio 0.86
 * cropBox(28, 28, new Random(0), { scale: [1, 1], ratio: [1, 1] }); // the whole image
 * ```
 */
export function cropBox(
  height: number,
  width: number,
  random: Random,
  { scale, ratio = [3 / 4, 4 / 3] }: CropOptions,
): { top: number; left: number; height: number; width: number } {
  const area = height * width;
  const [logLow, logHigh] = [Math.log(ratio[0]), Math.log(ratio[1])];
  for (let attempt = 0; attempt < 10; attempt++) {
    const target = area * random.uniform(scale[0], scale[1]);
    const aspect = Math.exp(random.uniform(logLow, logHigh));
    const w = Math.round(Math.sqrt(target * aspect));
    const h = Math.round(Math.sqrt(target / aspect));
    if (w > 0 && w <= width && h > 0 && h <= height) {
      return {
        top: random.integer(height - h + 1),
        left: random.integer(width - w + 1),
        height: h,
        width: w,
      };
    }
  }
  const inputRatio = width / height;
  let [h, w] = [height, width];
  if (inputRatio < ratio[0]) h = Math.round(width / ratio[0]);
  else if (inputRatio > ratio[1]) w = Math.round(height * ratio[1]);
  return {
    top: Math.floor((height - h) / 2),
    left: Math.floor((width - w) / 2),
    height: h,
    width: w,
  };
}

/**
 * Crops a random box of each image (see {@linkcode cropBox}) and resizes it back to
 * H x W with bilinear interpolation; pixel centres of the crop's corners land on the
 * output's corners, so a full-image crop returns the image unchanged.
 *
 * @param x images (N, H, W, C)
 * @returns a new tensor (N, H, W, C)
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { randomResizedCrop } from "./augment.ts";
 * import { Random } from "../random.ts";
 *
 * const x = tf.randomUniform([4, 28, 28, 1]) as tf.Tensor4D; // four MNIST-sized images
 * const cropped = randomResizedCrop(x, new Random(0), { scale: [0.85, 1] });
 * cropped.shape; // [4, 28, 28, 1]: each image a crop of 85-100% of its area, resized back
 * ```
 */
export function randomResizedCrop(
  x: tf.Tensor4D,
  random: Random,
  options: CropOptions,
): tf.Tensor4D {
  checkImages(x);
  checkCrop(options);
  const [n, height, width] = x.shape;
  const boxes: number[][] = [];
  // Pixel index p of an axis of size s sits at the normalized coordinate p / (s - 1).
  const at = (pixel: number, size: number) => (size > 1 ? pixel / (size - 1) : 0);
  for (let i = 0; i < n; i++) {
    const box = cropBox(height, width, random, options);
    boxes.push([
      at(box.top, height),
      at(box.left, width),
      at(box.top + box.height - 1, height),
      at(box.left + box.width - 1, width),
    ]);
  }
  return tf.tidy(() =>
    tf.image.cropAndResize(
      x,
      tf.tensor2d(boxes, [n, 4]),
      tf.range(0, n, 1, "int32") as tf.Tensor1D,
      [height, width],
      "bilinear",
    )
  );
}

/**
 * Colour jitter, one factor per image and adjustment: brightness scales the pixels,
 * contrast blends each image with its mean grey level, saturation with its greyscale
 * version (a no-op for one-channel images); each result is clamped to `range`.
 * A strength of 0 (or left out) skips that adjustment.
 *
 * @param x images (N, H, W, C), C = 1 or 3
 * @returns a new tensor (N, H, W, C)
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { colorJitter } from "./augment.ts";
 * import { Random } from "../random.ts";
 *
 * const x = tf.randomUniform([4, 32, 32, 3]) as tf.Tensor4D; // four CIFAR-sized images in [0, 1]
 * const strengths = { brightness: 0.2, contrast: 0.2, saturation: 0.2 };
 * const jittered = colorJitter(x, new Random(0), strengths); // still in [0, 1]
 * jittered.shape; // [4, 32, 32, 3]
 * ```
 */
export function colorJitter(
  x: tf.Tensor4D,
  random: Random,
  options: JitterOptions,
): tf.Tensor4D {
  checkImages(x);
  const [n, , , channels] = x.shape;
  if (channels !== 1 && channels !== 3) {
    throw argumentError("colorJitter: x.shape", x.shape, "[N, H, W, C] with C = 1 or 3");
  }
  const strength = (name: keyof JitterOptions) =>
    numberIn(`colorJitter: ${name}`, (options[name] as number | undefined) ?? 0, { min: 0 });
  const range = options.range === undefined ? [0, 1] : options.range;
  if (range !== null && !(Array.isArray(range) && range.length === 2 && range[0] < range[1])) {
    throw argumentError("colorJitter: range", range, "[low, high] with low < high, or null");
  }
  const factors = (s: number) =>
    tf.tensor4d(
      Array.from({ length: n }, () => random.uniform(Math.max(0, 1 - s), 1 + s)),
      [n, 1, 1, 1],
    );
  const clamp = (t: tf.Tensor4D) => (range === null ? t : tf.clipByValue(t, range[0], range[1]));
  const blend = (image: tf.Tensor4D, other: tf.Tensor, factor: tf.Tensor4D) =>
    clamp(tf.add(tf.mul(factor, image), tf.mul(tf.sub(1, factor), other)));
  // ITU-R 601-2 luma, as torchvision's rgb_to_grayscale.
  const grey = (image: tf.Tensor4D) =>
    channels === 1 ? image : tf.sum(tf.mul(image, [0.299, 0.587, 0.114]), 3, true);

  return tf.tidy(() => {
    let out = tf.clone(x);
    const brightness = strength("brightness");
    if (brightness > 0) out = clamp(tf.mul(out, factors(brightness)));
    const contrast = strength("contrast");
    if (contrast > 0) out = blend(out, tf.mean(grey(out), [1, 2, 3], true), factors(contrast));
    const saturation = strength("saturation");
    // A greyscale image is its own greyscale version: skip the blend, exactly.
    if (saturation > 0 && channels === 3) out = blend(out, grey(out), factors(saturation));
    return out;
  });
}

/**
 * A seeded per-batch transform doing flip, then crop, then jitter. Iteration t draws from
 * its own stream (seed, t), so a batch's augmentation does not depend on what ran before.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { augmentation } from "./augment.ts";
 *
 * const x = tf.randomUniform([4, 32, 32, 3]) as tf.Tensor4D;
 * const augment = augmentation({ flip: true, crop: { scale: [0.85, 1] } }, 0);
 * const xAugmented = augment(x, 1); // (N, H, W, C), x untouched
 * xAugmented.shape; // [4, 32, 32, 3]
 * augment(x, 1).equal(xAugmented).all().arraySync(); // 1: the same iteration, the same draws
 * ```
 */
export function augmentation(options: AugmentOptions, seed: number): BatchTransform {
  numberIn("augmentation: seed", seed, { integer: true });
  const flip = options.flip === true ? 0.5 : options.flip === false ? 0 : options.flip ?? 0;
  numberIn("augmentation: flip", flip, { min: 0, max: 1 });
  if (options.crop) checkCrop(options.crop);
  return (x, iteration) => {
    const random = new Random(streamSeed(seed, `augment:${iteration}`));
    return tf.tidy(() => {
      let out = x;
      if (flip > 0) out = randomHorizontalFlip(out, random, flip);
      if (options.crop) out = randomResizedCrop(out, random, options.crop);
      if (options.jitter) out = colorJitter(out, random, options.jitter);
      return out === x ? tf.clone(x) : out;
    });
  };
}

function checkImages(x: tf.Tensor): void {
  if (!(x instanceof tf.Tensor) || x.rank !== 4) {
    throw argumentError("x", x instanceof tf.Tensor ? x.shape : x, "images (N, H, W, C)");
  }
}

function checkCrop({ scale, ratio = [3 / 4, 4 / 3] }: CropOptions): void {
  if (
    !Array.isArray(scale) || scale.length !== 2 || !(scale[0] > 0) || !(scale[1] <= 1) ||
    !(scale[0] <= scale[1])
  ) {
    throw argumentError("crop.scale", scale, "[low, high] with 0 < low <= high <= 1");
  }
  if (!Array.isArray(ratio) || ratio.length !== 2 || !(ratio[0] > 0) || !(ratio[0] <= ratio[1])) {
    throw argumentError("crop.ratio", ratio, "[low, high] with 0 < low <= high");
  }
}
