/**
 * lib/runs/launchers/slurm.ts without a cluster: the directives of the job scripts, what
 * the scripts run (under bash, with a stand-in for Deno), and the parsing of sbatch's and
 * scontrol's output.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { CommandRunner } from "../lib/runs/launchers/driver.ts";
import { TASK_EXIT } from "../lib/runs/launchers/exit_codes.ts";
import {
  parseSbatchOutput,
  parseScontrolJobs,
  slurmArrayScript,
  slurmFigureScript,
  slurmProbe,
  slurmTime,
  submitSlurm,
} from "../lib/runs/launchers/slurm.ts";
import { REPO_ROOT } from "../lib/files.ts";
import { plainOptions, quickRun, scratch, stubDeno, writeLaunch } from "./launchers_helpers.ts";

/** The `#SBATCH` lines of a script as [option, value] pairs, in order. */
function directives(script: string): [string, string][] {
  return script.split("\n").filter((line) => line.startsWith("#SBATCH "))
    .map((line) => {
      const text = line.slice("#SBATCH ".length);
      const at = text.search(/[= ]/);
      return at < 0 ? [text, ""] : [text.slice(0, at), text.slice(at + 1)];
    });
}

/** Runs bash outside the repository, as a scheduler starts a job in the home folder. */
async function bash(args: string[], env: Record<string, string> = {}) {
  const output = await new Deno.Command("bash", {
    args,
    env,
    cwd: "/",
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: output.code, stderr: new TextDecoder().decode(output.stderr) };
}

async function threeRuns(prefix: string) {
  const where = await scratch(prefix);
  const specs = [1, 2, 3].map((rate) => quickRun(`lr ${rate}`, { learningRate: rate }));
  return { where, ...(await writeLaunch(specs, where)) };
}

Deno.test("slurm array script: one task per run, its log, its resources, the early warning", async () => {
  const { dir, manifestPath, manifest } = await threeRuns("slurm-script");
  const options = plainOptions("slurm", {
    partition: "gpu",
    account: "lab",
    qos: "high",
    timeLimitSeconds: 3600,
    cpusPerTask: 4,
    memory: "8G",
    gpus: 1,
    maxConcurrent: 2,
    schedulerArgs: ["--constraint", "a100|h100", "--exclusive", "--comment=two words"],
  });
  const script = slurmArrayScript(manifest, manifestPath, options);
  assert.ok(script.startsWith("#!/bin/bash\n"));
  assert.deepEqual(directives(script), [
    ["--job-name", "nnlab-launcher-test"],
    ["--array", "0-2%2"],
    ["--output", join(dir, "task-%a.out")],
    ["--chdir", REPO_ROOT],
    ["--partition", "gpu"],
    ["--account", "lab"],
    ["--qos", "high"],
    ["--time", "1:00:00"],
    ["--mem", "8G"],
    ["--cpus-per-task", "4"],
    ["--gpus", "1"],
    ["--signal", "B:USR1@120"],
    ["--constraint", "a100|h100"],
    ["--exclusive", ""],
    ["--comment", '"two words"'],
  ]);
  const firstCommand = script.split("\n").findIndex((line) => !line.startsWith("#"));
  assert.ok(
    script.split("\n").slice(firstCommand).every((line) => !line.startsWith("#SBATCH")),
    "sbatch reads directives only before the first command",
  );
  assert.equal((await bash(["-n", "-c", script])).code, 0, "bash parses the script");
});

Deno.test("slurm array script: no early warning without a long enough limit; no cap unless asked", async () => {
  const { manifestPath, manifest } = await threeRuns("slurm-plain");
  for (const timeLimitSeconds of [undefined, 300, Infinity]) {
    const script = slurmArrayScript(
      manifest,
      manifestPath,
      plainOptions("slurm", { timeLimitSeconds }),
    );
    const options = Object.fromEntries(directives(script));
    assert.equal(options["--array"], "0-2");
    assert.equal(options["--signal"], undefined, `time limit ${timeLimitSeconds}`);
    assert.equal(options["--partition"], undefined);
  }
  const unlimited = slurmArrayScript(
    manifest,
    manifestPath,
    plainOptions("slurm", { timeLimitSeconds: Infinity }),
  );
  assert.equal(Object.fromEntries(directives(unlimited))["--time"], "UNLIMITED");
});

Deno.test("slurm array script: task i runs the array task on entry i from the repository", async () => {
  const { where, manifestPath, manifest } = await threeRuns("slurm-run");
  const stub = await stubDeno(where.dir);
  const script = join(where.dir, "job.sh");
  await Deno.writeTextFile(
    script,
    slurmArrayScript({ ...manifest, deno: stub.path }, manifestPath, plainOptions("slurm")),
  );
  const result = await bash([script], { SLURM_ARRAY_TASK_ID: "2" });
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual((await Deno.readTextFile(stub.calls)).trim().split("\n"), [
    `cwd=${REPO_ROOT}`,
    "runs=",
    "run",
    "-A",
    "--config",
    join(REPO_ROOT, "deno.json"),
    join(REPO_ROOT, "lib", "runs", "launchers", "array_task.ts"),
    manifestPath,
    "2",
  ]);
  const notArray = await bash([script], {});
  assert.notEqual(notArray.code, 0, "outside an array job there is no task index");
  assert.match(notArray.stderr, /not a Slurm array task/);
});

Deno.test("slurm array script: a node without the shared repository or Deno fails with 66", async () => {
  const { where, manifestPath, manifest } = await threeRuns("slurm-unshared");
  const script = join(where.dir, "job.sh");
  const elsewhere = { ...manifest, deno: join(where.dir, "no-such-deno") };
  await Deno.writeTextFile(
    script,
    slurmArrayScript(elsewhere, manifestPath, plainOptions("slurm")),
  );
  const result = await bash([script], { SLURM_ARRAY_TASK_ID: "0" });
  assert.equal(result.code, TASK_EXIT.noManifest);
  assert.match(
    result.stderr,
    /^nnlab task 0 on .*: cannot see the repository .* or Deno at .*no-such-deno \(a shared filesystem is assumed\)\n$/,
  );
});

Deno.test("slurm array script: a launch folder with % or a space still names each task's log", async () => {
  const where = await scratch("slurm-odd-path");
  const odd = { runsDir: where.runsDir, launchesDir: join(where.dir, "50% of my runs") };
  const { dir, manifestPath, manifest } = await writeLaunch(
    [quickRun("a", { learningRate: 1 })],
    odd,
  );
  const output = Object.fromEntries(
    directives(slurmArrayScript(manifest, manifestPath, plainOptions("slurm"))),
  )["--output"];
  assert.equal(output, `"${join(dir.replace("%", "%%"), "task-%a.out")}"`);
  assert.throws(
    () =>
      slurmArrayScript(
        manifest,
        join(where.dir, 'say "hi"', "manifest.json"),
        plainOptions("slurm"),
      ),
    /expected a value without quotes or line breaks/,
  );
});

Deno.test("slurm figure script: after every task succeeded, the study command from the repository", async () => {
  const { where, dir, manifest } = await threeRuns("slurm-figure");
  const stub = await stubDeno(where.dir);
  const command = ["experiments/weight_scale.ts", "--quick", "--out", "it's here.html"];
  const options = plainOptions("slurm", {
    partition: "gpu",
    gpus: 2,
    cpusPerTask: 8,
    timeLimitSeconds: 7200,
  });
  const script = slurmFigureScript({ ...manifest, deno: stub.path }, dir, options, "4242", command);
  const found = Object.fromEntries(directives(script));
  assert.equal(found["--dependency"], "afterok:4242");
  assert.equal(found["--kill-on-invalid-dep"], "yes");
  assert.equal(found["--output"], join(dir, "figure.out"));
  assert.equal(found["--partition"], "gpu");
  assert.equal(found["--gpus"], undefined, "drawing on cpu needs no GPU");
  const onWebgpu = slurmFigureScript(
    { ...manifest, backend: { name: "webgpu" } },
    dir,
    options,
    "4242",
    command,
  );
  assert.equal(
    Object.fromEntries(directives(onWebgpu))["--gpus"],
    "2",
    "drawing starts webgpu by name: the figure job runs where the tasks' GPUs are",
  );
  assert.equal(found["--signal"], undefined);
  assert.equal(found["--array"], undefined);
  const path = join(where.dir, "figure.sh");
  await Deno.writeTextFile(path, script);
  const result = await bash([path]);
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual((await Deno.readTextFile(stub.calls)).trim().split("\n"), [
    `cwd=${REPO_ROOT}`,
    `runs=${where.runsDir}`,
    "run",
    "-A",
    "--config",
    join(REPO_ROOT, "deno.json"),
    ...command,
  ]);
});

Deno.test("slurmTime: sbatch's forms, days from 24 hours on", () => {
  assert.equal(slurmTime(59), "0:00:59");
  assert.equal(slurmTime(5400), "1:30:00");
  assert.equal(slurmTime(86_399), "23:59:59");
  assert.equal(slurmTime(93_784), "1-02:03:04");
  assert.equal(slurmTime(Infinity), "UNLIMITED");
});

Deno.test("sbatch: the job id from --parsable output; a refusal is one line with the reason", async () => {
  assert.equal(parseSbatchOutput("1234\n"), "1234");
  assert.equal(parseSbatchOutput("1234;tiger\n"), "1234");
  assert.throws(
    () => parseSbatchOutput("Submitted batch job 12\n"),
    { message: 'sbatch: printed "Submitted batch job 12"; expected a job id ("<id>[;cluster]")' },
  );
  const refusing: CommandRunner = () =>
    Promise.resolve({
      code: 1,
      stdout: "",
      stderr: "sbatch: error: invalid partition specified: gpu\n" +
        "sbatch: error: Batch job submission failed: Invalid partition name specified\n",
    });
  await assert.rejects(
    () => submitSlurm("/launch/job.sh", refusing),
    {
      message: "sbatch refused /launch/job.sh: invalid partition specified: gpu; " +
        "Batch job submission failed: Invalid partition name specified",
    },
  );
  const calls: string[][] = [];
  const accepting: CommandRunner = (command, args) => {
    calls.push([command, ...args]);
    return Promise.resolve({ code: 0, stdout: "77\n", stderr: "" });
  };
  assert.equal(await submitSlurm("/launch/job.sh", accepting), "77");
  assert.deepEqual(calls, [["sbatch", "--parsable", "/launch/job.sh"]]);
});

// As `scontrol show job -o 5` printed them on Slurm 22.05 (fields trimmed).
const SCONTROL = [
  "JobId=5 ArrayJobId=5 ArrayTaskId=3-4%2 ArrayTaskThrottle=2 JobName=nnlab-x JobState=PENDING " +
  "Reason=JobArrayTaskLimit Dependency=(null) ExitCode=0:0 StdOut=/tmp/with space/t-4294967294.out",
  "JobId=8 ArrayJobId=5 ArrayTaskId=2 JobState=RUNNING Reason=None ExitCode=0:0",
  "JobId=7 ArrayJobId=5 ArrayTaskId=1 JobState=CANCELLED Reason=JobArrayTaskLimit ExitCode=143:0",
  "JobId=6 ArrayJobId=5 ArrayTaskId=0 JobState=COMPLETED Reason=None ExitCode=0:0",
  "JobId=9 ArrayJobId=5 ArrayTaskId=5 JobState=FAILED Reason=NonZeroExitCode ExitCode=66:0",
  "JobId=10 ArrayJobId=5 ArrayTaskId=6 JobState=TIMEOUT Reason=TimeLimit ExitCode=0:15",
].join("\n");

Deno.test("scontrol: every array task's state, pending ranges expanded", () => {
  const tasks = parseScontrolJobs(SCONTROL);
  assert.deepEqual([...tasks.keys()].sort(), [0, 1, 2, 3, 4, 5, 6]);
  assert.deepEqual(tasks.get(3), {
    state: "PENDING",
    active: true,
    reason: "JobArrayTaskLimit",
    exitCode: 0,
  });
  assert.equal(tasks.get(4)?.state, "PENDING");
  assert.equal(tasks.get(2)?.active, true);
  assert.deepEqual(tasks.get(1), {
    state: "CANCELLED",
    active: false,
    reason: "JobArrayTaskLimit",
    exitCode: 143,
  });
  assert.deepEqual(tasks.get(5), {
    state: "FAILED",
    active: false,
    reason: "NonZeroExitCode",
    exitCode: 66,
  });
  assert.deepEqual(tasks.get(6), {
    state: "TIMEOUT",
    active: false,
    reason: "TimeLimit",
    exitCode: 0,
    signal: 15,
  });
  assert.deepEqual(
    parseScontrolJobs("JobId=11 ArrayJobId=11 ArrayTaskId=0-6:3,9 JobState=PENDING").size,
    4,
  );
});

Deno.test("scontrol: a job Slurm forgot is unknown; any other failure is an error", async () => {
  const forgot: CommandRunner = () =>
    Promise.resolve({
      code: 1,
      stdout: "",
      stderr: "slurm_load_jobs error: Invalid job id specified\n",
    });
  assert.deepEqual(await slurmProbe("5", forgot)(), { known: false, tasks: new Map() });
  const down: CommandRunner = () =>
    Promise.resolve({
      code: 1,
      stdout: "",
      stderr: "slurm_load_jobs error: Unable to contact slurm controller (connect failure)\n",
    });
  await assert.rejects(
    () => slurmProbe("5", down)(),
    {
      message:
        "scontrol show job 5: slurm_load_jobs error: Unable to contact slurm controller (connect failure)",
    },
  );
  const listed: CommandRunner = (command, args) => {
    assert.deepEqual([command, ...args], ["scontrol", "show", "job", "-o", "5"]);
    return Promise.resolve({ code: 0, stdout: SCONTROL, stderr: "" });
  };
  assert.equal((await slurmProbe("5", listed)()).tasks.size, 7);
});
