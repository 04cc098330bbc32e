/**
 * Times one batchnorm training step, forward and backward (dx, dgamma, dbeta), with the
 * closed-form backward (tf.customGrad) against autodiff, on the active backend.
 *
 *   deno run -A bench/batchnorm.ts [--backend wasm|cpu|tensorflow] [--reps 15]
 *
 * Prints one line per size:
 *   N=<rows> D=<features> closed_ms=<median> autodiff_ms=<median> speedup=<autodiff/closed>
 * Times are medians over `reps` alternating repetitions in milliseconds, after two warm-up
 * steps;
 * each step reads its gradients back (dataSync) so asynchronous backends are timed fully.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { backendRequest, initBackend } from "../lib/backend/init.ts";
import { argumentError, numberIn } from "../lib/errors.ts";
import { commandLineOrExit } from "../lib/cli/command_line.ts";
import { batchnorm, batchnormAutodiff } from "../lib/layers/batchnorm.ts";

/** Batch sizes N and feature counts D, the range of cs231n's fully connected nets. */
const SIZES: [number, number][] = [
  [100, 100],
  [100, 1024],
  [256, 256],
  [256, 512],
  [512, 100],
  [512, 1024],
];

const { reps, backend } = commandLineOrExit(
  Deno.args,
  { backend: { type: "string" }, reps: { type: "string" } },
  {},
  ({ values }) => ({
    reps: values.reps === undefined || /^\d+$/.test(String(values.reps))
      ? numberIn("--reps", Number(values.reps ?? 15), { min: 1, integer: true })
      : (() => {
        throw argumentError("--reps", values.reps, "an integer >= 1");
      })(),
    backend: backendRequest(values.backend as string | undefined),
  }),
);
const info = await initBackend({ backend });
console.log(
  `batchnorm forward+backward, backend ${info.backend} (${info.threads} thread(s)), ` +
    `median of ${reps} in milliseconds`,
);

type Normalize = typeof batchnorm;

/** One training step: forward, then the gradients of sum(out * dout) for x, gamma, beta. */
function step(normalize: Normalize, inputs: tf.Tensor[], dout: tf.Tensor, stats: tf.Variable[]) {
  tf.tidy(() => {
    const loss = (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) =>
      tf.sum(tf.mul(
        normalize(x, gamma, beta, {
          training: true,
          runningMean: stats[0],
          runningVar: stats[1],
        }),
        dout,
      ));
    for (const grad of tf.grads(loss)(inputs)) grad.dataSync();
  });
}

/**
 * Medians of `reps` timed runs of each function. The runs alternate, so a change in load
 * from other processes on a shared machine hits both sides alike.
 */
function medianMs(runs: (() => void)[]): number[] {
  for (const run of runs) {
    run();
    run();
  }
  const times: number[][] = runs.map(() => []);
  for (let i = 0; i < reps; i++) {
    runs.forEach((run, k) => {
      const start = performance.now();
      run();
      times[k].push(performance.now() - start);
    });
  }
  return times.map((t) => t.sort((a, b) => a - b)[Math.floor(t.length / 2)]);
}

for (const [N, D] of SIZES) {
  const inputs = [tf.randomNormal([N, D], 0, 1, "float32", 1), tf.ones([D]), tf.zeros([D])];
  const dout = tf.randomNormal([N, D], 0, 1, "float32", 2);
  const stats = [tf.variable(tf.zeros([D]), false), tf.variable(tf.ones([D]), false)];
  const [closed, autodiff] = medianMs([
    () => step(batchnorm, inputs, dout, stats),
    () => step(batchnormAutodiff, inputs, dout, stats),
  ]);
  console.log(
    `N=${N} D=${D} closed_ms=${closed.toFixed(3)} autodiff_ms=${autodiff.toFixed(3)} ` +
      `speedup=${(autodiff / closed).toFixed(2)}`,
  );
  tf.dispose([...inputs, dout, ...stats]);
}

// The threaded wasm backend keeps its worker threads alive; without an explicit exit the
// process would wait on them forever after the last line.
Deno.exit(0);
