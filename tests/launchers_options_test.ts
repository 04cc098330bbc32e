/**
 * lib/runs/launchers/options.ts: where launcher options come from (flags > environment >
 * deno.json > defaults), how their values are checked, and the figure command.
 */
import assert from "node:assert/strict";
import { parseArgs } from "node:util";
import {
  figureCommandArgs,
  LAUNCHER_FLAGS_HELP,
  LAUNCHER_OPTION_TABLE,
  LAUNCHER_PARSE_OPTIONS,
  type LauncherSources,
  parseMemory,
  parseTimeLimit,
  resolveLauncherOptions,
  splitShellWords,
} from "../lib/runs/launchers/options.ts";

const resolve = (
  flags: LauncherSources["flags"],
  env: LauncherSources["env"] = {},
  config: LauncherSources["config"] = {},
) => resolveLauncherOptions({ flags, env, config });

Deno.test("launcher options: flags beat the environment, which beats deno.json, then defaults", () => {
  const config = { slurm: { time: "30", partition: "cpu", mem: "2G", cpusPerTask: 2 } };
  const env = { NNLAB_SLURM_TIME: "20", NNLAB_SLURM_PARTITION: "gpu" };
  const options = resolve({ launcher: "slurm", time: "10" }, env, config);
  assert.equal(options.timeLimitSeconds, 600, "the flag");
  assert.equal(options.partition, "gpu", "the environment");
  assert.equal(options.memory, "2G", "deno.json");
  assert.equal(options.cpusPerTask, 2, "deno.json, as a JSON number");
  assert.equal(options.account, undefined, "no default account");
  assert.equal(options.runsPerTask, 1);
  assert.deepEqual(options.schedulerArgs, []);
  assert.equal(options.wait, false);
  // An empty variable is unset, not an empty partition.
  assert.equal(
    resolve({ launcher: "slurm" }, { NNLAB_SLURM_PARTITION: "" }, config).partition,
    "cpu",
  );
});

Deno.test("launcher options: the launcher from --launcher, else $NNLAB_LAUNCHER, else local", () => {
  assert.equal(resolve({}).launcher, "local");
  assert.equal(resolve({}, { NNLAB_LAUNCHER: "pbs" }).launcher, "pbs");
  assert.equal(resolve({ launcher: "slurm" }, { NNLAB_LAUNCHER: "pbs" }).launcher, "slurm");
  assert.throws(
    () => resolve({ launcher: "sge" }),
    { message: '--launcher: got "sge"; expected one of "local", "slurm", "pbs"' },
  );
  assert.throws(() => resolve({}, { NNLAB_LAUNCHER: "lsf" }), /^Error: NNLAB_LAUNCHER: got "lsf"/);
});

Deno.test("launcher options: each engine reads its own section and variables", () => {
  const config = { slurm: { account: "slurm-acct" }, pbs: { account: "pbs-acct", queue: "debug" } };
  const env = { NNLAB_PBS_TIME: "1:00:00", NNLAB_SLURM_TIME: "5" };
  const pbs = resolve({ launcher: "pbs" }, env, config);
  assert.equal(pbs.account, "pbs-acct");
  assert.equal(pbs.queue, "debug");
  assert.equal(pbs.timeLimitSeconds, 3600);
  const slurm = resolve({ launcher: "slurm" }, env, config);
  assert.equal(slurm.account, "slurm-acct");
  assert.equal(slurm.queue, undefined);
  assert.equal(slurm.timeLimitSeconds, 300);
  assert.deepEqual(
    resolve({ launcher: "pbs" }, { NNLAB_PBS_ARGS: "-l filesystems=home:eagle" }).schedulerArgs,
    ["-l", "filesystems=home:eagle"],
  );
  assert.deepEqual(
    resolve({ launcher: "slurm" }, {}, { slurm: { args: ["--constraint", "a b"] } }).schedulerArgs,
    ["--constraint", "a b"],
    "deno.json takes a list of words as is",
  );
});

Deno.test("launcher options: a flag of another launcher is an error that names the right one", () => {
  assert.throws(
    () => resolve({ launcher: "pbs", partition: "gpu" }),
    { message: "--partition: applies to --launcher slurm; got --launcher pbs (pbs: --queue)" },
  );
  assert.throws(
    () => resolve({ launcher: "slurm", queue: "debug" }),
    { message: "--queue: applies to --launcher pbs; got --launcher slurm (slurm: --partition)" },
  );
  assert.throws(
    () => resolve({ launcher: "slurm", "runs-per-task": "4" }),
    { message: "--runs-per-task: applies to --launcher pbs; got --launcher slurm" },
  );
  assert.throws(
    () => resolve({ launcher: "slurm", "qsub-args": "-V" }),
    { message: "--qsub-args: applies to --launcher pbs; got --launcher slurm" },
  );
  for (const flags of [{ time: "10" }, { wait: true }, { "dry-run": true }]) {
    assert.throws(() => resolve(flags), /applies to --launcher slurm or pbs; got --launcher local/);
  }
});

Deno.test("launcher options: deno.json sections accept only their engine's keys", () => {
  assert.throws(
    () => resolve({ launcher: "slurm" }, {}, { slurm: { partion: "gpu" } }),
    {
      message: "deno.json slurm.partion: unknown key; accepted keys: partition, account, qos, " +
        "time, cpusPerTask, mem, gpus, maxConcurrent, args",
    },
  );
  assert.throws(
    () => resolve({ launcher: "slurm" }, {}, { slurm: { queue: "debug" } }),
    /deno\.json slurm\.queue: unknown key/,
  );
  assert.throws(
    () => resolve({ launcher: "pbs" }, {}, { pbs: "debug" }),
    { message: 'deno.json pbs: got "debug"; expected an object of launcher options' },
  );
  assert.throws(
    () => resolve({ launcher: "slurm" }, {}, { slurm: { gpus: 1.5 } }),
    { message: "deno.json slurm.gpus: got 1.5; expected an integer >= 1" },
  );
});

Deno.test("launcher options: time limits in every form Slurm accepts", () => {
  const cases: [string, number][] = [
    ["90", 90 * 60],
    ["90:30", 90 * 60 + 30],
    ["1:30:00", 5400],
    ["48:00:00", 48 * 3600],
    ["2-0", 2 * 86_400],
    ["1-12", 86_400 + 12 * 3600],
    ["1-2:03", 86_400 + 2 * 3600 + 3 * 60],
    ["1-2:03:04", 86_400 + 2 * 3600 + 3 * 60 + 4],
  ];
  for (const [text, seconds] of cases) assert.equal(parseTimeLimit("--time", text), seconds, text);
  for (const text of ["0", "UNLIMITED", "infinite"]) {
    assert.equal(parseTimeLimit("--time", text), Infinity, text);
  }
  for (const text of ["1h", "1:2:3:4", "1-24", "1:60", "2:00:60", "-5", "1.5", ""]) {
    assert.throws(
      () => parseTimeLimit("NNLAB_SLURM_TIME", text),
      (error: Error) =>
        error.message.startsWith(`NNLAB_SLURM_TIME: got ${JSON.stringify(text)}; expected`) &&
        error.message.includes("D-H:MM:SS"),
      text,
    );
  }
  assert.throws(
    () => resolve({ launcher: "pbs", time: "unlimited" }),
    /--time: got "unlimited"; expected a finite walltime for PBS/,
  );
});

Deno.test("launcher options: memory sizes and counts", () => {
  const sizes: [string | number, string][] = [
    ["4G", "4G"],
    ["4gb", "4G"],
    ["512MiB", "512M"],
    ["2048", "2048M"],
    [100, "100M"],
    ["1t", "1T"],
  ];
  for (const [raw, size] of sizes) assert.equal(parseMemory("--mem", raw), size, String(raw));
  for (const raw of ["4.5G", "0", "4P", "G", "-1G", "lots"]) {
    assert.throws(
      () => parseMemory("--mem", raw),
      (error: Error) =>
        error.message.startsWith(`--mem: got ${JSON.stringify(raw)}; expected a size`) &&
        error.message.includes("K, M, G or T"),
      raw,
    );
  }
  for (const flag of ["cpus-per-task", "gpus", "max-concurrent"]) {
    for (const raw of ["0", "-1", "1.5", "two"]) {
      assert.throws(
        () => resolve({ launcher: "slurm", [flag]: raw }),
        { message: `--${flag}: got ${JSON.stringify(raw)}; expected an integer >= 1` },
      );
    }
  }
  assert.equal(resolve({ launcher: "pbs", "runs-per-task": "8" }).runsPerTask, 8);
});

Deno.test("launcher options: names cannot smuggle lines or words into a job script", () => {
  for (const raw of ["gpu\n#SBATCH --account=other", "my queue", "a'b", "50%"]) {
    assert.throws(
      () => resolve({ launcher: "slurm", partition: raw }),
      (error: Error) =>
        error.message.startsWith(`--partition: got ${JSON.stringify(raw)}; expected a name`),
    );
  }
  assert.equal(
    resolve({ launcher: "pbs", queue: "prod@polaris-pbs-01" }).queue,
    "prod@polaris-pbs-01",
  );
  assert.equal(resolve({ launcher: "slurm", partition: "gpu,cpu" }).partition, "gpu,cpu");
});

Deno.test("launcher options: extra arguments split as a shell splits them", () => {
  assert.deepEqual(
    splitShellWords("--sbatch-args", `--constraint "a100|h100" --comment='two words' -x\\ y`),
    ["--constraint", "a100|h100", "--comment=two words", "-x y"],
  );
  assert.deepEqual(splitShellWords("--sbatch-args", `  ""  `), [""]);
  assert.deepEqual(splitShellWords("--sbatch-args", "   "), []);
  assert.throws(
    () => splitShellWords("--sbatch-args", `--comment "open`),
    {
      message:
        `--sbatch-args: got "--comment \\"open"; expected shell words with every quote closed (" is open)`,
    },
  );
  assert.throws(() => splitShellWords("NNLAB_SLURM_ARGS", "-x\n-y"), /shell words on one line/);
});

Deno.test("launcher options: the flags parse with node:util and every one has a help line", () => {
  const { values } = parseArgs({
    args: [
      "--launcher",
      "pbs",
      "--queue",
      "debug",
      "--runs-per-task",
      "4",
      "--wait",
      "--qsub-args=-V",
    ],
    options: LAUNCHER_PARSE_OPTIONS,
    strict: true,
  });
  const options = resolve(values);
  assert.equal(options.queue, "debug");
  assert.equal(options.runsPerTask, 4);
  assert.equal(options.wait, true);
  assert.deepEqual(options.schedulerArgs, ["-V"]);
  for (const flag of Object.keys(LAUNCHER_PARSE_OPTIONS)) {
    assert.match(LAUNCHER_FLAGS_HELP, new RegExp(`^  --${flag}\\b`, "m"), flag);
  }
  assert.equal(
    new Set(LAUNCHER_OPTION_TABLE.flatMap((spec) => Object.values(spec.flags))).size + 3,
    Object.keys(LAUNCHER_PARSE_OPTIONS).length,
    "launcher, wait and dry-run besides the table",
  );
});

Deno.test("figureCommandArgs: the study's own flags, locally, without retraining", () => {
  assert.deepEqual(
    figureCommandArgs(
      ["--quick", "--launcher=slurm", "--time", "10", "--fresh", "--wait", "--seed", "3"],
      "wasm",
    ),
    ["--quick", "--seed", "3", "--launcher", "local", "--backend", "wasm"],
  );
  assert.deepEqual(
    figureCommandArgs(["--backend=cpu", "--sbatch-args", "--exclusive", "--dry-run"], "cpu"),
    ["--launcher", "local", "--backend", "cpu"],
    "a value that looks like a flag is still the value of --sbatch-args",
  );
  assert.deepEqual(
    figureCommandArgs(["--backend", "auto", "--quick"], "wasm"),
    ["--quick", "--launcher", "local", "--backend", "wasm"],
    "auto becomes the tier the runs were keyed with",
  );
});
