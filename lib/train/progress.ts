/**
 * Training progress for the Solver: a one-line bar redrawn in place on a terminal, plain
 * cs231n-style lines otherwise (logs, CI, pipes), nothing when not verbose.
 *
 * @module
 */
import type { TrainingProgress } from "../runs/record.ts";

/** Where progress goes; `isTerminal` selects the redrawn bar over plain lines. */
export interface ProgressOutput {
  write(text: string): void;
  isTerminal: boolean;
}

/**
 * Standard output, as a terminal when it is one.
 *
 * @example
 * ```ts
 * const output = stdoutOutput();
 * output.write(output.isTerminal ? "\r50%" : "50%\n");
 * ```
 */
export function stdoutOutput(): ProgressOutput {
  const encoder = new TextEncoder();
  return {
    write: (text) => {
      Deno.stdout.writeSync(encoder.encode(text));
    },
    isTerminal: Deno.stdout.isTerminal(),
  };
}

/** What {@linkcode Progress} needs to know about the run. */
export interface ProgressOptions {
  /** The run name, shown at the start of every line. */
  name: string;
  numEpochs: number;
  iterationsPerEpoch: number;
  /** Plain mode prints a loss line every `printEvery` iterations (1, 1 + printEvery, ...). */
  printEvery: number;
  /** When false, nothing is written. */
  verbose: boolean;
  /** Default: standard output. */
  output?: ProgressOutput;
}

/** Per-epoch numbers reported by the Solver (accuracies are fractions 0..1). */
export interface EpochReport {
  /** Epochs completed; 0 before training. */
  epoch: number;
  trainAcc: number;
  /** null without a validation split. */
  valAcc: number | null;
  /** Learning rate for the next epoch. */
  learningRate: number;
}

/** Minimum time between two redraws of the bar, milliseconds; faster is flicker. */
const REDRAW_MS = 100;
const BAR_WIDTH = 20;

/**
 * Reports training progress.
 *
 * @example
 * ```ts
 * const progress = new Progress({ name: "adam", numEpochs: 5, iterationsPerEpoch: 40, printEvery: 10, verbose: true });
 * progress.epoch({ epoch: 0, trainAcc: 0.1, valAcc: 0.1, learningRate: 1e-3 });
 * progress.iteration(1, 2.3026);
 * progress.finish();
 * ```
 */
export class Progress implements TrainingProgress {
  readonly #options: ProgressOptions;
  readonly #output: ProgressOutput;
  readonly #totalIterations: number;
  #startMs = performance.now();
  #lastDrawMs = -Infinity;
  #barShown = false;

  constructor(options: ProgressOptions) {
    this.#options = options;
    this.#output = options.output ?? stdoutOutput();
    this.#totalIterations = options.numEpochs * options.iterationsPerEpoch;
  }

  /** Reports iteration `iteration` (1-based) and its training loss. */
  iteration(iteration: number, loss: number): void {
    const { verbose, printEvery, name } = this.#options;
    if (!verbose) return;
    if (iteration === 1) this.#startMs = performance.now();
    if (!this.#output.isTerminal) {
      if ((iteration - 1) % printEvery === 0) {
        this.#output.write(
          `${name} (Iteration ${iteration} / ${this.#totalIterations}) loss: ${loss.toFixed(6)}\n`,
        );
      }
      return;
    }
    const now = performance.now();
    if (now - this.#lastDrawMs < REDRAW_MS && iteration !== this.#totalIterations) return;
    this.#lastDrawMs = now;
    this.#output.write(`\r\x1b[2K${this.#bar(iteration, loss, now)}`);
    this.#barShown = true;
  }

  /** Reports the accuracies after an epoch (epoch 0: before training). */
  epoch({ epoch, trainAcc, valAcc, learningRate }: EpochReport): void {
    const { verbose, numEpochs, name } = this.#options;
    if (!verbose) return;
    const val = valAcc === null ? "" : `val acc: ${valAcc.toFixed(4)}; `;
    const line = `${name} (Epoch ${epoch} / ${numEpochs}) train acc: ${trainAcc.toFixed(4)}; ` +
      `${val}lr: ${learningRate.toExponential(2)}\n`;
    // On a terminal the epoch line replaces the bar, which the next iteration redraws.
    this.#output.write(this.#barShown ? `\r\x1b[2K${line}` : line);
    this.#barShown = false;
    this.#lastDrawMs = -Infinity;
  }

  /** Ends the bar's line so later output starts on a fresh one. */
  finish(): void {
    if (this.#options.verbose && this.#barShown) this.#output.write("\n");
    this.#barShown = false;
  }

  /** `name epoch 2/10 [#####-----] 120/400 loss 1.2345 | 12.3 it/s | ETA 0:23` */
  #bar(iteration: number, loss: number, now: number): string {
    const { name, iterationsPerEpoch, numEpochs } = this.#options;
    const total = this.#totalIterations;
    const epoch = Math.min(Math.floor((iteration - 1) / iterationsPerEpoch) + 1, numEpochs);
    const filled = Math.round((BAR_WIDTH * iteration) / total);
    const bar = "#".repeat(filled) + "-".repeat(BAR_WIDTH - filled);
    const seconds = Math.max(now - this.#startMs, 1) / 1000;
    const rate = iteration / seconds;
    const eta = formatEta((total - iteration) / rate);
    return `${name} epoch ${epoch}/${numEpochs} [${bar}] ${iteration}/${total} ` +
      `loss ${loss.toFixed(4)} | ${rate.toFixed(1)} it/s | ETA ${eta}`;
  }
}

/**
 * A time left, in seconds, as a progress line shows it: `m:ss`, or `h:mm:ss` from an hour
 * up; "?" when unknown. (Page tables write durations with formatMilliseconds, cluster
 * time limits with formatWalltime.)
 *
 * @example
 * ```ts
 * formatEta(83); // "1:23"
 * ```
 */
export function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const total = Math.round(Math.max(seconds, 0));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}
