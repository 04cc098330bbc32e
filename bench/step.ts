/**
 * `deno task bench [model...]`: milliseconds per training step (forward, backward,
 * update) of the bench models on nnlab's backends, side by side with PyTorch.
 *
 * For each backend (default: every tier that loads but the slow `cpu` one; `--backend`
 * picks one) a child process (one backend per process) times each model: `--warmup`
 * steps, then the median of `--reps` steps. When /usr/bin/python3 imports torch, each
 * model also runs in PyTorch (bench/torch_step.py) with 1 thread and with all cores.
 * One line per model and backend:
 *
 * ```
 * model=mnist_cnn backend=wasm threads=2 batch=64 ms_per_step=.. torch_ms_per_step=.. ratio=..
 * ```
 *
 * `--backend webgpu` runs on any WebGPU adapter (a software one such as lavapipe too: it is
 * forced) and adds `adapter="..."` to the line; see bench/README.md before reading its
 * times.
 *
 * `torch_ms_per_step` is the best torch setting (`torch_threads` says which); both torch
 * numbers are printed. Memory: `peak_bytes` is the peak of `tf.memory().numBytes` during
 * a step (live tensors, parameters included); `torch_peak_rss_bytes` is the torch
 * process's peak resident set (interpreter and libraries included), so they are not the
 * same measure; `peak_rss_bytes` is the nnlab child's peak resident set during the timed
 * steps (after warm-up; Linux), the measure closest to torch's. The summary says, per backend, whether
 * best nnlab / best torch meets the target: <= 1 for native on all five models (issue
 * #12), <= 3 for the others (convnext reported only). It ends with the BLAS torch loaded. The machine's load average is printed before and after: other
 * processes on a shared machine make every number noisier.
 *
 * Flags: --backend b, --threads N[,M] (wasm and native; default 1 and all cores, the best
 * counts), --quick (1 warm-up, 3 reps, no minimum time), --reps N, --warmup N,
 * --min-seconds S (warm up and time for at least S seconds each, whatever N says; default
 * 1, both sides: a few-millisecond step needs hundreds of runs before V8 has compiled
 * the JavaScript on its path, and as many for a stable median), --batch N (every model,
 * both sides; for diagnosis), --profile (per-kernel
 * self times of the timed steps, to stderr), --no-torch.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { BACKEND_NAMES, type BackendName, initBackend } from "../lib/backend/init.ts";
import { argumentError, numberIn, oneOf } from "../lib/errors.ts";
import { adapterSummary, type WebgpuAdapterInfo } from "../lib/kernels/webgpu/adapter_info.ts";
import { parseCommandLine } from "../lib/cli/command_line.ts";
import { MAX_WASM_THREADS } from "../lib/kernels/wasm/threads.ts";
import {
  BENCH_MODELS,
  type BenchModelName,
  buildBenchModel,
  parameterCount,
  trainingStep,
} from "./models.ts";

/** Best nnlab / best torch time at or under which a model meets the target. */
export const TARGET_RATIO = 3;
/** Models the target applies to; the others are reported. */
const TARGET_MODELS: readonly BenchModelName[] = [
  "fcnet",
  "mnist_cnn",
  "mnist_small_cnn",
  "mnist_resnet_bn",
];
/** The native tier's target (issue #12): every model at or under PyTorch's best time. */
const NATIVE_TARGET_RATIO = 1;

/** The target ratio and the models it applies to, for a backend. */
function targetFor(backend: BackendName): { ratio: number; models: readonly BenchModelName[] } {
  return backend === "native"
    ? { ratio: NATIVE_TARGET_RATIO, models: BENCH_MODELS }
    : { ratio: TARGET_RATIO, models: TARGET_MODELS };
}
/** Backends that take a thread count; each runs once per count of --threads. */
const THREADED: readonly BackendName[] = ["native", "wasm"];
const PYTHON = "/usr/bin/python3";
const TORCH_SCRIPT = fileURLToPath(new URL("./torch_step.py", import.meta.url));

/** Parsed command line. */
interface BenchFlags {
  models: BenchModelName[];
  backends: BackendName[];
  /** Forced by --backend: a backend that cannot load is an error, not a skip. */
  forced: boolean;
  /** Thread counts to run wasm with; default 1 and all cores (best of both counts). */
  threads: number[];
  /** Overrides every model's batch size (both sides), for quick diagnosis. */
  batch?: number;
  reps: number;
  warmup: number;
  /** Warm-up and timing each last at least this long (seconds), up to 1000 steps. */
  minSeconds: number;
  profile: boolean;
  torch: boolean;
  child: boolean;
}

/** One model timed on one backend, as the child prints it (JSON). */
interface NnlabResult {
  model: BenchModelName;
  backend: BackendName;
  threads: number;
  batch: number;
  /** Trainable values of the model. */
  params: number;
  msPerStep: number;
  msAll: number[];
  /** Median CPU time of the process per step (all its threads), milliseconds. */
  cpuMsPerStep: number;
  peakBytes: number;
  /** Peak resident set of the child during the timed steps (Linux), undefined elsewhere. */
  peakRssBytes?: number;
  leakedTensors: number;
  /** The GPU adapter, one line (webgpu only). */
  adapter?: string;
  /** True on a software GPU adapter (lavapipe): its times say nothing about a GPU's. */
  softwareAdapter?: boolean;
}

/** One model timed in PyTorch, as bench/torch_step.py prints it. */
interface TorchResult {
  model: string;
  threads: number;
  batch: number;
  /** Trainable values, sum(p.numel()). */
  params: number;
  ms_per_step: number;
  ms_all: number[];
  /** Median CPU time of the process per step (all its threads), milliseconds. */
  cpu_ms_per_step: number;
  peak_rss_bytes: number;
  torch: string;
  /** The BLAS library the torch process mapped (bench/torch_step.py), when found. */
  blas?: string;
}

function parseFlags(args: string[]): BenchFlags {
  const { values: parsed, positionals } = parseCommandLine(args, {
    backend: { type: "string" },
    threads: { type: "string" },
    batch: { type: "string" },
    reps: { type: "string" },
    warmup: { type: "string" },
    "min-seconds": { type: "string" },
    quick: { type: "boolean" },
    profile: { type: "boolean" },
    "no-torch": { type: "boolean" },
    child: { type: "boolean" },
  }, { allowPositionals: true });
  const values = parsed as {
    backend?: string;
    threads?: string;
    batch?: string;
    reps?: string;
    warmup?: string;
    "min-seconds"?: string;
    quick?: boolean;
    profile?: boolean;
    "no-torch"?: boolean;
    child?: boolean;
  };
  const models = positionals.length === 0
    ? [...BENCH_MODELS]
    : positionals.map((name) => oneOf("model", name, BENCH_MODELS));
  const backends: BackendName[] = values.backend === undefined
    ? ["tensorflow", "native", "wasm"]
    : [oneOf("--backend", values.backend, BACKEND_NAMES)];
  const integer = (flag: string, text: string | undefined, fallback: number, min: number) => {
    if (text === undefined) return fallback;
    if (!/^\d+$/.test(text)) throw argumentError(flag, text, `an integer >= ${min}`);
    return numberIn(flag, Number(text), { min, integer: true });
  };
  return {
    models,
    backends,
    forced: values.backend !== undefined,
    threads: values.threads === undefined
      ? [...new Set([1, navigator.hardwareConcurrency ?? 1])]
      : values.threads.split(",").map((text) =>
        numberIn("--threads", integer("--threads", text, 0, 1), {
          min: 1,
          max: MAX_WASM_THREADS,
          integer: true,
        })
      ),
    batch: values.batch === undefined ? undefined : integer("--batch", values.batch, 0, 1),
    reps: integer("--reps", values.reps, values.quick ? 3 : 10, 1),
    warmup: integer("--warmup", values.warmup, values.quick ? 1 : 3, 0),
    minSeconds: values["min-seconds"] === undefined
      ? (values.quick ? 0 : 1)
      : numberIn("--min-seconds", Number(values["min-seconds"]), { min: 0 }),
    profile: values.profile === true,
    torch: !values["no-torch"],
    child: values.child === true,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Random inputs of the model's shape and labels in 0..9, the same every run. */
function batchFor(inputShape: number[], batchSize: number): [tf.Tensor, Int32Array] {
  const X = tf.randomNormal([batchSize, ...inputShape], 0, 1, "float32", 7);
  const labels = Int32Array.from({ length: batchSize }, (_, i) => (i * 7 + 3) % 10);
  return [X, labels];
}

/** Times one model on the running backend (child process side). */
async function timeModel(
  name: BenchModelName,
  flags: BenchFlags,
  backend: BackendName,
  threads: number,
  gpu?: WebgpuAdapterInfo,
): Promise<NnlabResult> {
  const bench = buildBenchModel(name);
  const step = trainingStep(bench);
  const batchSize = flags.batch ?? bench.batchSize;
  const [X, labels] = batchFor(bench.inputShape, batchSize);
  const enough = (done: number, minimum: number, since: number) =>
    done >= minimum && (performance.now() - since >= 1000 * flags.minSeconds || done >= 1000);
  const warmupStart = performance.now();
  for (let i = 0; !enough(i, flags.warmup, warmupStart); i++) await step(X, labels);
  // The peak of the timed steps: a step's own footprint, once the warm-up has filled the
  // buffer pool (the first steps also leave garbage for V8's collector).
  resetPeakRss();
  const tensorsBefore = tf.memory().numTensors;
  const msAll: number[] = [];
  const cpuMsAll: number[] = [];
  const timedStart = performance.now();
  for (let i = 0; !enough(i, flags.reps, timedStart); i++) {
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    await step(X, labels); // resolves once the loss is read, so the step's kernels have run
    msAll.push(performance.now() - start);
    const cpu = process.cpuUsage(cpuStart);
    cpuMsAll.push((cpu.user + cpu.system) / 1000);
  }
  const leakedTensors = tf.memory().numTensors - tensorsBefore;
  const peakRssBytes = peakRss();
  const params = parameterCount(bench.model);
  const profile = await tf.profile(async () => {
    await step(X, labels);
  });
  if (flags.profile) {
    const start = performance.now();
    const times = await profileKernels(tf.getBackend(), async () => {
      for (let i = 0; i < flags.reps; i++) await step(X, labels);
    });
    const stepMs = (performance.now() - start) / flags.reps;
    printKernelProfile(name, times, flags.reps, stepMs);
  }
  X.dispose();
  tf.disposeVariables();
  return {
    model: name,
    backend,
    threads,
    batch: batchSize,
    params,
    msPerStep: median(msAll),
    msAll,
    cpuMsPerStep: median(cpuMsAll),
    peakBytes: profile.peakBytes,
    peakRssBytes,
    leakedTensors,
    adapter: gpu ? adapterSummary(gpu) : undefined,
    softwareAdapter: gpu?.software,
  };
}

/**
 * Resets the process's peak resident set (Linux: writing 5 to /proc/self/clear_refs), so
 * that {@linkcode peakRss} measures from here. Elsewhere it does nothing.
 */
function resetPeakRss(): void {
  try {
    Deno.writeTextFileSync("/proc/self/clear_refs", "5");
  } catch {
    // Not Linux, or not allowed: peakRss then reports the peak since start.
  }
}

/** Peak resident set in bytes (VmHWM of /proc/self/status), or undefined off Linux. */
function peakRss(): number | undefined {
  try {
    const status = Deno.readTextFileSync("/proc/self/status");
    const kib = status.match(/^VmHWM:\s+(\d+) kB/m)?.[1];
    return kib === undefined ? undefined : Number(kib) * 1024;
  } catch {
    return undefined;
  }
}

/**
 * Self time (milliseconds, children excluded) and calls, by kernel name and by kernel
 * name with input shapes (keys with a space).
 */
type KernelTimes = Map<string, { calls: number; ms: number }>;

/**
 * Wraps every kernel registered for `backend` with a timer, so that `run` can be
 * profiled by kernel. A kernel may run other kernels (the wasm training kernels call
 * Conv2D, Transpose ...); each kernel is charged its self time only, so the times add
 * up to the time spent in kernels. Kernels are synchronous on wasm and cpu, so a wall
 * clock around `kernelFunc` is the kernel's time; on webgpu it is only the time to record
 * the kernel (the GPU runs it later). The stock kernels are put back after.
 */
async function profileKernels(backend: string, run: () => Promise<void>): Promise<KernelTimes> {
  const times: KernelTimes = new Map();
  const childMs: number[] = [];
  const originals = tf.getKernelsForBackend(backend);
  for (const config of originals) {
    const { kernelName, kernelFunc } = config;
    tf.unregisterKernel(kernelName, backend);
    tf.registerKernel({
      ...config,
      // The backend already ran the setup; running it again would leak its state.
      setupFunc: undefined,
      kernelFunc: (args) => {
        childMs.push(0);
        const start = performance.now();
        const out = kernelFunc(args);
        const elapsed = performance.now() - start;
        const self = elapsed - childMs.pop()!;
        if (childMs.length > 0) childMs[childMs.length - 1] += elapsed;
        const shapes = Object.values(args.inputs).map((t) => `[${t?.shape}]`).join("");
        for (const key of [kernelName, `${kernelName} ${shapes}`]) {
          const entry = times.get(key) ?? { calls: 0, ms: 0 };
          entry.calls++;
          entry.ms += self;
          times.set(key, entry);
        }
        return out;
      },
    });
  }
  try {
    await run();
  } finally {
    for (const config of originals) {
      tf.unregisterKernel(config.kernelName, backend);
      tf.registerKernel(config);
    }
  }
  return times;
}

/** Prints kernel self times per step, biggest first, to stderr. */
function printKernelProfile(
  model: string,
  times: KernelTimes,
  steps: number,
  stepMs: number,
): void {
  const byName = [...times].filter(([key]) => !key.includes(" "));
  const byShape = [...times].filter(([key]) => key.includes(" "));
  const total = byName.reduce((sum, [, { ms }]) => sum + ms, 0) / steps;
  console.error(
    `# profile model=${model}: ${fmt(stepMs)} ms per step, ${fmt(total)} ms in kernels ` +
      `(self times, mean of ${steps} steps); the rest is JavaScript (tape, tidy, op dispatch)`,
  );
  const print = (rows: typeof byName, count: number) => {
    rows.sort((a, b) => b[1].ms - a[1].ms);
    for (const [key, { calls, ms }] of rows.slice(0, count)) {
      console.error(
        `#   ${key.padEnd(60)} calls/step=${String(calls / steps).padStart(3)} ` +
          `ms/step=${fmt(ms / steps).padStart(6)} share=${(100 * ms / steps / total).toFixed(1)}%`,
      );
    }
  };
  print(byName, 12);
  console.error(`# biggest calls by input shapes:`);
  print(byShape, 10);
}

/** Child process: start one backend, time every model, print one JSON line each. */
async function runChild(flags: BenchFlags): Promise<void> {
  let info;
  try {
    const threads = THREADED.includes(flags.backends[0]) ? flags.threads[0] : undefined;
    info = await initBackend({ backend: flags.backends[0], threads });
  } catch (error) {
    console.log(
      JSON.stringify({ skipped: error instanceof Error ? error.message : String(error) }),
    );
    return;
  }
  for (const name of flags.models) {
    const result = await timeModel(name, flags, info.backend, info.threads, info.gpu);
    console.log(JSON.stringify(result));
  }
}

/** Runs the child for one backend; returns its results or why it could not run. */
async function runBackend(
  backend: BackendName,
  threads: number,
  flags: BenchFlags,
): Promise<NnlabResult[] | string> {
  const args = ["run", "-A", fileURLToPath(import.meta.url), "--child", "--backend", backend];
  args.push("--threads", String(threads));
  if (flags.batch !== undefined) args.push("--batch", String(flags.batch));
  args.push("--reps", String(flags.reps), "--warmup", String(flags.warmup));
  args.push("--min-seconds", String(flags.minSeconds));
  if (flags.profile) args.push("--profile");
  args.push(...flags.models);
  const child = new Deno.Command(Deno.execPath(), { args, stdout: "piped", stderr: "inherit" })
    .spawn();
  // Read as the child goes, so a slow model (convnext) shows progress.
  const results: NnlabResult[] = [];
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).pipeThrough(lineSplitter());
  for await (const line of lines) {
    if (!line.startsWith("{")) continue;
    const parsed = JSON.parse(line);
    if (typeof parsed.skipped === "string") return parsed.skipped;
    results.push(parsed);
    console.log(
      `# ${backend} ${parsed.threads}t ${parsed.model}: ${fmt(parsed.msPerStep)} ms per step`,
    );
  }
  const status = await child.status;
  if (!status.success && results.length === 0) return `child exited with ${status.code}`;
  return results;
}

/** Splits a text stream into lines. */
function lineSplitter(): TransformStream<string, string> {
  let rest = "";
  return new TransformStream({
    transform(chunk, controller) {
      const parts = (rest + chunk).split("\n");
      rest = parts.pop()!;
      for (const part of parts) controller.enqueue(part);
    },
    flush(controller) {
      if (rest) controller.enqueue(rest);
    },
  });
}

/** True when /usr/bin/python3 can import torch. */
async function torchAvailable(): Promise<boolean> {
  try {
    const { success } = await new Deno.Command(PYTHON, {
      args: ["-c", "import torch"],
      stdout: "null",
      stderr: "null",
    }).output();
    return success;
  } catch {
    return false;
  }
}

async function runTorch(model: BenchModelName, threads: number, flags: BenchFlags) {
  const args = [TORCH_SCRIPT, "--model", model, "--threads", String(threads)];
  args.push("--reps", String(flags.reps), "--warmup", String(flags.warmup));
  args.push("--min-seconds", String(flags.minSeconds));
  if (flags.batch !== undefined) args.push("--batch", String(flags.batch));
  const output = await new Deno.Command(PYTHON, { args, stdout: "piped", stderr: "piped" })
    .output();
  if (!output.success) {
    const message = new TextDecoder().decode(output.stderr).trim().split("\n").at(-1);
    throw new Error(`torch ${model} threads=${threads}: ${message}`);
  }
  return JSON.parse(new TextDecoder().decode(output.stdout).trim()) as TorchResult;
}

const fmt = (ms: number) => ms < 10 ? ms.toFixed(2) : ms.toFixed(1);

async function main(args: string[]): Promise<void> {
  let flags: BenchFlags;
  try {
    flags = parseFlags(args);
  } catch (error) {
    console.error(`error: ${(error as Error).message}`);
    Deno.exit(2);
  }
  if (flags.child) return runChild(flags);
  const cores = navigator.hardwareConcurrency ?? 1;
  console.log(
    `# bench: ${flags.models.join(", ")}; warmup ${flags.warmup}, median of ${flags.reps} ` +
      `(each at least ${flags.minSeconds} s); ` +
      `${cores} cores (${cpuDescription()}); load average ` +
      `${Deno.loadavg().map((l) => l.toFixed(2)).join(" ")}`,
  );

  // Model by model, nnlab's runs then torch's, so that both sides of a ratio are timed
  // minutes apart at most: on a shared machine the load drifts over a whole bench.
  const nnlab: NnlabResult[] = [];
  const torch = new Map<BenchModelName, TorchResult[]>();
  const withTorch = flags.torch && await torchAvailable();
  if (flags.torch && !withTorch) {
    console.log(`# torch: ${PYTHON} cannot import torch; nnlab numbers only`);
  }
  const skipped = new Set<BackendName>();
  for (const model of flags.models) {
    const one = { ...flags, models: [model] };
    for (const backend of flags.backends) {
      if (skipped.has(backend)) continue;
      // Only wasm and native take a thread count; the others run once.
      for (const threads of THREADED.includes(backend) ? flags.threads : [flags.threads[0]]) {
        const results = await runBackend(backend, threads, one);
        if (typeof results === "string") {
          if (flags.forced) throw new Error(`backend "${backend}" could not run: ${results}`);
          console.log(`# backend=${backend} skipped: ${results}`);
          skipped.add(backend);
          break;
        }
        nnlab.push(...results);
      }
    }
    if (withTorch) {
      const threadCounts = cores > 1 ? [1, cores] : [1];
      torch.set(model, []);
      for (const threads of threadCounts) {
        torch.get(model)!.push(await runTorch(model, threads, flags));
      }
    }
  }

  for (const result of nnlab) {
    const fields = [
      `model=${result.model}`,
      `backend=${result.backend}`,
      `threads=${result.threads}`,
      `batch=${result.batch}`,
      `params=${result.params}`,
      `ms_per_step=${fmt(result.msPerStep)}`,
    ];
    if (result.adapter) fields.push(`adapter=${JSON.stringify(result.adapter)}`);
    const torchRuns = torch.get(result.model) ?? [];
    const best = bestTorch(torchRuns);
    if (best) {
      fields.push(
        `torch_ms_per_step=${fmt(best.ms_per_step)}`,
        `ratio=${(result.msPerStep / best.ms_per_step).toFixed(2)}`,
        `torch_threads=${best.threads}`,
        ...torchRuns.map((run) => `torch_${run.threads}t_ms=${fmt(run.ms_per_step)}`),
      );
    }
    // CPU time: what a step costs when the process has the cores to itself; on a shared
    // machine wall time also counts the time other processes held them.
    const torchSame = torchRuns.find((run) => run.threads === result.threads);
    fields.push(`cpu_ms_per_step=${fmt(result.cpuMsPerStep)}`);
    if (torchSame) {
      fields.push(
        `torch_${torchSame.threads}t_cpu_ms=${fmt(torchSame.cpu_ms_per_step)}`,
        `cpu_ratio_same_threads=${(result.cpuMsPerStep / torchSame.cpu_ms_per_step).toFixed(2)}`,
      );
    }
    fields.push(
      `range_ms=${fmt(Math.min(...result.msAll))}..${fmt(Math.max(...result.msAll))}`,
      `peak_bytes=${result.peakBytes}`,
    );
    if (result.peakRssBytes !== undefined) fields.push(`peak_rss_bytes=${result.peakRssBytes}`);
    if (best) fields.push(`torch_peak_rss_bytes=${best.peak_rss_bytes}`);
    // Both sides must train the same network: a different count means different work.
    if (best && best.params !== result.params) {
      fields.push(`PARAMS_DIFFER torch_params=${best.params}`);
    }
    if (result.leakedTensors !== 0) fields.push(`leaked_tensors_per_run=${result.leakedTensors}`);
    console.log(fields.join(" "));
  }

  console.log(`# load average after: ${Deno.loadavg().map((l) => l.toFixed(2)).join(" ")}`);
  printSummary(flags.models, nnlab, torch);
}

function bestTorch(runs: TorchResult[]): TorchResult | undefined {
  return runs.reduce<TorchResult | undefined>(
    (best, run) => (best === undefined || run.ms_per_step < best.ms_per_step ? run : best),
    undefined,
  );
}

/**
 * One line per model and backend: best nnlab thread setting against best torch setting,
 * and the verdict against that backend's target; then which BLAS torch loaded.
 */
function printSummary(
  models: BenchModelName[],
  nnlab: NnlabResult[],
  torch: Map<BenchModelName, TorchResult[]>,
): void {
  if (torch.size === 0) return;
  const backends = [...new Set(nnlab.map((r) => r.backend))];
  for (const backend of backends) {
    const target = targetFor(backend);
    console.log(`# target (${backend}): best nnlab / best torch <= ${target.ratio}`);
    for (const model of models) {
      const ours = nnlab.filter((r) => r.model === model && r.backend === backend)
        .sort((a, b) => a.msPerStep - b.msPerStep)[0];
      const theirs = bestTorch(torch.get(model) ?? []);
      if (!ours || !theirs) continue;
      const ratio = ours.msPerStep / theirs.ms_per_step;
      const verdict = ours.softwareAdapter
        ? "reported (software GPU adapter: checks correctness, not speed)"
        : target.models.includes(model)
        ? (ratio <= target.ratio ? "met" : "NOT met")
        : "reported";
      console.log(
        `# ${model.padEnd(16)} ratio=${ratio.toFixed(2).padStart(6)} ` +
          `(${ours.backend} ${ours.threads}t ${fmt(ours.msPerStep)} ms vs torch ` +
          `${theirs.threads}t ${fmt(theirs.ms_per_step)} ms) ${verdict}`,
      );
    }
  }
  const blas = [...torch.values()].flat().find((run) => run.blas)?.blas;
  if (blas !== undefined) console.log(`# torch BLAS: ${blas}`);
}

/** The CPU's model name and its widest vector extension, from /proc/cpuinfo (Linux). */
function cpuDescription(): string {
  try {
    const info = Deno.readTextFileSync("/proc/cpuinfo");
    const model = info.match(/^model name\s*:\s*(.+)$/m)?.[1]?.trim() ?? "unknown CPU";
    const flags = info.match(/^flags\s*:\s*(.+)$/m)?.[1]?.split(" ") ?? [];
    const simd = flags.includes("avx512f") ? "AVX-512" : flags.includes("avx2") ? "AVX2" : "";
    return simd ? `${model}, ${simd}` : model;
  } catch {
    return Deno.build.arch;
  }
}

if (import.meta.main) await main(Deno.args);
