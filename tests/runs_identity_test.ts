/**
 * A run's identity covers exactly the code that computes it: its trainer's runtime import
 * graph and its model's module, digested over tokens; plus its config and its backend.
 */
import assert from "node:assert/strict";
import { join, relative } from "node:path";
import type { BackendIdentity } from "../lib/backend/info.ts";
import { dataSpec } from "../lib/data/spec.ts";
import { REPO_ROOT } from "../lib/files.ts";
import { canonicalJson, missCause, runIdentity, runKey } from "../lib/runs/identity.ts";
import type { RunIdentity, RunSpec } from "../lib/runs/record.ts";
import { codeIdentity, moduleGraph } from "../lib/runs/source_graph.ts";
import { fcRun } from "../lib/study/fc_run.ts";
import { classifierRun } from "../lib/train/classifier.ts";

const WASM: BackendIdentity = {
  name: "wasm",
  library: "@tensorflow/tfjs-backend-wasm@4.22.0",
  kernels: "k1",
};
const data = dataSpec({ dataset: "synthetic", numTrain: 10 });

/** A scratch folder inside the repository, so module graphs follow it. */
async function scratch(): Promise<string> {
  const dir = join(REPO_ROOT, "data", "tmp");
  await Deno.mkdir(dir, { recursive: true });
  return Deno.makeTempDir({ dir, prefix: "identity_test_" });
}

Deno.test("canonicalJson sorts keys at every depth and rejects non-finite numbers", () => {
  assert.equal(canonicalJson({ b: 1, a: [2, { d: 3, c: 4 }] }), '{"a":[2,{"c":4,"d":3}],"b":1}');
  assert.equal(canonicalJson({ a: 1, b: undefined }), canonicalJson({ a: 1 }));
  assert.throws(() => canonicalJson({ lr: NaN }), /got NaN; expected finite numbers/);
});

Deno.test("the graph follows runtime imports only; the digest ignores comments and layout", async () => {
  const dir = await scratch();
  try {
    const write = (name: string, text: string) => Deno.writeTextFile(join(dir, name), text);
    await write("types.ts", "export interface Shape { n: number }\n");
    await write("typed.ts", "export type T = number;\nexport const typedValue = 1;\n");
    await write("helper.ts", "export const scale = (x: number) => x * 2;\n");
    await write("lazy.ts", "export const lazy = 3;\n");
    await write("unrelated.ts", "export const unrelated = 1;\n");
    await write(
      "trainer.ts",
      [
        'import type { Shape } from "./types.ts";',
        'import { type T } from "./typed.ts";',
        'import { scale } from "./helper.ts";',
        "export const s: Shape = { n: 1 };",
        "export const t: T = 1;",
        'export const load = () => import("./lazy.ts");',
        "export const text = `a${scale(1)}// not a comment`;",
        "",
      ].join("\n"),
    );
    const files = await moduleGraph([join(dir, "trainer.ts")]);
    assert.deepEqual(
      files.map((f) => relative(dir, f)),
      ["helper.ts", "lazy.ts", "trainer.ts"],
      "type-only imports (import type, all-type named imports) are not followed",
    );
    const before = (await codeIdentity(files)).digest;
    await write(
      "helper.ts",
      "/** Doubles. */\nexport const scale = (\n  x: number, // the input\n) => x * 2; // twice\n",
    );
    assert.equal((await codeIdentity(files)).digest, before, "comments and layout do not count");
    await write("unrelated.ts", "export const unrelated = 2;\n");
    assert.equal((await codeIdentity(files)).digest, before, "a file outside the graph does not");
    const trainer = await Deno.readTextFile(join(dir, "trainer.ts"));
    await write("trainer.ts", trainer.replace("// not a comment", "// changed text"));
    const edited = await codeIdentity(files);
    assert.notEqual(edited.digest, before, "'//' inside a template literal is text, not a comment");
    assert.notEqual(edited.files[relative(REPO_ROOT, join(dir, "trainer.ts"))], undefined);
    await write("helper.ts", "export const scale = (x: number) => x * 3;\n");
    assert.notEqual((await codeIdentity(files)).digest, edited.digest, "a changed literal counts");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** The files a run's identity covers, relative to the repository. */
async function covered(spec: RunSpec): Promise<string[]> {
  return Object.keys((await runIdentity(spec, WASM)).code.files);
}

/** Code that must never be part of a run's identity. */
const MACHINERY = [
  /^lib\/runs\//,
  /^lib\/plot\//,
  /^lib\/cli\//,
  /^lib\/study\//,
  /^lib\/backend\//,
  /^lib\/train\/progress\.ts$/,
  /^lib\/mod\.ts$/,
  /^experiments\//,
];

const base = { data, updateRule: "sgd", numEpochs: 1, batchSize: 10, seed: 0 };
const TRAINERS: [string, RunSpec, RegExp[], RegExp[]][] = [
  [
    "fully connected",
    fcRun("fc", { ...base, hiddenDims: [10], weightScale: 1e-2, learningRate: 1e-2 }),
    [
      /^lib\/models\/fc_net\.ts$/,
      /^lib\/train\/solver\.ts$/,
      /^lib\/train\/optim\.ts$/,
      /^lib\/layers\/batchnorm\.ts$/,
    ],
    [/mnist_nets|convnext|three_layer|^lib\/blocks\//, /augment/],
  ],
  [
    "three-layer convnet",
    classifierRun("overfit", { ...base, model: "three_layer_convnet" }),
    [/^lib\/models\/three_layer_convnet\.ts$/, /^lib\/layers\/conv\.ts$/],
    [/mnist_nets|convnext|fc_net/, /augment/],
  ],
  [
    "MNIST net",
    classifierRun("cnn", { ...base, model: "mnist_resnet_bn" }),
    [/^lib\/models\/mnist_nets\.ts$/, /^lib\/blocks\/residual\.ts$/],
    [/convnext|fc_net|three_layer/, /augment/],
  ],
  [
    "ConvNeXt with augmentation",
    classifierRun("convnext", {
      ...base,
      model: "convnext",
      augment: { flip: 0.5, cropScale: [0.85, 1], jitter: 0.2 },
    }),
    [
      /^lib\/models\/convnext\.ts$/,
      /^lib\/blocks\/convnext_block\.ts$/,
      /^lib\/data\/augment\.ts$/,
    ],
    [/mnist_nets|fc_net|three_layer|^lib\/blocks\/residual\.ts$/],
  ],
];

for (const [what, spec, present, absent] of TRAINERS) {
  Deno.test(`a ${what} run's identity covers its own code, and no machinery or other model`, async () => {
    const files = await covered(spec);
    for (const pattern of present) {
      assert.ok(files.some((f) => pattern.test(f)), `${pattern} is covered:\n${files.join("\n")}`);
    }
    for (const pattern of [...MACHINERY, ...absent]) {
      const found = files.filter((f) => pattern.test(f));
      assert.deepEqual(found, [], `${pattern} must not be covered`);
    }
    assert.ok(files.includes("lib/train/classifier.ts"));
  });
}

Deno.test("runKey changes with the config, the code and the backend, not with key order", async () => {
  const spec = fcRun("fc", { ...base, hiddenDims: [10], weightScale: 1e-2, learningRate: 1e-2 });
  const identity = await runIdentity(spec, WASM);
  const key = await runKey({ lr: 1e-3, reg: 0 }, identity);
  assert.match(key, /^[0-9a-f]{64}$/);
  assert.equal(key, await runKey({ reg: 0, lr: 1e-3 }, identity));
  assert.notEqual(key, await runKey({ lr: 2e-3, reg: 0 }, identity));
  const otherCode = { ...identity, code: { ...identity.code, digest: "x" } };
  assert.notEqual(key, await runKey({ lr: 1e-3, reg: 0 }, otherCode));
  const cpu: BackendIdentity = {
    name: "cpu",
    library: "@tensorflow/tfjs-backend-cpu@4.22.0",
    kernels: null,
  };
  assert.notEqual(key, await runKey({ lr: 1e-3, reg: 0 }, { ...identity, backend: cpu }));
  const kernels = { ...identity, backend: { ...WASM, kernels: "k2" } };
  assert.notEqual(key, await runKey({ lr: 1e-3, reg: 0 }, kernels), "our kernels' code counts");
});

Deno.test("missCause names the settings, the files or the backend that changed", () => {
  const identity: RunIdentity = {
    trainer: "lib/train/classifier.ts",
    modules: [],
    code: { digest: "a", files: { "lib/train/optim.ts": "1", "lib/train/solver.ts": "2" } },
    backend: WASM,
  };
  const config = { learningRate: 1e-3, batchSize: 50 };
  assert.equal(missCause(undefined, { config, identity }), null, "a new run has no cause");
  assert.equal(missCause({ config, identity }, { config, identity }), null);
  assert.equal(
    missCause({ config, identity }, { config: { ...config, learningRate: 1e-2 }, identity }),
    "new settings (learningRate)",
  );
  const edited = {
    ...identity,
    code: { digest: "b", files: { ...identity.code.files, "lib/train/optim.ts": "9" } },
  };
  assert.equal(
    missCause({ config, identity }, { config, identity: edited }),
    "code changed: lib/train/optim.ts",
  );
  const cpu = { ...identity, backend: { ...WASM, name: "cpu" as const } };
  assert.equal(
    missCause({ config, identity }, { config, identity: cpu }),
    "backend changed (wasm -> cpu)",
  );
});
