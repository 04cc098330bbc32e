import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import {
  adagrad,
  adam,
  adamw,
  cosineDecay,
  exponentialDecay,
  nesterov,
  OPTIM_CONFIG_KEYS,
  type OptimConfig,
  rmsprop,
  sgd,
  sgdMomentum,
  stepDecay,
  type UpdateRule,
  updateRule,
} from "../lib/train/optim.ts";
import { useTestBackend } from "./helpers.ts";

await useTestBackend();

// Independent float64 references, one element at a time, written from the papers' and
// cs231n's formulas. State is a plain object of number arrays.
type State = Record<string, number | number[]>;
type Reference = (w: number[], dw: number[], s: State) => number[];

const zeros = (n: number) => new Array<number>(n).fill(0);
const arr = (s: State, key: string, n: number) => (s[key] as number[] | undefined) ?? zeros(n);

const references: Record<string, Reference> = {
  sgd: (w, dw, s) => w.map((wi, i) => wi - (s.learningRate as number) * dw[i]),
  sgd_momentum: (w, dw, s) => {
    const v = arr(s, "velocity", w.length).map((vi, i) =>
      (s.momentum as number) * vi - (s.learningRate as number) * dw[i]
    );
    s.velocity = v;
    return w.map((wi, i) => wi + v[i]);
  },
  nesterov: (w, dw, s) => {
    const mu = s.momentum as number;
    const previous = arr(s, "velocity", w.length);
    const v = previous.map((vi, i) => mu * vi - (s.learningRate as number) * dw[i]);
    s.velocity = v;
    return w.map((wi, i) => wi - mu * previous[i] + (1 + mu) * v[i]);
  },
  rmsprop: (w, dw, s) => {
    const rho = s.decayRate as number;
    const cache = arr(s, "cache", w.length).map((c, i) => rho * c + (1 - rho) * dw[i] ** 2);
    s.cache = cache;
    return w.map((wi, i) =>
      wi - (s.learningRate as number) * dw[i] / (Math.sqrt(cache[i]) + (s.epsilon as number))
    );
  },
  adagrad: (w, dw, s) => {
    const cache = arr(s, "cache", w.length).map((c, i) => c + dw[i] ** 2);
    s.cache = cache;
    return w.map((wi, i) =>
      wi - (s.learningRate as number) * dw[i] / (Math.sqrt(cache[i]) + (s.epsilon as number))
    );
  },
  adam: (w, dw, s) => adamReference(w, dw, s, 0),
  adamw: (w, dw, s) => adamReference(w, dw, s, s.weightDecay as number),
};

function adamReference(w: number[], dw: number[], s: State, decoupledDecay: number): number[] {
  const { learningRate: lr, beta1: b1, beta2: b2, epsilon: eps } = s as Record<string, number>;
  const t = ((s.t as number | undefined) ?? 0) + 1;
  const m = arr(s, "m", w.length).map((mi, i) => b1 * mi + (1 - b1) * dw[i]);
  const v = arr(s, "v", w.length).map((vi, i) => b2 * vi + (1 - b2) * dw[i] ** 2);
  Object.assign(s, { t, m, v });
  return w.map((wi, i) => {
    const mHat = m[i] / (1 - b1 ** t);
    const vHat = v[i] / (1 - b2 ** t);
    return wi - lr * decoupledDecay * wi - lr * mHat / (Math.sqrt(vHat) + eps);
  });
}

/** Hyper-parameters away from the defaults, so a rule that ignores one is caught. */
const hyper: Record<string, OptimConfig> = {
  sgd: { learningRate: 0.3 },
  sgd_momentum: { learningRate: 0.1, momentum: 0.7 },
  nesterov: { learningRate: 0.1, momentum: 0.8 },
  rmsprop: { learningRate: 0.05, decayRate: 0.9, epsilon: 1e-6 },
  adagrad: { learningRate: 0.2, epsilon: 1e-6 },
  adam: { learningRate: 0.05, beta1: 0.8, beta2: 0.95, epsilon: 1e-6 },
  adamw: { learningRate: 0.05, beta1: 0.8, beta2: 0.95, epsilon: 1e-6, weightDecay: 0.5 },
};

const w0 = [0.5, -1.25, 2.0, 0.0, -0.3, 0.9];
const gradients = [
  [0.1, -0.2, 0.3, -0.4, 0.5, -0.6],
  [-0.3, 0.05, 0.2, 0.4, -0.1, 0.7],
  [0.25, 0.25, -0.5, 0.1, 0.0, -0.2],
];

/** Runs the rule and the reference for three steps; returns the worst relative error. */
function compareSteps(rule: UpdateRule, reference: Reference, config: OptimConfig): number {
  let w: tf.Tensor = tf.tensor2d(w0, [2, 3]);
  let expected = [...w0];
  const state: State = { ...config } as State;
  let worst = 0;
  for (const dwValues of gradients) {
    const dw = tf.tensor2d(dwValues, [2, 3]);
    const [nextW, nextConfig] = rule(w, dw, config);
    expected = reference(expected, dwValues, state);
    const got = nextW.dataSync();
    for (let i = 0; i < expected.length; i++) {
      const error = Math.abs(got[i] - expected[i]) / Math.max(1, Math.abs(expected[i]));
      worst = Math.max(worst, error);
    }
    // Every state tensor the reference keeps must match too.
    for (const key of ["velocity", "cache", "m", "v"] as const) {
      if (!(key in state)) continue;
      const tensor = nextConfig[key];
      assert.ok(tensor, `${key} missing from the config`);
      const stateValues = state[key] as number[];
      tensor.dataSync().forEach((value, i) => {
        worst = Math.max(
          worst,
          Math.abs(value - stateValues[i]) / Math.max(1, Math.abs(stateValues[i])),
        );
      });
    }
    if ("t" in state) assert.equal(nextConfig.t, state.t);
    tf.dispose([w, dw, config.velocity, config.cache, config.m, config.v]);
    w = nextW;
    config = nextConfig;
  }
  tf.dispose([w, config.velocity, config.cache, config.m, config.v]);
  return worst;
}

for (const name of Object.keys(references)) {
  Deno.test(`${name} matches a float64 reference over three steps, state included`, () => {
    // float32 keeps ~7 significant digits; three steps of a handful of ops stay well within 1e-5.
    const worst = compareSteps(updateRule(name), references[name], hyper[name]);
    assert.ok(worst < 1e-5, `worst relative error ${worst}`);
  });
}

Deno.test("rules apply their defaults (cs231n's) when the config is empty", () => {
  const defaults: Record<string, OptimConfig> = {
    sgd: { learningRate: 1e-2 },
    sgd_momentum: { learningRate: 1e-2, momentum: 0.9 },
    nesterov: { learningRate: 1e-2, momentum: 0.9 },
    rmsprop: { learningRate: 1e-2, decayRate: 0.99, epsilon: 1e-8 },
    adagrad: { learningRate: 1e-2, epsilon: 1e-8 },
    adam: { learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
    adamw: { learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 1e-2 },
  };
  for (const [name, expected] of Object.entries(defaults)) {
    const w = tf.tensor1d([1, -2]);
    const dw = tf.tensor1d([0.5, 0.25]);
    const [nextW, config] = updateRule(name)(w, dw);
    for (const [key, value] of Object.entries(expected)) {
      assert.equal(config[key as keyof OptimConfig], value, `${name}.${key}`);
    }
    assert.equal(config.weightDecay, expected.weightDecay ?? 0, `${name}.weightDecay`);
    // The defaults are also what the step used: compare with the reference on them.
    const reference = references[name]([1, -2], [0.5, 0.25], { ...expected } as State);
    const got = nextW.dataSync();
    reference.forEach((value, i) => assert.ok(Math.abs(got[i] - value) < 1e-6, `${name}[${i}]`));
    tf.dispose([w, dw, nextW, config.velocity, config.cache, config.m, config.v]);
  }
});

Deno.test("each rule returns exactly its cs231n config keys", () => {
  const expectedKeys: Record<string, string[]> = {
    sgd: ["learningRate", "weightDecay"],
    sgd_momentum: ["learningRate", "momentum", "velocity", "weightDecay"],
    nesterov: ["learningRate", "momentum", "velocity", "weightDecay"],
    rmsprop: ["learningRate", "decayRate", "epsilon", "cache", "weightDecay"],
    adagrad: ["learningRate", "epsilon", "cache", "weightDecay"],
    adam: ["learningRate", "beta1", "beta2", "epsilon", "m", "v", "t", "weightDecay"],
    adamw: ["learningRate", "beta1", "beta2", "epsilon", "m", "v", "t", "weightDecay"],
  };
  assert.deepEqual(
    [...OPTIM_CONFIG_KEYS].sort(),
    [
      "beta1",
      "beta2",
      "cache",
      "decayRate",
      "epsilon",
      "learningRate",
      "m",
      "momentum",
      "t",
      "v",
      "velocity",
      "weightDecay",
    ],
  );
  for (const [name, keys] of Object.entries(expectedKeys)) {
    const w = tf.ones([2]);
    const dw = tf.ones([2]);
    const [nextW, config] = updateRule(name)(w, dw);
    assert.deepEqual(Object.keys(config).sort(), [...keys].sort(), name);
    tf.dispose([w, dw, nextW, config.velocity, config.cache, config.m, config.v]);
  }
});

Deno.test("rules are pure: the input config and tensors are untouched, state tensors are new", () => {
  for (const name of Object.keys(references)) {
    const w = tf.tensor1d([1, 2]);
    const dw = tf.tensor1d([0.1, -0.1]);
    const [w1, first] = updateRule(name)(w, dw, { learningRate: 0.1 });
    const snapshot = { ...first };
    const w1Values = Array.from(w1.dataSync());
    const before = tf.memory().numTensors;
    const [w2, second] = updateRule(name)(w1, dw, first);
    assert.deepEqual(first, snapshot, `${name} mutated its config`);
    assert.deepEqual(Array.from(w1.dataSync()), w1Values, `${name} changed its input weights`);
    assert.ok(!w1.isDisposed && !dw.isDisposed, `${name} disposed an input`);
    for (const key of ["velocity", "cache", "m", "v"] as const) {
      if (first[key]) {
        assert.notEqual(second[key], first[key], `${name}.${key} reused`);
        assert.ok(!first[key]!.isDisposed, `${name}.${key} of the input disposed`);
      }
    }
    // Only the outputs remain: the new weights and one tensor per state entry.
    const stateCount = ["velocity", "cache", "m", "v"].filter((k) => k in second).length;
    assert.equal(tf.memory().numTensors - before, 1 + stateCount, `${name} leaked intermediates`);
    tf.dispose([w, dw, w1, w2, first.velocity, first.cache, first.m, first.v]);
    tf.dispose([second.velocity, second.cache, second.m, second.v]);
  }
});

Deno.test("weightDecay is L2 on the gradient for sgd and decoupled for adamw", () => {
  const w = tf.tensor1d([2, -4]);
  const dw = tf.tensor1d([0, 0]);
  const [sgdW] = sgd(w, dw, { learningRate: 0.1, weightDecay: 0.5 });
  // dw + 0.5 w = [1, -2]; w - 0.1 * that
  assert.deepEqual(Array.from(sgdW.dataSync()).map((x) => +x.toFixed(6)), [1.9, -3.8]);
  // With a zero gradient, adamw only shrinks the weights by (1 - lr * weightDecay).
  const [adamwW, config] = adamw(w, dw, { learningRate: 0.1, weightDecay: 0.5 });
  assert.deepEqual(Array.from(adamwW.dataSync()).map((x) => +x.toFixed(6)), [1.9, -3.8]);
  // Adam's L2 goes through the adaptive step: its first step has size ~learningRate.
  const [adamW, adamConfig] = adam(w, dw, { learningRate: 0.1, weightDecay: 0.5 });
  assert.deepEqual(Array.from(adamW.dataSync()).map((x) => +x.toFixed(5)), [1.9, -3.9]);
  tf.dispose([w, dw, sgdW, adamwW, adamW, config.m, config.v, adamConfig.m, adamConfig.v]);
});

Deno.test("updateRule accepts cs231n and camelCase names and rejects others by name", () => {
  assert.equal(updateRule("sgd_momentum"), sgdMomentum);
  assert.equal(updateRule("sgdMomentum"), sgdMomentum);
  assert.equal(updateRule("nesterov"), nesterov);
  assert.equal(updateRule("rmsprop"), rmsprop);
  assert.equal(updateRule("adagrad"), adagrad);
  assert.equal(updateRule("adam"), adam);
  assert.equal(updateRule("adamw"), adamw);
  assert.throws(
    () => updateRule("foo"),
    {
      message: 'updateRule: got "foo"; expected one of "sgd", "sgd_momentum", "nesterov", ' +
        '"rmsprop", "adagrad", "adam", "adamw"',
    },
  );
  // Inherited object keys are not rules.
  assert.throws(() => updateRule("toString"), /updateRule: got "toString"/);
});

Deno.test("exponentialDecay is lr * lrDecay^epoch", () => {
  const schedule = exponentialDecay(0.5);
  assert.deepEqual([0, 1, 2, 3].map((e) => schedule(0.8, e)), [0.8, 0.4, 0.2, 0.1]);
  assert.equal(exponentialDecay(1)(1e-3, 50), 1e-3);
  assert.throws(() => exponentialDecay(0), /lrDecay: got 0; expected a number in \(0, 1\]/);
});

Deno.test("stepDecay drops by gamma every stepSize epochs", () => {
  const schedule = stepDecay(3, 0.1);
  const rates = [0, 1, 2, 3, 5, 6, 9].map((e) => schedule(1, e));
  const expected = [1, 1, 1, 0.1, 0.1, 0.01, 0.001];
  rates.forEach((rate, i) => assert.ok(Math.abs(rate - expected[i]) < 1e-12, `${i}: ${rate}`));
  assert.throws(() => stepDecay(0), /stepSize: got 0; expected an integer >= 1/);
  assert.throws(() => stepDecay(2, 1.5), /gamma: got 1.5; expected a number in \(0, 1\]/);
});

Deno.test("cosineDecay goes from the base rate to the floor over numEpochs", () => {
  const schedule = cosineDecay(4, 0.1);
  const rates = [0, 1, 2, 3, 4, 7].map((e) => schedule(1.1, e));
  // floor + (base - floor) * (1 + cos(pi * e / 4)) / 2
  const expected = [
    1.1,
    0.1 + 0.5 * (1 + Math.SQRT1_2),
    0.6,
    0.1 + 0.5 * (1 - Math.SQRT1_2),
    0.1,
    0.1,
  ];
  rates.forEach((rate, i) => assert.ok(Math.abs(rate - expected[i]) < 1e-12, `${i}: ${rate}`));
  assert.throws(() => cosineDecay(2.5), /numEpochs: got 2.5; expected an integer >= 1/);
  assert.throws(() => cosineDecay(3, -1), /minLearningRate: got -1; expected a number >= 0/);
});
