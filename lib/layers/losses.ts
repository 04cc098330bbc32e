/**
 * Classification losses on class scores: softmax cross-entropy and the multiclass SVM
 * (hinge) loss, each the mean over the batch. Where the backend has a fused softmax
 * cross-entropy (the native backend; lib/kernels/native/fused_kernel_names.ts), the loss
 * and its gradient are one kernel each.
 *
 * The labels' range is not checked here (reading them back would stall a GPU at every
 * loss): an out-of-range label matches no class and silently gives a wrong loss. Check labels
 * made from host data once with `checkLabelRange` (lib/layers/check.ts), as the Solver does.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import {
  fusedKernelsActive,
  SOFTMAX_LOSS_GRAD_KERNEL,
  SOFTMAX_LOSS_KERNEL,
} from "../kernels/native/fused_kernel_names.ts";
import { checkLabels } from "./check.ts";

/**
 * Softmax cross-entropy, mean over the batch: -1/N sum_i log softmax(scores_i)[y_i],
 * computed with log-sum-exp so large scores do not overflow.
 *
 * @param scores `(N, C)` class scores
 * @param y `(N,)` int32 labels in [0, C)
 * @returns scalar loss
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { softmaxLoss } from "./losses.ts";
 *
 * softmaxLoss(tf.zeros([4, 10]), tf.tensor1d([0, 1, 2, 3], "int32")); // ln(10) = 2.3026
 * ```
 */
export function softmaxLoss(scores: tf.Tensor, y: tf.Tensor): tf.Scalar {
  checkLabels("softmaxLoss", scores, y);
  if (
    scores.dtype === "float32" && y.dtype === "int32" &&
    fusedKernelsActive(SOFTMAX_LOSS_KERNEL, SOFTMAX_LOSS_GRAD_KERNEL)
  ) {
    return softmaxLossByKernel(scores, y);
  }
  const C = scores.shape[1] as number;
  return tf.tidy(() => {
    const logProbs = tf.sub(scores, tf.logSumExp(scores, 1, true));
    const picked = tf.sum(tf.mul(logProbs, tf.oneHot(y as tf.Tensor1D, C)), 1);
    return tf.neg(tf.mean(picked));
  });
}

/** {@linkcode softmaxLoss} as the backend's two kernels; the labels get no gradient. */
function softmaxLossByKernel(scores: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  const loss = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[1] as tf.GradSaveFunc;
    const [value, probs] = tf.engine().runKernel(SOFTMAX_LOSS_KERNEL, {
      scores: args[0] as tf.Tensor,
      labels,
    }) as tf.Tensor[];
    // Saved, labels too: a caller may free its labels before the backward pass.
    save([probs, labels]);
    return {
      value,
      gradFunc: (dloss: tf.Tensor, [probs, labels]: tf.Tensor[]) =>
        tf.engine().runKernel(SOFTMAX_LOSS_GRAD_KERNEL, { dloss, probs, labels }) as tf.Tensor,
    };
  });
  return loss(scores) as tf.Scalar;
}

/**
 * Multiclass SVM loss with margin 1, mean over the batch:
 * 1/N sum_i sum_{j != y_i} max(0, scores_ij - scores_{i,y_i} + 1).
 *
 * @param scores `(N, C)` class scores
 * @param y `(N,)` int32 labels in [0, C)
 * @returns scalar loss
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { svmLoss } from "./losses.ts";
 *
 * svmLoss(tf.zeros([4, 10]), tf.tensor1d([0, 1, 2, 3], "int32")); // 9
 * ```
 */
export function svmLoss(scores: tf.Tensor, y: tf.Tensor): tf.Scalar {
  checkLabels("svmLoss", scores, y);
  const [N, C] = scores.shape as [number, number];
  return tf.tidy(() => {
    const correct = tf.oneHot(y as tf.Tensor1D, C);
    const correctScores = tf.sum(tf.mul(scores, correct), 1, true);
    const margins = tf.relu(tf.add(tf.sub(scores, correctScores), 1));
    // The correct class's own margin is always 1; it is not part of the loss.
    return tf.div(tf.sum(tf.mul(margins, tf.sub(1, correct))), N);
  });
}
