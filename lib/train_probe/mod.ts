/**
 * A prototype of the Solver's GPU-friendly loop (issue #11 item 3): the loss kept on the
 * device and read back once per print interval, divergence caught by a non-finite flag
 * accumulated on the device, accuracy counted on the device. To be ported into the Solver.
 *
 * @example
 * ```ts
 * import { DeviceLossLog } from "./mod.ts";
 * const log = new DeviceLossLog();
 * log.dispose();
 * ```
 *
 * @module
 */
export { DeviceLossLog, type LossFlush } from "./loss_log.ts";
export { deviceStep, type TrainableModel } from "./device_step.ts";
export { deviceAccuracy, type ScoringModel } from "./device_accuracy.ts";
export {
  type DeferredTrainingOptions,
  type DeferredTrainingResult,
  trainWithDeferredReadback,
} from "./deferred_training.ts";
