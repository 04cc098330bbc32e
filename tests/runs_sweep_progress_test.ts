/**
 * The progress display of a sweep in workers, fed the workers' messages: on a terminal,
 * a bar per running run and a summary with the sweep's ETA, redrawn in place under the
 * lines printed so far (checked on an emulated screen); elsewhere, a line per epoch of
 * each run and nothing per iteration.
 */
import assert from "node:assert/strict";
import { SweepProgress } from "../lib/runs/sweep_progress.ts";
import type { ProgressMessage } from "../lib/runs/worker_protocol.ts";

/**
 * A terminal that understands what the display writes: text, newlines, "cursor to the
 * start of the line n lines up" (ESC [ n F) and "clear to the end of the screen" (ESC [ J).
 */
function emulatedTerminal() {
  const screen: string[] = [""];
  let row = 0;
  const raw: string[] = [];
  const write = (text: string) => {
    raw.push(text);
    // deno-lint-ignore no-control-regex
    for (const token of text.split(/(\x1b\[\d*[FJ]|\n)/)) {
      if (token === "\n") {
        row++;
        screen[row] ??= "";
      } else if (token.startsWith("\x1b[") && token.endsWith("F")) {
        row = Math.max(0, row - Number(token.slice(2, -1) || 1));
      } else if (token === "\x1b[J") {
        screen.length = row + 1;
        screen[row] = "";
      } else if (token) {
        screen[row] += token;
      }
    }
  };
  return {
    output: { write, isTerminal: true },
    log: (line: string) => write(`${line}\n`),
    /** The visible lines, without the empty one the cursor is on. */
    lines: () => screen.slice(0, row).concat(screen[row] ? [screen[row]] : []),
    raw: () => raw.join(""),
  };
}

const progress = (iteration: number, loss: number, epoch = 0): ProgressMessage => ({
  type: "progress",
  iteration,
  iterations: 41,
  loss,
  epoch,
  epochs: 2,
});

Deno.test("sweep progress on a terminal: a bar per running run and the sweep's ETA, redrawn in place", () => {
  const terminal = emulatedTerminal();
  let now = 0;
  const sweep = new SweepProgress({
    study: "adam",
    total: 3,
    lanes: 2,
    output: terminal.output,
    log: terminal.log,
    now: () => now,
  });
  sweep.start(0, "sgd");
  sweep.start(1, "sgd_momentum");
  assert.deepEqual(terminal.lines(), [
    "sgd           starting",
    "sgd_momentum  starting",
    "adam: 0 of 3 runs done, 2 training, 1 queued",
  ]);

  sweep.message(0, progress(1, 2.30259));
  now = 1_000; // 10 iterations a second from here
  sweep.message(0, progress(11, 2.0));
  now = 1_050; // too soon after the last redraw: not drawn yet
  sweep.message(1, progress(1, 2.4));
  assert.match(terminal.lines()[1], /sgd_momentum {2}starting/);
  now = 2_050;
  sweep.message(1, progress(21, 1.5));
  // sgd: 30 iterations left at 100 ms each, 1.05 s since its last report: 1.95 s left.
  // sgd_momentum: 20 left at 50 ms: 1 s. The queued run is expected to take the mean
  // projected run time, (4 + 3.05) / 2 s; over two lanes: (1.95 + 1 + 3.525) / 2 s.
  assert.deepEqual(terminal.lines(), [
    "sgd           epoch 1/2 [#####---------------] 11/41 loss 2.0000 | ETA 0:02",
    "sgd_momentum  epoch 1/2 [##########----------] 21/41 loss 1.5000 | ETA 0:01",
    "adam: 0 of 3 runs done, 2 training, 1 queued | ETA 0:03",
  ]);
  assert.equal(sweep.etaSeconds(), 3.2375);

  // A finished run: its line is printed above the bars, which stay below it. The sweep
  // now expects a run to take as long as the finished one (2.5 s): adam's is the longest.
  now = 2_500;
  sweep.end(1);
  sweep.line("[1/3] sgd_momentum: bestValAcc 0.412 in 2.5 s");
  sweep.start(2, "adam");
  assert.deepEqual(terminal.lines(), [
    "[1/3] sgd_momentum: bestValAcc 0.412 in 2.5 s",
    "sgd   epoch 1/2 [#####---------------] 11/41 loss 2.0000 | ETA 0:02",
    "adam  starting",
    "adam: 1 of 3 runs done, 2 training | ETA 0:03",
  ]);
  assert.equal(sweep.etaSeconds(), 2.5);
  assert.ok(!terminal.raw().includes("\r"), "redrawn by moving up, not by carriage return");

  // The last iteration is always drawn, however soon it comes.
  now = 2_510;
  sweep.message(0, progress(41, 1.25, 1));
  assert.match(
    terminal.lines()[1],
    /^sgd {3}epoch 2\/2 \[#{20}\] 41\/41 loss 1\.2500 \| ETA 0:00$/,
  );

  // Epoch reports draw nothing of their own on a terminal; close takes the bars away.
  sweep.message(0, { type: "epoch", epoch: 2, trainAcc: 0.5, valAcc: 0.4 });
  sweep.close();
  assert.deepEqual(terminal.lines(), ["[1/3] sgd_momentum: bestValAcc 0.412 in 2.5 s"]);
});

Deno.test("sweep progress on a terminal: bar lines are cut to the terminal's width", () => {
  const terminal = emulatedTerminal();
  const sweep = new SweepProgress({
    study: "weight_scale",
    total: 1,
    lanes: 2,
    output: terminal.output,
    log: terminal.log,
    columns: 30,
    now: () => 0,
  });
  sweep.start(0, "baseline_weight_scale_1e-3");
  sweep.message(0, progress(41, 2.0));
  assert.ok(terminal.lines().every((line) => line.length < 30), terminal.lines().join("\n"));
  assert.equal(terminal.lines().length, 2);
});

Deno.test("sweep progress elsewhere: a line per epoch of each run with the sweep's state, none per iteration", () => {
  const lines: string[] = [];
  const written: string[] = [];
  let now = 0;
  const sweep = new SweepProgress({
    study: "adam",
    total: 2,
    lanes: 2,
    output: { write: (text) => void written.push(text), isTerminal: false },
    log: (line) => lines.push(line),
    now: () => now,
  });
  sweep.start(0, "sgd");
  sweep.start(1, "adam");
  sweep.message(0, { type: "epoch", epoch: 0, trainAcc: 0.1, valAcc: 0.1 });
  for (let iteration = 1; iteration <= 21; iteration += 10) {
    now += 1_000;
    sweep.message(0, progress(iteration, 2.5 - iteration / 100));
    sweep.message(1, progress(iteration, 2.4));
  }
  assert.deepEqual(lines, [], "no line per iteration, none for the check before training");
  sweep.message(0, { type: "epoch", epoch: 1, trainAcc: 0.25, valAcc: 0.2 });
  sweep.message(1, { type: "epoch", epoch: 1, trainAcc: 0.3, valAcc: null });
  sweep.end(1);
  sweep.line("[1/2] adam: bestTrainAcc 0.300 in 3.0 s");
  sweep.close();
  assert.deepEqual(lines, [
    "sgd: epoch 1/2, loss 2.2900, train acc 0.250, val acc 0.200 | adam: 0 of 2 runs done, " +
    "2 training | ETA 0:02",
    "adam: epoch 1/2, loss 2.4000, train acc 0.300 | adam: 0 of 2 runs done, 2 training | ETA 0:02",
    "[1/2] adam: bestTrainAcc 0.300 in 3.0 s",
  ]);
  assert.deepEqual(written, [], "nothing is drawn");
});

Deno.test("sweep ETA: finished runs set the expected time of queued ones; none before any guess", () => {
  let now = 0;
  const sweep = new SweepProgress({
    study: "s",
    total: 5,
    lanes: 2,
    output: { write: () => {}, isTerminal: false },
    log: () => {},
    now: () => now,
  });
  sweep.start(0, "a");
  sweep.start(1, "b");
  assert.equal(sweep.etaSeconds(), null, "no rate and no finished run: no guess");
  now = 10_000;
  sweep.end(0); // a took 10 s
  sweep.start(2, "c");
  now = 12_000;
  // b: no rate yet, expected 10 s in all, 12 s elapsed: 0 left. c: 8 s left. Two queued
  // runs of 10 s. (0 + 8 + 20) / 2 lanes = 14 s.
  assert.equal(sweep.etaSeconds(), 14);
});
