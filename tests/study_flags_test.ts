/**
 * lib/study/flags.ts: the launcher flags on every study, read after the flags from the
 * environment and deno.json, and the backend from `$NNLAB_BACKEND`.
 */
import assert from "node:assert/strict";
import { FLAGS_HELP, parseStudyFlags, splitCores } from "../lib/study/flags.ts";
import { LAUNCHER_PARSE_OPTIONS } from "../lib/runs/launchers/options.ts";

const none = { env: {}, config: {} };

Deno.test("study flags: --launcher local by default, the launcher's options otherwise", () => {
  const local = parseStudyFlags(["--quick", "--jobs", "2"], none);
  assert.equal(local.launch.launcher, "local");
  assert.equal(local.jobs, 2);
  const slurm = parseStudyFlags(
    ["--quick", "--launcher", "slurm", "--wait", "--partition", "gpu", "--time", "90"],
    none,
  );
  assert.deepEqual(slurm.launch, {
    launcher: "slurm",
    partition: "gpu",
    timeLimitSeconds: 5400,
    schedulerArgs: [],
    runsPerTask: 1,
    wait: true,
    dryRun: false,
  });
  assert.equal(slurm.quick, true);
});

Deno.test("study flags: launcher settings from the environment and deno.json, flags first", () => {
  const flags = parseStudyFlags(["--time", "10"], {
    env: { NNLAB_LAUNCHER: "pbs", NNLAB_PBS_QUEUE: "debug", NNLAB_PBS_TIME: "20" },
    config: { pbs: { account: "nnlab", runsPerTask: 4, time: "30" } },
  });
  assert.equal(flags.launch.launcher, "pbs");
  assert.equal(flags.launch.timeLimitSeconds, 600, "the flag");
  assert.equal(flags.launch.queue, "debug", "the environment");
  assert.equal(flags.launch.account, "nnlab", "deno.json");
  assert.equal(flags.launch.runsPerTask, 4);
});

Deno.test("study flags: a launcher flag that does not apply is one line naming what does", () => {
  assert.throws(
    () => parseStudyFlags(["--wait"], none),
    { message: "--wait: applies to --launcher slurm or pbs; got --launcher local" },
  );
  assert.throws(
    () => parseStudyFlags(["--launcher", "slurm", "--jobs", "4"], none),
    {
      message: "--jobs: applies to --launcher local (worker processes here); got --launcher " +
        "slurm, where each run is an array task (--max-concurrent P caps how many run at once)",
    },
  );
  assert.throws(
    () => parseStudyFlags(["--jobs", "4"], { env: { NNLAB_LAUNCHER: "slurm" }, config: {} }),
    /^Error: --jobs: applies to --launcher local/,
  );
  assert.throws(
    () => parseStudyFlags(["--launcher", "lsf"], none),
    { message: '--launcher: got "lsf"; expected one of "local", "slurm", "pbs"' },
  );
  assert.throws(
    () => parseStudyFlags(["--launcher", "slurm", "--queue", "debug"], none),
    /^Error: --queue: applies to --launcher pbs; got --launcher slurm \(slurm: --partition\)$/,
  );
});

Deno.test("study flags: the backend from --backend, else $NNLAB_BACKEND, else auto", () => {
  assert.equal(parseStudyFlags([], none).backend, "auto");
  assert.equal(parseStudyFlags([], { env: { NNLAB_BACKEND: "cpu" }, config: {} }).backend, "cpu");
  assert.equal(
    parseStudyFlags(["--backend", "wasm"], { env: { NNLAB_BACKEND: "cpu" }, config: {} }).backend,
    "wasm",
  );
  assert.throws(
    () => parseStudyFlags([], { env: { NNLAB_BACKEND: "webgl" }, config: {} }),
    /^Error: NNLAB_BACKEND: got "webgl"; expected one of "auto", "tensorflow"/,
  );
});

Deno.test("study flags: --help lists every launcher flag", () => {
  for (const flag of Object.keys(LAUNCHER_PARSE_OPTIONS)) {
    assert.match(FLAGS_HELP, new RegExp(`^  --${flag}\\b`, "m"), flag);
  }
  assert.match(FLAGS_HELP, /^ {2}-h, --help/m);
  // --out's default names both pages, the one --quick writes too.
  assert.match(
    FLAGS_HELP,
    /default plots\/<name>\.html, with\s+--quick plots\/<name>\.quick\.html/,
  );
});

Deno.test("jobs x threads stays within the cores; flags asking for more are said to", () => {
  assert.equal(parseStudyFlags([], none).jobs, undefined, "no --jobs: decided by the split");
  // Neither flag: a job per core up to the study's runs, the cores shared among them.
  assert.deepEqual(splitCores({}, 8, 40), { jobs: 8, threads: 1 });
  assert.deepEqual(splitCores({}, 8, 3), { jobs: 3, threads: 2 });
  assert.deepEqual(splitCores({}, 2, 1), { jobs: 1, threads: 2 }, "one run: every core");
  assert.deepEqual(splitCores({}, 1, 40), { jobs: 1, threads: 1 });
  // One flag: the other fills the cores.
  assert.deepEqual(splitCores({ threads: 2 }, 2, 40), { jobs: 1, threads: 2 });
  assert.deepEqual(splitCores({ threads: 3 }, 8, 40), { jobs: 2, threads: 3 });
  assert.deepEqual(splitCores({ jobs: 3 }, 8, 40), { jobs: 3, threads: 2 });
  assert.deepEqual(splitCores({ jobs: 1 }, 8, 40), { jobs: 1, threads: 8 });
  for (const cores of [1, 2, 3, 8, 64]) {
    for (const runs of [1, 2, 5, 100]) {
      for (const flags of [{}, { jobs: 1 }, { jobs: Math.min(2, cores) }, { threads: 1 }]) {
        const { jobs, threads, oversubscribed } = splitCores(flags, cores, runs);
        const where = `${JSON.stringify(flags)}, ${runs} runs on ${cores} cores`;
        assert.ok(jobs * threads <= cores && oversubscribed === undefined, where);
      }
    }
  }
  // More threads than cores, by one flag or both: as asked, with the reason it will be slow.
  assert.equal(
    splitCores({ jobs: 2, threads: 2 }, 2, 40).oversubscribed,
    "4 threads on 2 cores: 2 jobs x 2 threads oversubscribe them (runs slow each other down)",
  );
  assert.equal(
    splitCores({ jobs: 3 }, 2, 40).oversubscribed,
    "3 threads on 2 cores: 3 jobs x 1 thread oversubscribe them (runs slow each other down)",
  );
  assert.equal(
    splitCores({ threads: 4 }, 2, 40).oversubscribed?.split(":")[0],
    "4 threads on 2 cores",
  );
});
