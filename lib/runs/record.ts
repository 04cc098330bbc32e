/**
 * The shapes shared by the trainers, the run store and the figures: what a run is, what
 * training one produces, and what is stored for it. Types and three constants; trainers
 * import its types only, so it adds nothing to a run's identity.
 *
 * @module
 */
import type { BackendIdentity, BackendInfo } from "../backend/info.ts";

/** Mean time per iteration, split by phase, in milliseconds. */
export interface StepTimings {
  dataMs: number;
  forwardMs: number;
  backwardMs: number;
  updateMs: number;
  /**
   * Forward, backward and update together, on a backend that runs kernels after queuing
   * them (webgpu), where only their sum is measured; `forwardMs`, `backwardMs` and
   * `updateMs` are then 0. Absent where the split is measured.
   */
  computeMs?: number;
}

/** What the Solver records while training (cs231n names). */
export interface TrainingHistory {
  /** Training loss at every iteration. */
  lossHistory: number[];
  /** Training accuracy (fraction 0..1) at every epoch, epoch 0 (before training) included. */
  trainAccHistory: number[];
  /** Validation accuracy (fraction 0..1) at every epoch, epoch 0 included; empty without a validation split. */
  valAccHistory: number[];
}

/** Lifecycle of a run record. */
export type RunStatus = "running" | "finished" | "failed" | "diverged";

/** The statuses that are results: a stored run with one of them is served. */
export const RESULT_STATUSES: readonly RunStatus[] = ["finished", "diverged"];

/** Where the code came from. */
export interface GitInfo {
  /** Commit hash; null where unknown (no git, or a confined process). */
  commit: string | null;
  dirty: boolean;
}

/** One training job: a name for the figure, a JSON config, and the module that trains it. */
export interface RunSpec<C extends Record<string, unknown> = Record<string, unknown>> {
  name: string;
  config: C;
  /** URL of a module exporting {@linkcode TRAINER_EXPORT}: a {@linkcode Trainer}. */
  trainer: string;
  /**
   * URLs of modules the trainer loads by computed import for this run (its model's
   * module): part of the run's code identity, like the trainer's own imports.
   */
  modules?: string[];
}

/** The export every trainer module has: `export const trainRun: Trainer<Config>`. */
export const TRAINER_EXPORT = "trainRun";

/** One epoch of a classifier run; accuracies are fractions 0..1, losses per example. */
export interface EpochRow {
  /** Epochs completed; 0 is before training. */
  epoch: number;
  /** Mean loss of the epoch's minibatches (training mode, regularization included); null at 0. */
  trainLoss: number | null;
  /** Accuracy on the Solver's training sample. */
  trainAcc: number;
  /** Accuracy on the whole validation split; null without one. */
  valAcc: number | null;
  /** Softmax loss on the whole validation split, evaluation mode; null when not measured. */
  valLoss: number | null;
  /** Accuracy on the test split, when the study evaluates it every epoch; else null. */
  testAcc: number | null;
  /** Softmax loss on the test split, when evaluated every epoch; else null. */
  testLoss: number | null;
}

/** A misclassified example: its index in its split, labels, and pixels as bytes. */
export interface MisclassifiedExample {
  index: number;
  trueLabel: number;
  predictedLabel: number;
  /** (H, W, C) row-major, scaled per image to 0..255. */
  pixels: number[];
  shape: [number, number, number];
}

/** What a classifier run records besides the Solver's histories. */
export interface RunExtras {
  /** One row per epoch, epoch 0 included. */
  epochs: EpochRow[];
  /** Output shape after every top-level layer for one example, `[name, [1, ...]]`. */
  shapes: [string, number[]][];
  /** Which split the confusion matrix and the misclassified examples come from. */
  evaluatedOn?: "val" | "test";
  /** counts[t][p]: examples of class t predicted p, final parameters. */
  confusion?: number[][];
  misclassified?: MisclassifiedExample[];
}

/** What a trainer hands back. */
export interface RunResult {
  status: "finished" | "diverged";
  /** Why a diverged run stopped. */
  error?: string;
  history: TrainingHistory;
  metrics: Record<string, number>;
  timings: { perIteration: StepTimings; iterations: number };
  extra?: RunExtras;
}

/** Receives a run's progress while it trains (a bar on a terminal, lines to a parent process). */
export interface TrainingProgress {
  /** After every iteration (1-based) with its loss. */
  iteration(iteration: number, loss: number): void;
  /** After every accuracy check; epoch 0 is before training. */
  epoch(
    report: { epoch: number; trainAcc: number; valAcc: number | null; learningRate: number },
  ): void;
  /** Once, when training ends for any reason. */
  finish(): void;
}

/** The size of a run, for a progress display. */
export interface ProgressPlan {
  name: string;
  numEpochs: number;
  iterationsPerEpoch: number;
  printEvery: number;
}

/** What a trainer is told besides its config. */
export interface TrainContext {
  /** The run's name, for progress lines and error messages. */
  name: string;
  /** Builds the progress display for a run; absent: no progress output. */
  progress?: (plan: ProgressPlan) => TrainingProgress;
}

/** A trainer module's {@linkcode TRAINER_EXPORT}. */
export type Trainer<C extends Record<string, unknown> = Record<string, unknown>> = (
  config: C,
  context: TrainContext,
) => Promise<RunResult>;

/** What a run's key is made of, stored with the record so a cache miss can say why. */
export interface RunIdentity {
  /** The trainer module, relative to the repository root. */
  trainer: string;
  /** The other modules the run loads ({@linkcode RunSpec.modules}), relative paths. */
  modules: string[];
  /** Token digest of every file the run executes, and their combined digest. */
  code: { digest: string; files: Record<string, string> };
  backend: BackendIdentity;
}

/**
 * One training job's record, stored as `data/runs/<key>.json` with one more field,
 * `digest`: the SHA-256 of the rest, written and checked by the run store (store.ts).
 */
export interface RunRecord {
  /** Record format tag; records of another format are recomputed. */
  format: typeof RUN_FORMAT;
  key: string;
  /** The study (experiments/<study>.ts writes plots/<study>.html). */
  study: string;
  name: string;
  /** Everything that defines the run (hyper-parameters, data, seed). */
  config: Record<string, unknown>;
  identity: RunIdentity;
  status: RunStatus;
  /** Why a failed or diverged run stopped. */
  error?: string;
  history: TrainingHistory;
  /** Final metrics, e.g. bestValAcc, finalTrainAcc, finalLoss, testAcc (fractions 0..1). */
  metrics: Record<string, number>;
  timings: {
    /** Wall time of the whole run, milliseconds. */
    totalMs: number;
    /** Mean per-iteration split. */
    perIteration: StepTimings;
    iterations: number;
  };
  environment: BackendInfo & { git: GitInfo };
  startedAt: string;
  endedAt: string | null;
  /** Classifier extras: per-epoch rows, layer shapes, confusion matrix, misclassified examples. */
  extra?: RunExtras;
}

/**
 * The current record format. nnlab-run/1 keys covered different code (see
 * lib/runs/identity.ts); nnlab-run/2 records carry no digest of their content.
 */
export const RUN_FORMAT = "nnlab-run/3";
