/**
 * nnlab's public surface: everything an experiment script or a notebook-style session
 * needs, from one import.
 *
 * @example
 * ```ts
 * import { FullyConnectedNet, initBackend, loadStudyData, Solver } from "./lib/mod.ts";
 *
 * await initBackend();
 * const data = await loadStudyData({ numTrain: 1_000 });
 * const model = new FullyConnectedNet({ hiddenDims: [100, 100], inputDim: 784 });
 * const solver = new Solver(model, data, { updateRule: "adam", numEpochs: 2 });
 * const { history } = await solver.train();
 * ```
 *
 * @module
 */
export {
  BACKEND_NAMES,
  type BackendInfo,
  type BackendName,
  type BackendOptions,
  backendRequest,
  initBackend,
} from "./backend/init.ts";
export { argumentError, expectShape, numberIn, oneOf } from "./errors.ts";
export {
  DEFAULT_STEP,
  normRelError,
  numericGradient,
  numericGradientOf,
  numericGradientThrough,
  relError,
} from "./gradcheck.ts";
export * from "./layers/mod.ts";
export * from "./blocks/mod.ts";
export { type LossAndGrads, lossAndGrads, type Model } from "./models/model.ts";
export {
  FullyConnectedNet,
  type FullyConnectedNetOptions,
  type Normalization,
  NORMALIZATIONS,
} from "./models/fc_net.ts";
export * from "./models/sequential.ts";
export * from "./models/three_layer_convnet.ts";
export * from "./models/mnist_nets.ts";
export * from "./models/convnext.ts";
export * from "./models/registry.ts";
export * from "./models/summary.ts";
export * from "./train/optim.ts";
export * from "./train/solver.ts";
export { Random } from "./random.ts";
export * from "./data/mod.ts";
export { canonicalJson, RunCache, runKey } from "./runs/store.ts";
export type { RunRecord, RunStatus, StepTimings, TrainingHistory } from "./runs/record.ts";
export { executeRuns, type RunOutcome, type RunResult, type RunSpec } from "./runs/runner.ts";
export { type ExperimentDefinition, runExperiment } from "./study/frame.ts";
export { type ExperimentFlags, parseExperimentFlags } from "./study/flags.ts";
export * from "./plot/mod.ts";
