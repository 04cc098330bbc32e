/**
 * `deno task test:doc`: runs the examples of every module in lib/ (`deno test --doc`) but
 * those listed in {@linkcode CANNOT_RUN}, each with why. Every example, listed or not,
 * type-checks (`deno check --doc lib/`, also in `deno task check`).
 *
 * The examples run without network, without starting programs and without writing
 * outside a temporary folder, so none downloads a data set, starts a server or touches
 * the repository's data/ and plots/; an example that needs any of that is listed here.
 * A listed file that is gone or has no example left is an error, so the list stays true.
 *
 * @module
 */
import { join, relative } from "node:path";
import { REPO_ROOT } from "../lib/files.ts";

const NETWORK = "downloads a data set, or serves or fetches over HTTP";
const DATA_FILES = "reads CIFAR-10 or MNIST files that a fresh clone lacks (fetched on first use)";
const STUDY_OUTPUT = "reads or writes a study's pages or run records (plots/, data/runs/, ...)";
const STUDY = "runs a whole study: trains its runs and writes its page";
const CLUSTER = "submits to, or runs inside, a Slurm or PBS job";
const PROGRAMS = "starts deno or another program";
const ONEDNN = "needs oneDNN started: the native tier, absent without libdnnl2";
const GPU = "needs a GPU: webgpu on a hardware adapter";
const FRAGMENT =
  "a fragment: its inputs (records, run specs, a model, ...) are declared, not built";

/** Modules whose examples cannot run here, relative to lib/, with the reason. */
const CANNOT_RUN: Record<string, string> = {
  "cli/dev/coalesce.ts": FRAGMENT, // and it watches lib/ forever
  "cli/dev/inject.ts": STUDY_OUTPUT,
  "cli/dev/main.ts": NETWORK,
  "cli/dev/rerun.ts": PROGRAMS,
  "cli/dev/server.ts": NETWORK,
  "cli/dev/sse_client.ts": NETWORK,
  "cli/dev/workspace.ts": "copies the repository and symlinks node_modules (unscoped writes)",
  "cli/gpu.ts": GPU,
  "cli/page_check.ts": STUDY_OUTPUT,
  "cli/reproduce.ts": STUDY_OUTPUT,
  "data/cifar10.ts": DATA_FILES,
  "data/download.ts": NETWORK,
  "data/fetch.ts": NETWORK,
  "data/gzip.ts": DATA_FILES,
  "data/mnist_idx.ts": DATA_FILES,
  "data/sources.ts": NETWORK,
  "data/tar.ts": DATA_FILES,
  "kernels/native/binary_kernels.ts": ONEDNN,
  "kernels/native/descriptors.ts": ONEDNN,
  "kernels/native/elementwise_chain.ts": ONEDNN,
  "kernels/native/kernel_util.ts": ONEDNN,
  "kernels/native/memory_desc.ts": ONEDNN,
  "kernels/native/primitive.ts": ONEDNN,
  "kernels/native/reduce_kernels.ts": ONEDNN,
  "kernels/native/runtime.ts": ONEDNN,
  "kernels/native/unary_kernels.ts": ONEDNN,
  "kernels/webgpu/filter_gradients.ts": GPU,
  "kernels/webgpu/mod.ts": GPU,
  "kernels/webgpu/registry.ts": GPU,
  "plot/accuracy_panel.ts": FRAGMENT,
  "plot/epoch_curves.ts": FRAGMENT,
  "plot/figure_script.ts": FRAGMENT,
  "plot/findings.ts": FRAGMENT,
  "plot/index_page.ts": STUDY_OUTPUT,
  "plot/learning_curves.ts": FRAGMENT,
  "plot/misclassified_grid.ts": FRAGMENT,
  "plot/notebook.ts": FRAGMENT,
  "plot/page.ts": STUDY_OUTPUT,
  "plot/render.ts": FRAGMENT,
  "plot/results_table.ts": FRAGMENT,
  "plot/style.ts": FRAGMENT,
  "plot/time_split.ts": FRAGMENT,
  "runs/claim.ts": STUDY_OUTPUT,
  "runs/identity.ts": FRAGMENT,
  "runs/launchers/array_task.ts": CLUSTER,
  "runs/launchers/driver.ts": CLUSTER,
  "runs/launchers/exit_codes.ts": CLUSTER,
  "runs/launchers/job_script.ts": CLUSTER,
  "runs/launchers/launch.ts": CLUSTER,
  "runs/launchers/manifest.ts": CLUSTER,
  "runs/launchers/monitor.ts": CLUSTER,
  "runs/launchers/pbs.ts": CLUSTER,
  "runs/launchers/slurm.ts": CLUSTER,
  "runs/launchers/status.ts": CLUSTER,
  "runs/launchers/train_entry.ts": CLUSTER,
  "runs/pool.ts": FRAGMENT,
  "runs/runner.ts": FRAGMENT,
  "runs/store.ts": FRAGMENT,
  "runs/train_run.ts": FRAGMENT,
  "runs/validate.ts": STUDY_OUTPUT,
  "study/batch_size.ts": STUDY,
  "study/cluster.ts": FRAGMENT,
  "study/frame.ts": STUDY,
  "study/load_runs.ts": PROGRAMS,
  "study/plan.ts": FRAGMENT,
  "study/study_page.ts": STUDY_OUTPUT,
  "train/classifier.ts": FRAGMENT,
  "train/solver.ts": FRAGMENT,
};

/** Every .ts file under `dir`, as absolute paths, sorted. */
async function typescriptFiles(dir: string): Promise<string[]> {
  const files: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) files.push(...await typescriptFiles(path));
    else if (entry.isFile && entry.name.endsWith(".ts")) files.push(path);
  }
  return files.sort();
}

const lib = join(REPO_ROOT, "lib");
const files = await typescriptFiles(lib);
const stale: string[] = [];
for (const listed of Object.keys(CANNOT_RUN)) {
  const path = join(lib, listed);
  if (!files.includes(path) || !(await Deno.readTextFile(path)).includes("```ts")) {
    stale.push(listed);
  }
}
if (stale.length > 0) {
  console.error(
    `error: tests/run_doc_examples.ts lists ${stale.join(", ")}, which no longer exist ` +
      "or have no example: remove them from CANNOT_RUN",
  );
  Deno.exit(1);
}

const runnable = files.filter((file) => !(relative(lib, file) in CANNOT_RUN));
const scratch = await Deno.makeTempDir({ prefix: "nnlab-doc-examples-" });
try {
  const { code } = await new Deno.Command(Deno.execPath(), {
    args: [
      "test",
      "--doc",
      "--no-check", // `deno check --doc lib/` type-checks them
      "--allow-read",
      "--allow-env",
      "--allow-sys",
      "--allow-ffi", // the native tier's oneDNN, when installed
      `--allow-write=${scratch}`,
      ...runnable.map((file) => relative(REPO_ROOT, file)),
    ],
    cwd: REPO_ROOT,
    env: { TMPDIR: scratch }, // Deno.makeTempDir() in an example writes here
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  Deno.exitCode = code;
} finally {
  await Deno.remove(scratch, { recursive: true });
}
