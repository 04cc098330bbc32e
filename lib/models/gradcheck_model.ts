/**
 * Gradient check of a whole classifier: every parameter's autodiff gradient of the
 * training loss against centred differences of the same loss recomputed in float64.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { normRelError } from "../gradcheck.ts";
import { Random } from "../random.ts";
import type { Model } from "./model.ts";

/** A model whose objective is softmax loss + 0.5 * reg * sum over `weightNames` of W^2. */
export interface RegularizedModel extends Model {
  readonly reg?: number;
  /** Parameters the L2 term covers; none when absent. */
  readonly weightNames?: readonly string[];
}

/** One parameter's comparison. */
export interface ParamGradientCheck {
  /** ||analytic - numeric|| / (||analytic|| + ||numeric||). */
  normRelError: number;
  /** Largest |value| on either side: tells a true zero gradient from a mismatch. */
  largest: number;
  /** The step of the numeric gradient compared. */
  h: number;
}

/** Options of {@linkcode checkModelGradients}. */
export interface ModelGradientCheckOptions {
  /** Step of the centred differences; default 1e-3. */
  h?: number;
  /**
   * A second, smaller step for parameters whose error at `h` exceeds `tolerance`; the
   * smaller of the two errors is reported. Default none.
   */
  fallbackH?: number;
  /** The error above which `fallbackH` is tried; default 2e-3. */
  tolerance?: number;
  /** Parameters to check; default all. */
  names?: readonly string[];
  /**
   * Check at most this many entries of each parameter, drawn at random (cs231n's
   * grad_check_sparse): each entry costs two forward passes. Default all entries.
   */
  entries?: number;
  /** Seed of the entry draw; default 0. */
  seed?: number;
}

/**
 * Softmax cross-entropy of training-mode scores plus the L2 term, summed in float64
 * from the float32 scores and weights, independently of lib/layers/losses.ts: summing
 * in float64 removes most of the round-off a float32 loss would add to the differences.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { FullyConnectedNet } from "./fc_net.ts";
 * import { objective64 } from "./gradcheck_model.ts";
 *
 * const model = new FullyConnectedNet({ hiddenDims: [5], inputDim: 4, numClasses: 3 });
 * const X = tf.randomNormal([2, 4]);
 * const loss = objective64(model, X, [0, 2]); // about ln(3) = 1.1, summed in float64
 * ```
 */
export function objective64(model: RegularizedModel, X: tf.Tensor, labels: number[]): number {
  const scores = tf.tidy(() => model.scores(X, { training: true }).arraySync());
  let loss = 0;
  scores.forEach((row, i) => {
    const max = Math.max(...row);
    const logSum = Math.log(row.reduce((sum, s) => sum + Math.exp(s - max), 0)) + max;
    loss += (logSum - row[labels[i]]) / scores.length;
  });
  const reg = model.reg ?? 0;
  if (reg > 0) {
    for (const name of model.weightNames ?? []) {
      for (const w of model.params[name].dataSync()) loss += 0.5 * reg * w * w;
    }
  }
  return loss;
}

/**
 * Compares `model.loss(X, y).grads` with centred differences of {@linkcode objective64}
 * for every parameter (or those in `names`), each perturbed element costing two forward
 * passes: use small models. The step `h` defaults to 1e-3, the choice for nets with relu
 * and max-pool kinks (a difference straddling a kink is off by O(h)); smooth nets can
 * take lib/gradcheck.ts's 1e-2. In a deeper net some perturbation still straddles a kink
 * now and then; `fallbackH` (1e-4, say) re-checks such a parameter with a step ten times
 * smaller, which rarely straddles the same kink, whereas a wrong gradient fails at both.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { FullyConnectedNet } from "./fc_net.ts";
 * import { checkModelGradients } from "./gradcheck_model.ts";
 *
 * const model = new FullyConnectedNet({ hiddenDims: [5], inputDim: 4, numClasses: 3 });
 * const X = tf.randomNormal([2, 4], 0, 1, "float32", 0);
 * const y = tf.tensor1d([0, 2], "int32");
 * const checks = checkModelGradients(model, X, y); // 43 parameters: 86 forward passes
 * Object.keys(checks); // ["W1", "b1", "W2", "b2"]
 * Object.values(checks).every((check) => check.normRelError < 2e-3); // true
 * ```
 */
export function checkModelGradients(
  model: RegularizedModel,
  X: tf.Tensor,
  y: tf.Tensor1D,
  options: ModelGradientCheckOptions = {},
): Record<string, ParamGradientCheck> {
  const { h = 1e-3, fallbackH, tolerance = 2e-3, names, entries, seed = 0 } = options;
  const labels = Array.from(y.dataSync());
  const random = new Random(seed);
  const { loss, grads } = model.loss(X, y);
  loss.dispose();
  const checks: Record<string, ParamGradientCheck> = {};
  try {
    for (const name of names ?? Object.keys(model.params)) {
      const param = model.params[name];
      const all = grads[name].dataSync();
      const indices = entries === undefined || entries >= param.size
        ? Int32Array.from(all.keys())
        : random.choice(param.size, entries);
      const analytic = Array.from(indices, (i) => all[i]);
      const compare = (step: number): ParamGradientCheck => {
        const numeric = numericEntries(() => objective64(model, X, labels), param, indices, step);
        let largest = 0;
        for (let k = 0; k < numeric.length; k++) {
          largest = Math.max(largest, Math.abs(numeric[k]), Math.abs(analytic[k]));
        }
        return { normRelError: normRelError(analytic, numeric), largest, h: step };
      };
      let check = compare(h);
      if (fallbackH !== undefined && check.normRelError > tolerance) {
        const second = compare(fallbackH);
        if (second.normRelError < check.normRelError) check = second;
      }
      checks[name] = check;
    }
  } finally {
    tf.dispose(Object.values(grads));
  }
  return checks;
}

/** Centred differences of `f` at the given flat entries of `v`; `v` is restored afterwards. */
function numericEntries(
  f: () => number,
  v: tf.Variable,
  indices: Int32Array,
  h: number,
): Float64Array {
  const base = Float32Array.from(v.dataSync());
  const work = Float32Array.from(base);
  const set = (values: Float32Array) => tf.tidy(() => v.assign(tf.tensor(values, v.shape)));
  const grad = new Float64Array(indices.length);
  try {
    indices.forEach((i, k) => {
      work[i] = base[i] + h;
      set(work);
      const plus = f();
      work[i] = base[i] - h;
      set(work);
      const minus = f();
      work[i] = base[i];
      grad[k] = (plus - minus) / (2 * h);
    });
  } finally {
    set(base);
  }
  return grad;
}
