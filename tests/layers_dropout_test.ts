import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { Dropout, dropout } from "../lib/layers/dropout.ts";
import { checkLayerGradients } from "../lib/layers/gradcheck_layer.ts";
import { useTestBackend } from "./helpers.ts";

await useTestBackend();

Deno.test("dropout keeps a keepProb fraction, scales kept units by 1/keepProb, preserves the mean", () => {
  const n = 100 * 100;
  const x = tf.add(tf.randomNormal([100, 100], 0, 1, "float32", 1), 10);
  const xv = x.dataSync();
  for (const keepProb of [0.25, 0.5, 0.9]) {
    const out = dropout(x, { keepProb, training: true, seed: 3 }).dataSync();
    let kept = 0, sumOut = 0, sumX = 0;
    for (let i = 0; i < n; i++) {
      sumOut += out[i];
      sumX += xv[i];
      if (out[i] === 0) continue;
      kept++;
      assert.ok(Math.abs(out[i] - xv[i] / keepProb) < 1e-4, `kept unit ${i} not scaled by 1/p`);
    }
    // The kept fraction is Binomial(n, p) / n: standard deviation <= 0.005 here; 4 sigma.
    assert.ok(Math.abs(kept / n - keepProb) < 0.02, `kept ${kept / n} for keepProb ${keepProb}`);
    // Inverted dropout leaves the expected activation unchanged (mean ~10 here).
    assert.ok(Math.abs(sumOut / sumX - 1) < 0.05, `mean ratio ${sumOut / sumX}`);
  }
});

Deno.test("dropout: seeds, test mode, keepProb 1", () => {
  const x = tf.ones([20, 20]);
  const mask = (seed?: number) => dropout(x, { keepProb: 0.5, training: true, seed }).dataSync();
  assert.deepEqual(mask(7), mask(7));
  assert.notDeepEqual(mask(7), mask(8));
  assert.notDeepEqual(mask(), mask());
  assert.deepEqual(dropout(x, { keepProb: 0.5 }).dataSync(), x.dataSync());
  assert.deepEqual(
    dropout(x, { keepProb: 0.5, training: false, seed: 1 }).dataSync(),
    x.dataSync(),
  );
  assert.deepEqual(dropout(x, { keepProb: 1, training: true }).dataSync(), x.dataSync());
});

Deno.test("Dropout module: a new mask per training forward, reproducible after resetMasks", () => {
  const x = tf.ones([10, 10]);
  const drop = new Dropout({ keepProb: 0.5, seed: 11 });
  const first = drop.forward(x, { training: true }).dataSync();
  const second = drop.forward(x, { training: true }).dataSync();
  assert.notDeepEqual(first, second);
  assert.equal(drop.maskCount, 2);
  // Evaluation neither drops nor advances the masks.
  assert.deepEqual(drop.forward(x).dataSync(), x.dataSync());
  assert.equal(drop.maskCount, 2);
  drop.resetMasks();
  assert.deepEqual(drop.forward(x, { training: true }).dataSync(), first);
  assert.deepEqual(
    new Dropout({ keepProb: 0.5, seed: 11 }).forward(x, { training: true }).dataSync(),
    first,
  );
});

Deno.test("Dropout: gradient check with the mask held fixed", () => {
  const drop = new Dropout({ keepProb: 0.6, seed: 5 });
  const x = tf.randomNormal([4, 5], 0, 1, "float32", 2);
  const [dx] = checkLayerGradients((x) => {
    drop.resetMasks();
    return drop.forward(x, { training: true });
  }, [x]);
  // Linear in x for a fixed mask: float32 round-off only.
  assert.ok(dx.normRelError < 1e-5, `normRelError ${dx.normRelError}`);
  // Dropped units get no gradient.
  drop.resetMasks();
  const out = drop.forward(x, { training: true }).dataSync();
  const xv = x.dataSync();
  for (let i = 0; i < out.length; i++) {
    if (out[i] === 0 && xv[i] !== 0) assert.ok(dx.analytic[i] === 0, `dx[${i}]`);
  }
});

Deno.test("dropout: bad keepProb and seeds name the value and what is accepted", () => {
  const x = tf.ones([2, 2]);
  assert.throws(
    () => dropout(x, { keepProb: 1.5, training: true }),
    /^Error: keepProb: got 1.5; expected a number in \(0, 1\]$/,
  );
  assert.throws(
    () => dropout(x, { keepProb: 0 }),
    /keepProb: got 0; expected a number in \(0, 1\]/,
  );
  assert.throws(
    () => new Dropout({ keepProb: -0.5 }),
    /keepProb: got -0.5; expected a number in \(0, 1\]/,
  );
  assert.throws(() => new Dropout({ keepProb: "0.5" as unknown as number }), /keepProb: got "0.5"/);
  assert.throws(
    () => dropout(x, { keepProb: 0.5, training: true, seed: 1.5 }),
    /dropout: seed: got 1.5; expected an integer/,
  );
});
