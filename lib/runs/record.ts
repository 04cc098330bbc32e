/**
 * The shapes shared by the solver, the run cache and the figures: what a training run
 * produces and what is stored for it.
 *
 * @module
 */
import type { BackendInfo } from "../backend/init.ts";

/** Mean time per iteration, split by phase, in milliseconds. */
export interface StepTimings {
  dataMs: number;
  forwardMs: number;
  backwardMs: number;
  updateMs: number;
}

/** What the Solver records while training (cs231n names). */
export interface TrainingHistory {
  /** Training loss at every iteration. */
  lossHistory: number[];
  /** Training accuracy (fraction 0..1) at every epoch, epoch 0 (before training) included. */
  trainAccHistory: number[];
  /** Validation accuracy (fraction 0..1) at every epoch, epoch 0 included. */
  valAccHistory: number[];
}

/** Lifecycle of a run record. */
export type RunStatus = "running" | "finished" | "failed" | "diverged";

/** Where the code came from. */
export interface GitInfo {
  commit: string | null;
  dirty: boolean;
}

/** One training job's stored record: `data/runs/<key>.json`. */
export interface RunRecord {
  /** Record format tag; records of another format are recomputed. */
  format: typeof RUN_FORMAT;
  key: string;
  experiment: string;
  name: string;
  /** Everything that defines the run (hyper-parameters, data sizes, seed). */
  config: Record<string, unknown>;
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
  /** Digest of the source files of the code the run executes. */
  sourceDigest: string;
  startedAt: string;
  endedAt: string | null;
  /** Study-specific results: confusion matrix, misclassified examples, shapes ... */
  extra?: Record<string, unknown>;
}

/** The current record format. */
export const RUN_FORMAT = "nnlab-run/1";
