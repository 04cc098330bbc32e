/**
 * Progress of a sweep trained in worker processes (`--jobs N`): on a terminal, one bar per
 * running run (name, epoch, iteration/total, loss, ETA) and a summary line with the
 * sweep's overall ETA, redrawn in place under the lines already printed; elsewhere (logs,
 * CI, pipes) plain lines, one per epoch of each run, never one per iteration.
 *
 * It is fed the workers' messages (worker_protocol.ts) by the runner and writes nothing
 * itself except through the output and the line sink it is given, so tests drive it with
 * a fake terminal and a fake clock.
 *
 * @module
 */
import { formatEta, type ProgressOutput } from "../train/progress.ts";
import type { ProgressMessage } from "./worker_protocol.ts";

/** Options of {@linkcode SweepProgress}. */
export interface SweepProgressOptions {
  /** The study's name, at the start of the summary line. */
  study: string;
  /** Runs this sweep trains. */
  total: number;
  /** Runs trained at once (worker processes). */
  lanes: number;
  /** Where bars are drawn (a terminal) or whether plain lines are written instead. */
  output: ProgressOutput;
  /** Writes one line of text (no newline); on a terminal it must reach the same screen. */
  log: (line: string) => void;
  /** Terminal width in characters; longer bar lines are cut so redraws stay in place. */
  columns?: number;
  /** Clock in milliseconds; default `performance.now`. */
  now?: () => number;
}

/** One running run as the display knows it. */
interface Job {
  name: string;
  startMs: number;
  iteration: number;
  iterations: number;
  epoch: number;
  epochs: number;
  loss: number | null;
  /** The first iteration reported and when, for the run's rate. */
  first: { iteration: number; ms: number } | null;
  /** When the last iteration was reported. */
  lastMs: number;
}

/** Minimum time between two redraws of the bars, milliseconds; faster is flicker. */
const REDRAW_MS = 100;
const BAR_WIDTH = 20;

/**
 * The display of a sweep in workers.
 *
 * @example
 * ```ts
 * import { stdoutOutput } from "../train/progress.ts";
 * const sweep = new SweepProgress({
 *   study: "adam", total: 4, lanes: 2, output: stdoutOutput(), log: console.log,
 * });
 * sweep.start(0, "sgd");
 * sweep.message(0, { type: "progress", iteration: 1, iterations: 40, loss: 2.3, epoch: 0, epochs: 2 });
 * sweep.line("[1/4] sgd: bestValAcc 0.132 in 2.4 s");
 * sweep.end(0);
 * sweep.close();
 * ```
 */
export class SweepProgress {
  readonly #options: SweepProgressOptions;
  readonly #now: () => number;
  readonly #jobs = new Map<number, Job>();
  /** Wall time of every finished run, milliseconds. */
  readonly #durations: number[] = [];
  #done = 0;
  /** Lines of the bar block now on screen. */
  #drawn = 0;
  #lastDrawMs = -Infinity;

  constructor(options: SweepProgressOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => performance.now());
  }

  /** Run `index` (any number that names it) started training under `name`. */
  start(index: number, name: string): void {
    const now = this.#now();
    this.#jobs.set(index, {
      name,
      startMs: now,
      iteration: 0,
      iterations: 0,
      epoch: 0,
      epochs: 0,
      loss: null,
      first: null,
      lastMs: now,
    });
    this.#redraw(true);
  }

  /** A progress or epoch report of run `index`. */
  message(index: number, message: ProgressMessage): void {
    const job = this.#jobs.get(index);
    if (!job) return;
    const now = this.#now();
    if (message.type === "progress") {
      job.lastMs = now;
      job.iteration = message.iteration;
      job.iterations = message.iterations;
      job.epoch = message.epoch;
      job.epochs = message.epochs;
      job.loss = message.loss;
      job.first ??= { iteration: message.iteration, ms: now };
      this.#redraw(message.iteration === message.iterations);
      return;
    }
    // Epoch 0 is the check before training: nothing to report yet.
    if (message.epoch === 0 || this.#options.output.isTerminal) return;
    const epochs = job.epochs ? `/${job.epochs}` : "";
    const loss = job.loss === null ? "" : `, loss ${job.loss.toFixed(4)}`;
    const val = message.valAcc === null ? "" : `, val acc ${message.valAcc.toFixed(3)}`;
    this.#options.log(
      `${job.name}: epoch ${message.epoch}${epochs}${loss}, train acc ` +
        `${message.trainAcc.toFixed(3)}${val} | ${this.#summary(now)}`,
    );
  }

  /** Prints a line (a finished run, a log line) above the bars. */
  line(text: string): void {
    this.#erase();
    this.#options.log(text);
    this.#redraw(true);
  }

  /** Run `index` ended (finished, diverged or failed). */
  end(index: number): void {
    const job = this.#jobs.get(index);
    if (!job) return;
    this.#jobs.delete(index);
    this.#durations.push(this.#now() - job.startMs);
    this.#done++;
    this.#redraw(true);
  }

  /** Takes the bars off the screen; lines printed stay. */
  close(): void {
    this.#erase();
  }

  /**
   * Seconds until the sweep ends: the running runs' remaining time plus the queued runs'
   * expected time (the mean of the finished runs, else the running runs' projections),
   * spread over the lanes, and never less than the longest running run's remainder;
   * null while nothing allows a guess.
   */
  etaSeconds(now: number = this.#now()): number | null {
    const running = [...this.#jobs.values()];
    const projected = running.map((job) => this.#remainingMs(job, now));
    const known = running.flatMap((job, i) =>
      projected[i] === null ? [] : [now - job.startMs + projected[i]!]
    );
    const perRun = this.#durations.length > 0
      ? this.#durations.reduce((a, b) => a + b, 0) / this.#durations.length
      : known.length > 0
      ? known.reduce((a, b) => a + b, 0) / known.length
      : null;
    if (perRun === null) return null;
    const left = running.map((job, i) => projected[i] ?? Math.max(perRun - (now - job.startMs), 0));
    const queued = Math.max(this.#options.total - this.#done - running.length, 0);
    const work = left.reduce((a, b) => a + b, 0) + queued * perRun;
    return Math.max(work / this.#options.lanes, ...left, 0) / 1000;
  }

  /**
   * Milliseconds run `job` still needs at its rate between its first and its last report;
   * null before a rate is known.
   */
  #remainingMs(job: Job, now: number): number | null {
    const first = job.first;
    if (!first || job.iteration <= first.iteration || job.lastMs <= first.ms) return null;
    const perIteration = (job.lastMs - first.ms) / (job.iteration - first.iteration);
    const left = Math.max(job.iterations - job.iteration, 0) * perIteration;
    return Math.max(left - (now - job.lastMs), 0);
  }

  /** `adam: 1 of 4 runs done, 2 training, 1 queued | ETA 0:07` */
  #summary(now: number): string {
    const { study, total } = this.#options;
    const running = this.#jobs.size;
    const queued = Math.max(total - this.#done - running, 0);
    const eta = this.etaSeconds(now);
    const parts = [`${study}: ${this.#done} of ${total} runs done`];
    if (running > 0) parts.push(`${running} training`);
    if (queued > 0) parts.push(`${queued} queued`);
    return parts.join(", ") + (eta === null ? "" : ` | ETA ${formatEta(eta)}`);
  }

  /** `sgd  epoch 1/2 [####----] 12/40 loss 2.2571 | ETA 0:03` */
  #bar(job: Job, width: number, now: number): string {
    const name = job.name.padEnd(width);
    if (job.iterations === 0) return `${name}  starting`;
    const filled = Math.round((BAR_WIDTH * job.iteration) / job.iterations);
    const bar = "#".repeat(filled) + "-".repeat(BAR_WIDTH - filled);
    const remaining = this.#remainingMs(job, now);
    const eta = remaining === null ? "" : ` | ETA ${formatEta(remaining / 1000)}`;
    return `${name}  epoch ${Math.min(job.epoch + 1, job.epochs)}/${job.epochs} [${bar}] ` +
      `${job.iteration}/${job.iterations} loss ${job.loss!.toFixed(4)}${eta}`;
  }

  #erase(): void {
    if (this.#drawn === 0) return;
    // To the first bar's line, then clear to the end of the screen.
    this.#options.output.write(`\x1b[${this.#drawn}F\x1b[J`);
    this.#drawn = 0;
  }

  /** Redraws the block on a terminal: at once when `force`d, else at most every 100 ms. */
  #redraw(force: boolean): void {
    const { output, columns } = this.#options;
    if (!output.isTerminal) return;
    const now = this.#now();
    if (!force && now - this.#lastDrawMs < REDRAW_MS) return;
    this.#lastDrawMs = now;
    const jobs = [...this.#jobs.values()];
    const width = Math.max(0, ...jobs.map((job) => job.name.length));
    const cut = (line: string) =>
      columns && line.length >= columns ? line.slice(0, columns - 1) : line;
    const lines = [...jobs.map((job) => this.#bar(job, width, now)), this.#summary(now)].map(cut);
    const erase = this.#drawn > 0 ? `\x1b[${this.#drawn}F\x1b[J` : "";
    output.write(erase + lines.map((line) => `${line}\n`).join(""));
    this.#drawn = lines.length;
  }
}
