/**
 * What every trainer does once it has a model and data: run the Solver, measure test
 * accuracy with the best parameters, and turn the outcome (finished or diverged) into a
 * {@linkcode RunResult}.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { StudyData } from "../data/types.ts";
import type { Model } from "../models/model.ts";
import type { RunResult, TrainContext } from "../runs/runner.ts";
import { DivergedError, Solver, type SolverOptions } from "./solver.ts";

/** Final metrics from a history: best and final accuracies (fractions) and final loss. */
export function historyMetrics(history: RunResult["history"]): Record<string, number> {
  const last = <T>(values: T[]) => values[values.length - 1];
  return {
    bestValAcc: Math.max(...history.valAccHistory),
    finalValAcc: last(history.valAccHistory),
    bestTrainAcc: Math.max(...history.trainAccHistory),
    finalTrainAcc: last(history.trainAccHistory),
    finalLoss: last(history.lossHistory) ?? NaN,
  };
}

/**
 * Trains `model` on `data` and reports the result; a NaN or infinite loss gives a
 * `diverged` result with the history up to that point rather than an error.
 *
 * @example
 * ```ts
 * const result = await trainModel(model, data, { updateRule: "adam", numEpochs: 5 }, context);
 * ```
 */
export async function trainModel(
  model: Model,
  data: StudyData,
  options: SolverOptions,
  context: TrainContext,
): Promise<RunResult> {
  const solver = new Solver(model, data, {
    ...options,
    name: context.name,
    verbose: context.verbose,
  });
  try {
    const result = await solver.train();
    const testAcc = data.test.shape[0] > 0 ? solver.checkAccuracy(data.test, null) : NaN;
    return {
      status: "finished",
      history: result.history,
      metrics: { ...historyMetrics(result.history), testAcc },
      timings: { perIteration: result.timings, iterations: result.iterations },
    };
  } catch (error) {
    if (!(error instanceof DivergedError)) throw error;
    const iterations = error.history.lossHistory.length;
    return {
      status: "diverged",
      error: error.message,
      history: error.history,
      metrics: { ...historyMetrics(error.history), divergedAt: error.iteration },
      timings: {
        perIteration: { dataMs: 0, forwardMs: 0, backwardMs: 0, updateMs: 0 },
        iterations,
      },
    };
  } finally {
    if (model.dispose) model.dispose();
    else tf.dispose(Object.values(model.params));
  }
}
