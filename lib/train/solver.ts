/**
 * The training loop, cs231n's Solver in TypeScript: random minibatches, one update rule
 * per parameter with its own config, per-epoch learning-rate decay, train and validation
 * accuracy every epoch, and the best parameters (by validation accuracy) put back into
 * the model at the end.
 *
 * ```ts
 * import type { LabeledImages } from "../data/types.ts";
 * import type { Model } from "../models/model.ts";
 * declare const model: Model, train: LabeledImages, val: LabeledImages;
 * const solver = new Solver(model, { train, val }, {
 *   updateRule: "adam", optimConfig: { learningRate: 1e-3 }, lrDecay: 0.95,
 *   numEpochs: 5, batchSize: 100, printEvery: 100, name: "adam",
 * });
 * const { history, bestValAcc, timings } = await solver.train();
 * ```
 *
 * Differences from cs231n, each on purpose: epoch 0's accuracies are measured before the
 * first update (cs231n measures after it); the accuracy subsample is drawn without
 * replacement; a NaN or infinite loss or gradient stops the run with a
 * {@linkcode DivergedError}; and the optimizer state is freed when `train()` returns, so a
 * finished Solver holds no tensors.
 *
 * Nothing is read back from a GPU within an iteration: it would stall on every
 * read. Each iteration's loss and gradient flags go into a {@linkcode DeviceLossLog}, and
 * no update is applied from a non-finite loss or gradient (lib/train/step.ts); the log is read
 * back once per print interval (at iteration 1, 1 + printEvery, ..., at every epoch's
 * end), where progress and `onIteration` hear of the iterations since the last read, in
 * order, and divergence stops the run at the exact iteration. Accuracy is counted on the
 * device, one read per check.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { LabeledImages } from "../data/types.ts";
import { argumentError, numberIn } from "../errors.ts";
import { assertDeviceAlive } from "../kernels/webgpu/device_lost.ts";
import { checkLabelRange } from "../layers/check.ts";
import type { Model } from "../models/model.ts";
import { DeviceLossLog } from "./loss_log.ts";
import {
  exponentialDecay,
  type LearningRateSchedule,
  type OptimConfig,
  type UpdateRule,
  updateRule as lookUpRule,
} from "./optim.ts";
import { Random } from "../random.ts";
import { computesOnHost, disposeState, solverStep } from "./step.ts";
import type {
  ProgressPlan,
  StepTimings,
  TrainingHistory,
  TrainingProgress,
} from "../runs/record.ts";

/** Options of the {@linkcode Solver}; every one has cs231n's default. */
export interface SolverOptions {
  /** A rule name ("sgd", "sgd_momentum", "adam", ...) or a rule. Default "sgd". */
  updateRule?: string | UpdateRule;
  /** Hyper-parameters for the rule; each parameter gets its own copy. Default {}. */
  optimConfig?: OptimConfig;
  /** Learning-rate factor applied after every epoch, or a schedule of the epoch. Default 1. */
  lrDecay?: number | LearningRateSchedule;
  /** Examples per minibatch. Default 100. */
  batchSize?: number;
  /** Default 10. */
  numEpochs?: number;
  /** Training examples used for the per-epoch accuracy; null = all. Default 1000. */
  numTrainSamples?: number | null;
  /** Validation examples used for the per-epoch accuracy; null = all. Default null. */
  numValSamples?: number | null;
  /** Iterations between plain progress lines. Default 10. */
  printEvery?: number;
  /** Print progress. Default true. */
  verbose?: boolean;
  /**
   * Builds where progress goes instead of plain lines on standard output, e.g. a bar
   * (`(plan) => new Progress({ ...plan, verbose: true })`, lib/train/progress.ts); used
   * only when `verbose`.
   */
  progress?: (plan: ProgressPlan) => TrainingProgress;
  /** Seed of the minibatch and accuracy-subsample draws. Default 0. */
  seed?: number;
  /** The run's name, used in progress lines and error messages. Default "run". */
  name?: string;
  /**
   * Called for every iteration (1-based) with its loss, in order, when the loss is read
   * back: at iteration 1, every `printEvery` iterations and at each epoch's end (before
   * `onEpoch`).
   */
  onIteration?: (report: IterationReport) => void;
  /** Called after every accuracy check (epoch 0 = before training); may be async. */
  onEpoch?: (report: EpochSummary) => void | Promise<void>;
  /**
   * Transforms each training minibatch (N, H, W, C) before the forward pass, e.g. data
   * augmentation (lib/data/augment.ts); its time counts as data time. Gets the 1-based
   * iteration; returns a new tensor, which the Solver frees. Default none.
   */
  augment?: (x: tf.Tensor4D, iteration: number) => tf.Tensor4D;
}

/** What {@linkcode SolverOptions.onIteration} receives. */
export interface IterationReport {
  /** 1-based. */
  iteration: number;
  /** 0-based epoch the iteration belongs to. */
  epoch: number;
  loss: number;
  /**
   * This iteration's split, milliseconds. On webgpu, which runs kernels after they are
   * queued, only `computeMs` is measured (forward, backward and update together: the wall
   * time between two reads of the loss, shared by its iterations); `forwardMs`,
   * `backwardMs` and `updateMs` are then 0.
   */
  timings: StepTimings;
}

/** What {@linkcode SolverOptions.onEpoch} receives; accuracies are fractions 0..1. */
export interface EpochSummary {
  /** Epochs completed; 0 before training. */
  epoch: number;
  trainAcc: number;
  /** null without a validation split. */
  valAcc: number | null;
  /** Learning rate of the next epoch. */
  learningRate: number;
}

/** What `train()` returns. */
export interface TrainingResult {
  history: TrainingHistory;
  /**
   * Best validation accuracy seen, fraction 0..1; its parameters are now the model's.
   * NaN without a validation split (the model keeps its final parameters).
   */
  bestValAcc: number;
  /** Mean per-iteration split, milliseconds (see {@linkcode IterationReport.timings}). */
  timings: StepTimings;
  iterations: number;
  /** Wall time of `train()`, accuracy checks included, milliseconds. */
  totalMs: number;
}

/**
 * The loss or a gradient became NaN or infinite: the run stopped. `history` holds what
 * was recorded up to the bad iteration (its loss excluded).
 *
 * @example
 * ```ts
 * declare const solver: Solver;
 * try {
 *   await solver.train();
 * } catch (error) {
 *   if (!(error instanceof DivergedError)) throw error;
 *   console.log(error.message); // run "sgd lr=1e+1": loss became NaN at iteration 12 (learning rate 10)
 * }
 * ```
 */
export class DivergedError extends Error {
  constructor(
    readonly run: string,
    /** 1-based iteration whose loss or gradient was not finite. */
    readonly iteration: number,
    readonly learningRate: number,
    readonly loss: number,
    readonly history: TrainingHistory,
    /** The parameter whose gradient was not finite; absent when the loss was not. */
    readonly parameter?: string,
  ) {
    super(
      parameter === undefined || !Number.isFinite(loss)
        ? `run "${run}": loss became ${loss} at iteration ${iteration} (learning rate ${learningRate})`
        : `run "${run}": the gradient of ${parameter} became non-finite at iteration ${iteration} ` +
          `(loss ${loss}, learning rate ${learningRate})`,
    );
    this.name = "DivergedError";
  }
}

const OPTION_NAMES: readonly (keyof SolverOptions)[] = [
  "updateRule",
  "optimConfig",
  "lrDecay",
  "batchSize",
  "numEpochs",
  "numTrainSamples",
  "numValSamples",
  "printEvery",
  "verbose",
  "seed",
  "name",
  "onIteration",
  "onEpoch",
  "progress",
  "augment",
];

/** Yield to the event loop at least this often, milliseconds, so prints and signals run. */
const YIELD_MS = 100;

/**
 * Trains a {@linkcode Model} on `{train, val}` with minibatch gradient descent.
 *
 * @example
 * ```ts
 * import type { LabeledImages } from "../data/types.ts";
 * import type { Model } from "../models/model.ts";
 * declare const model: Model, data: { train: LabeledImages; val: LabeledImages };
 * const solver = new Solver(model, data, { updateRule: "sgd_momentum", optimConfig: { learningRate: 5e-3 }, numEpochs: 5 });
 * const result = await solver.train();
 * console.log(result.bestValAcc, result.history.lossHistory.length);
 * ```
 */
export class Solver {
  readonly model: Model;
  readonly data: { train: LabeledImages; val: LabeledImages };
  readonly rule: UpdateRule;
  readonly schedule: LearningRateSchedule;
  readonly batchSize: number;
  readonly numEpochs: number;
  readonly numTrainSamples: number | null;
  readonly numValSamples: number | null;
  readonly printEvery: number;
  readonly verbose: boolean;
  readonly seed: number;
  readonly name: string;
  /** Learning rate of epoch 0: optimConfig's, or the rule's default. */
  readonly baseLearningRate: number;
  /** Minibatch updates per epoch: max(floor(N / batchSize), 1). */
  readonly iterationsPerEpoch: number;
  readonly #optimConfig: OptimConfig;
  readonly #options: SolverOptions;
  /** Per-parameter rule configs, state tensors included; empty outside `train()`. */
  #configs: Record<string, OptimConfig> = {};

  constructor(
    model: Model,
    data: { train: LabeledImages; val: LabeledImages },
    options: SolverOptions = {},
  ) {
    for (const key of Object.keys(options)) {
      if (!OPTION_NAMES.includes(key as keyof SolverOptions)) {
        throw argumentError("options", key, `one of ${OPTION_NAMES.join(", ")}`);
      }
    }
    if (options.augment !== undefined && typeof options.augment !== "function") {
      throw argumentError("augment", options.augment, "a function (x, iteration) => x");
    }
    checkImages("data.train", data?.train);
    checkImages("data.val", data?.val, 0);
    if (
      data.val.shape[0] > 0 &&
      data.train.shape.slice(1).join() !== data.val.shape.slice(1).join()
    ) {
      throw argumentError(
        "data.val.shape",
        data.val.shape,
        `[any, ${data.train.shape.slice(1).join(", ")}] like data.train`,
      );
    }
    this.model = model;
    this.data = data;
    this.#options = options;
    const rule = options.updateRule ?? "sgd";
    this.rule = typeof rule === "function" ? rule : lookUpRule(rule);
    this.#optimConfig = { ...(options.optimConfig ?? {}) };
    const lrDecay = options.lrDecay ?? 1;
    this.schedule = typeof lrDecay === "function" ? lrDecay : exponentialDecay(lrDecay);
    this.batchSize = numberIn("batchSize", options.batchSize ?? 100, { min: 1, integer: true });
    this.numEpochs = numberIn("numEpochs", options.numEpochs ?? 10, { min: 1, integer: true });
    this.numTrainSamples = sampleCount("numTrainSamples", options.numTrainSamples, 1000);
    this.numValSamples = sampleCount("numValSamples", options.numValSamples, null);
    this.printEvery = numberIn("printEvery", options.printEvery ?? 10, { min: 1, integer: true });
    this.verbose = options.verbose ?? true;
    this.seed = numberIn("seed", options.seed ?? 0, { integer: true });
    this.name = options.name ?? "run";
    this.baseLearningRate = this.#resolveLearningRate();
    this.iterationsPerEpoch = Math.max(Math.floor(data.train.shape[0] / this.batchSize), 1);
  }

  /**
   * Runs `numEpochs` epochs of `iterationsPerEpoch` random minibatches (drawn with
   * replacement, as cs231n), then restores the best parameters into the model.
   * Throws {@linkcode DivergedError} when the loss or a gradient is NaN or infinite, at
   * the next read of the loss; the parameters are then those before the bad iteration.
   *
   * @example
   * ```ts
   * declare const solver: Solver;
   * const { history, bestValAcc, timings, iterations } = await solver.train();
   * ```
   */
  async train(): Promise<TrainingResult> {
    const startMs = performance.now();
    const { model, numEpochs, iterationsPerEpoch, name } = this;
    const numIterations = numEpochs * iterationsPerEpoch;
    const batchRandom = new Random(this.seed);
    // Accuracy subsamples come from their own stream so checking does not change the batches.
    const checkRandom = new Random(this.seed + 1);
    const history: TrainingHistory = { lossHistory: [], trainAccHistory: [], valAccHistory: [] };
    const totals: Required<StepTimings> = {
      dataMs: 0,
      forwardMs: 0,
      backwardMs: 0,
      updateMs: 0,
      computeMs: 0,
    };
    const hasVal = this.data.val.shape[0] > 0;
    this.#checkLabels(hasVal);
    const plan = { name, numEpochs, iterationsPerEpoch, printEvery: this.printEvery };
    const progress: TrainingProgress = !this.verbose
      ? { iteration: () => {}, epoch: () => {}, finish: () => {} }
      : this.#options.progress?.(plan) ?? plainLines(plan);
    const paramNames = Object.keys(model.params);
    // Elsewhere (a GPU) a step only queues work: its parts cannot be timed apart.
    const synchronous = computesOnHost();
    let learningRate = this.baseLearningRate;
    this.#configs = Object.fromEntries(
      paramNames.map((p) => [p, { ...this.#optimConfig, learningRate }]),
    );
    let best: { valAcc: number; params: Record<string, tf.Tensor> } = {
      valAcc: -Infinity,
      params: {},
    };
    const log = new DeviceLossLog(paramNames);
    /** Host-side times of the iterations the log holds. */
    let pending: StepTimings[] = [];
    let intervalStartMs = performance.now();
    let lastYieldMs = performance.now();

    const checkEpoch = async (epoch: number) => {
      const trainAcc = await this.checkAccuracy(
        this.data.train,
        this.numTrainSamples,
        100,
        checkRandom,
      );
      const valAcc = hasVal
        ? await this.checkAccuracy(this.data.val, this.numValSamples, 100, checkRandom)
        : null;
      history.trainAccHistory.push(trainAcc);
      if (valAcc !== null) history.valAccHistory.push(valAcc);
      if (valAcc !== null && valAcc > best.valAcc) {
        tf.dispose(Object.values(best.params));
        best = { valAcc, params: mapValues(model.params, (p) => tf.clone(p)) };
      }
      const summary = { epoch, trainAcc, valAcc, learningRate };
      progress.epoch(summary);
      await this.#options.onEpoch?.(summary);
    };

    /** Reads the log back and reports its iterations; stops the run at a non-finite one. */
    const flush = async () => {
      assertDeviceAlive(name);
      const rows = await log.flush();
      assertDeviceAlive(name);
      const times = synchronous ? pending : sharedWallTime(pending, intervalStartMs);
      pending = [];
      for (const [i, row] of rows.entries()) {
        if (!Number.isFinite(row.loss) || row.nonFiniteGradient !== undefined) {
          throw new DivergedError(
            name,
            row.iteration,
            learningRate,
            row.loss,
            copyHistory(history),
            row.nonFiniteGradient,
          );
        }
        history.lossHistory.push(row.loss);
        for (const key of Object.keys(totals) as (keyof StepTimings)[]) {
          totals[key] += times[i][key] ?? 0;
        }
        progress.iteration(row.iteration, row.loss);
        this.#options.onIteration?.({
          iteration: row.iteration,
          epoch: Math.floor((row.iteration - 1) / iterationsPerEpoch),
          loss: row.loss,
          timings: times[i],
        });
      }
      intervalStartMs = performance.now();
    };

    try {
      await checkEpoch(0);
      intervalStartMs = performance.now();
      for (let t = 0; t < numIterations; t++) {
        const iteration = t + 1;
        pending.push(await this.#step(batchRandom, iteration, log));
        const epochEnd = iteration % iterationsPerEpoch === 0;
        if ((iteration - 1) % this.printEvery === 0 || epochEnd) await flush();
        if (epochEnd) {
          const epoch = iteration / iterationsPerEpoch;
          learningRate = this.schedule(this.baseLearningRate, epoch);
          for (const config of Object.values(this.#configs)) config.learningRate = learningRate;
          await checkEpoch(epoch);
          intervalStartMs = lastYieldMs = performance.now();
        }
        if (performance.now() - lastYieldMs > YIELD_MS) {
          await new Promise((resolve) => setTimeout(resolve, 0));
          lastYieldMs = performance.now();
        }
      }
      if (hasVal) { for (const p of paramNames) model.params[p].assign(best.params[p]); }
    } finally {
      progress.finish();
      log.dispose();
      tf.dispose(Object.values(best.params));
      for (const config of Object.values(this.#configs)) disposeState(config);
      this.#configs = {};
    }

    const iterations = history.lossHistory.length;
    const mean = (total: number) => total / iterations;
    return {
      history,
      bestValAcc: hasVal ? best.valAcc : NaN,
      timings: {
        dataMs: mean(totals.dataMs),
        forwardMs: mean(totals.forwardMs),
        backwardMs: mean(totals.backwardMs),
        updateMs: mean(totals.updateMs),
        ...(synchronous ? {} : { computeMs: mean(totals.computeMs) }),
      },
      iterations,
      totalMs: performance.now() - startMs,
    };
  }

  /**
   * Accuracy (fraction 0..1) of the model in evaluation mode on `data`, or on
   * `numSamples` examples of it drawn without replacement; scores `batchSize` at a time.
   * The correct predictions are counted on the device and read back once.
   *
   * @example
   * ```ts
   * declare const solver: Solver;
   * const valAcc = await solver.checkAccuracy(solver.data.val, null); // all validation examples
   * ```
   */
  async checkAccuracy(
    data: LabeledImages,
    numSamples: number | null = null,
    batchSize = 100,
    random: Random = new Random(this.seed + 1),
  ): Promise<number> {
    const n = data.shape[0];
    const indices = numSamples !== null && numSamples < n
      ? random.choice(n, numSamples)
      : Int32Array.from({ length: n }, (_, i) => i);
    let correct: tf.Scalar = tf.scalar(0, "int32");
    try {
      for (let start = 0; start < indices.length; start += batchSize) {
        const batch = gather(data, indices.subarray(start, start + batchSize));
        const previous = correct;
        correct = tf.tidy(() => {
          const X = tf.tensor(batch.x, batch.shape);
          const predicted = tf.argMax(this.model.scores(X, { training: false }), 1);
          const hits = tf.sum(tf.cast(tf.equal(predicted, tf.tensor1d(batch.y, "int32")), "int32"));
          return tf.add(previous, hits) as tf.Scalar;
        });
        previous.dispose();
      }
      assertDeviceAlive(this.name);
      const [count] = await correct.data();
      assertDeviceAlive(this.name);
      return count / indices.length;
    } finally {
      correct.dispose();
    }
  }

  /**
   * One minibatch update (1-based `iteration`), queued on the device and recorded in
   * `log`; returns the host-side time split.
   */
  async #step(random: Random, iteration: number, log: DeviceLossLog): Promise<StepTimings> {
    const { train } = this.data;
    const dataStart = performance.now();
    const indices = Int32Array.from(
      { length: this.batchSize },
      () => random.integer(train.shape[0]),
    );
    const batch = gather(train, indices);
    let X = tf.tensor(batch.x, batch.shape);
    const { augment } = this.#options;
    if (augment) {
      const original = X;
      try {
        X = augment(original as tf.Tensor4D, iteration);
      } finally {
        original.dispose();
      }
    }
    const y = tf.tensor1d(batch.y, "int32");
    const dataMs = performance.now() - dataStart;
    try {
      return { dataMs, ...solverStep(this.model, X, y, this.rule, this.#configs, log) };
    } catch (error) {
      // A lost device fails the next kernel with an unrelated message ("Buffer ... is
      // invalid"); its loss event may still be queued, so let it land, then name it.
      await new Promise((resolve) => setTimeout(resolve, 0));
      assertDeviceAlive(this.name);
      throw error;
    } finally {
      tf.dispose([X, y]);
    }
  }

  /**
   * Checks once, on the host, that every label of the data is a class of the model (the
   * losses do not read labels back; see lib/layers/losses.ts).
   */
  #checkLabels(hasVal: boolean): void {
    const { train, val } = this.data;
    const numClasses = tf.tidy(() => {
      const first = gather(train, Int32Array.of(0));
      return this.model.scores(tf.tensor(first.x, first.shape), { training: false }).shape[1];
    });
    checkLabelRange("data.train.y", train.y, numClasses);
    if (hasVal) checkLabelRange("data.val.y", val.y, numClasses);
  }

  /** optimConfig's learning rate, or the default the rule fills in (asked on a scalar). */
  #resolveLearningRate(): number {
    const given = this.#optimConfig.learningRate;
    if (given !== undefined) return numberIn("optimConfig.learningRate", given, { min: 0 });
    const w = tf.scalar(0);
    const [nextW, config] = this.rule(w, w, {});
    tf.dispose([w, nextW]);
    disposeState(config);
    if (typeof config.learningRate !== "number") {
      throw argumentError(
        "optimConfig.learningRate",
        undefined,
        "a number (the update rule sets no default)",
      );
    }
    return config.learningRate;
  }
}

/** Copies the rows `indices` of a data set into a new batch (row-major, same layout). */
function gather(data: LabeledImages, indices: Int32Array): LabeledImages {
  const rowSize = data.x.length / data.shape[0];
  const x = new Float32Array(indices.length * rowSize);
  const y = new Int32Array(indices.length);
  indices.forEach((row, i) => {
    x.set(data.x.subarray(row * rowSize, (row + 1) * rowSize), i * rowSize);
    y[i] = data.y[row];
  });
  return { x, y, shape: [indices.length, ...data.shape.slice(1)] };
}

/** Checks that a data set's arrays agree with its shape and it has at least `minRows` rows. */
function checkImages(name: string, data: LabeledImages | undefined, minRows = 1): void {
  if (!data || !(data.x instanceof Float32Array) || !(data.y instanceof Int32Array)) {
    throw argumentError(name, data, "{x: Float32Array, y: Int32Array, shape: number[]}");
  }
  const [n] = data.shape;
  const size = data.shape.reduce((a, b) => a * b, 1);
  if (!(n >= minRows) || data.x.length !== size || data.y.length !== n) {
    throw argumentError(
      `${name}.shape`,
      data.shape,
      `N >= ${minRows} rows matching x (${data.x.length} values) and y (${data.y.length} labels)`,
    );
  }
}

/** cs231n's progress printout: a loss line every `printEvery` iterations, one per epoch. */
function plainLines(plan: ProgressPlan): TrainingProgress {
  const { name, numEpochs, iterationsPerEpoch, printEvery } = plan;
  const numIterations = numEpochs * iterationsPerEpoch;
  return {
    iteration: (t, loss) => {
      if ((t - 1) % printEvery === 0) {
        console.log(`${name} (Iteration ${t} / ${numIterations}) loss: ${loss.toFixed(6)}`);
      }
    },
    epoch: ({ epoch, trainAcc, valAcc }) => {
      const val = valAcc === null ? "" : `; val acc: ${valAcc.toFixed(4)}`;
      console.log(
        `${name} (Epoch ${epoch} / ${numEpochs}) train acc: ${trainAcc.toFixed(4)}${val}`,
      );
    },
    finish: () => {},
  };
}

/** A sample count option: a positive integer, or null for all. */
function sampleCount(name: string, value: number | null | undefined, fallback: number | null) {
  if (value === undefined) return fallback;
  if (value === null) return null;
  return numberIn(name, value, { min: 1, integer: true });
}

function mapValues<T, U>(record: Record<string, T>, f: (value: T) => U): Record<string, U> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, f(value)]));
}

/**
 * Host-side times of the iterations of one interval between reads, on a backend that runs
 * kernels after queuing them: the wall time since `intervalStartMs`, less the data time,
 * shared equally as `computeMs`.
 */
function sharedWallTime(times: StepTimings[], intervalStartMs: number): StepTimings[] {
  const wallMs = performance.now() - intervalStartMs;
  const dataMs = times.reduce((sum, t) => sum + t.dataMs, 0);
  const computeMs = Math.max(wallMs - dataMs, 0) / Math.max(times.length, 1);
  return times.map((t) => ({
    dataMs: t.dataMs,
    forwardMs: 0,
    backwardMs: 0,
    updateMs: 0,
    computeMs,
  }));
}

function copyHistory(history: TrainingHistory): TrainingHistory {
  return {
    lossHistory: [...history.lossHistory],
    trainAccHistory: [...history.trainAccHistory],
    valAccHistory: [...history.valAccHistory],
  };
}
