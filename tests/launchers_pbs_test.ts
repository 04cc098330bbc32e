/**
 * lib/runs/launchers/pbs.ts and packing.ts. PBS is not packaged for Debian, so this tests
 * the generated scripts (directives; what they run under bash with PBS's variables) and
 * the packing of K runs per task; submission to a live PBS server is untested.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { CommandRunner } from "../lib/runs/launchers/driver.ts";
import { packedEntries, taskCount, taskOfEntry } from "../lib/runs/launchers/packing.ts";
import {
  parseQstatTable,
  parseQsubOutput,
  pbsArrayScript,
  pbsFigureScript,
  pbsSelect,
  submitPbs,
} from "../lib/runs/launchers/pbs.ts";
import { REPO_ROOT } from "../lib/files.ts";
import { plainOptions, quickRun, scratch, stubDeno, writeLaunch } from "./launchers_helpers.ts";

/** The `#PBS` lines of a script, in order. */
function directives(script: string): string[] {
  return script.split("\n").filter((line) => line.startsWith("#PBS "))
    .map((line) => line.slice("#PBS ".length));
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

async function launch(prefix: string, runs: number, runsPerTask: number) {
  const where = await scratch(prefix);
  const specs = Array.from({ length: runs }, (_, i) => quickRun(`run ${i}`, { learningRate: i }));
  return { where, ...(await writeLaunch(specs, where, { scheduler: "pbs", runsPerTask })) };
}

Deno.test("packing: every run in exactly one task, in order, K at most per task", () => {
  for (let runs = 1; runs <= 13; runs++) {
    for (let perTask = 1; perTask <= 6; perTask++) {
      const tasks = taskCount(runs, perTask);
      const all = Array.from({ length: tasks }, (_, task) => packedEntries(task, perTask, runs));
      assert.deepEqual(all.flat(), Array.from({ length: runs }, (_, i) => i), `${runs}/${perTask}`);
      all.forEach((entries, task) => {
        const expected = task < tasks - 1 ? perTask : runs - perTask * (tasks - 1);
        assert.equal(entries.length, expected, `task ${task} of ${runs}/${perTask}`);
        for (const entry of entries) assert.equal(taskOfEntry(entry, perTask), task);
      });
    }
  }
  assert.deepEqual(packedEntries(2, 4, 10), [8, 9]);
  assert.throws(
    () => packedEntries(3, 4, 10),
    { message: "array task index: got 3; expected an integer in [0, 2]" },
  );
  assert.throws(() => taskCount(0, 4), { message: "runs: got 0; expected an integer >= 1" });
  assert.throws(() => taskCount(3, 0), {
    message: "runs per task: got 0; expected an integer >= 1",
  });
});

Deno.test("pbs array script: -J over the packed tasks, one log per subjob, the chunk and walltime", async () => {
  const { dir, manifestPath, manifest } = await launch("pbs-script", 10, 4);
  const options = plainOptions("pbs", {
    queue: "prod",
    account: "MyProject",
    timeLimitSeconds: 5400,
    cpusPerTask: 32,
    memory: "64G",
    gpus: 4,
    maxConcurrent: 2,
    runsPerTask: 4,
    schedulerArgs: ["-l", "filesystems=home:eagle", "-l", "place=scatter", "-k", "doe"],
  });
  const script = pbsArrayScript(manifest, manifestPath, options);
  assert.ok(script.startsWith("#!/bin/bash\n"));
  assert.deepEqual(directives(script), [
    "-N nnlab-launcher-test",
    "-J 0-2%2",
    "-j oe",
    `-o ${join(dir, "task-^array_index^.out")}`,
    "-V",
    "-l select=1:ncpus=32:mem=64gb:ngpus=4",
    "-l walltime=1:30:00",
    "-A MyProject",
    "-q prod",
    "-l filesystems=home:eagle",
    "-l place=scatter",
    "-k doe",
  ]);
  assert.equal((await bash(["-n", "-c", script])).code, 0, "bash parses the script");
});

Deno.test("pbs array script: subjob j runs task j; a lone task is a plain job reading index 0", async () => {
  const { where, manifestPath, manifest } = await launch("pbs-run", 5, 2);
  const stub = await stubDeno(where.dir);
  const path = join(where.dir, "job.pbs");
  await Deno.writeTextFile(
    path,
    pbsArrayScript({ ...manifest, deno: stub.path }, manifestPath, plainOptions("pbs")),
  );
  assert.ok(directives(await Deno.readTextFile(path)).includes("-J 0-2"));
  const expected = (task: string) => [
    `cwd=${REPO_ROOT}`,
    "runs=",
    "run",
    "-A",
    "--config",
    join(REPO_ROOT, "deno.json"),
    join(REPO_ROOT, "lib", "runs", "launchers", "array_task.ts"),
    manifestPath,
    task,
  ];
  const result = await bash([path], { PBS_ARRAY_INDEX: "2" });
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual((await Deno.readTextFile(stub.calls)).trim().split("\n"), expected("2"));

  const lone = await launch("pbs-lone", 3, 4);
  const script = pbsArrayScript(lone.manifest, lone.manifestPath, plainOptions("pbs"));
  const found = directives(script);
  assert.ok(!found.some((line) => line.startsWith("-J")), "one task: no array");
  assert.ok(found.includes(`-o ${join(lone.dir, "task-0.out")}`));
  assert.ok(!found.some((line) => line.startsWith("-l select")), "no resources asked: none set");
  const lonePath = join(where.dir, "lone.pbs");
  await Deno.writeTextFile(
    lonePath,
    pbsArrayScript(
      { ...lone.manifest, deno: stub.path },
      lone.manifestPath,
      plainOptions("pbs"),
    ),
  );
  assert.equal((await bash([lonePath])).code, 0);
  assert.equal((await Deno.readTextFile(stub.calls)).trim().split("\n").at(-1), "0");
});

Deno.test("pbs figure script: afterok on the array, the study command, no array or chunk", async () => {
  const { dir, manifest } = await launch("pbs-figure", 4, 2);
  const options = plainOptions("pbs", { queue: "debug", cpusPerTask: 32, gpus: 4, memory: "8G" });
  const script = pbsFigureScript(manifest, dir, options, "4321[].pbs01", [
    "experiments/adam.ts",
    "--quick",
  ]);
  const found = directives(script);
  assert.ok(found.includes("-W depend=afterok:4321[].pbs01"));
  assert.ok(found.includes(`-o ${join(dir, "figure.out")}`));
  assert.ok(found.includes("-q debug"));
  assert.ok(found.includes("-l select=1:mem=8gb"), "memory only: drawing on cpu needs no GPU");
  const native = pbsFigureScript(
    { ...manifest, backend: { name: "tensorflow" } },
    dir,
    options,
    "4321[].pbs01",
    ["experiments/adam.ts"],
  );
  assert.ok(directives(native).includes("-l select=1:mem=8gb:ngpus=4"), "tensorflow: the GPUs");
  assert.ok(!found.some((line) => line.startsWith("-J")));
  assert.match(
    script,
    /exec "\$deno" run -A --config "\$repo\/deno.json" experiments\/adam.ts --quick\n/,
  );
  assert.equal((await bash(["-n", "-c", script])).code, 0);
});

Deno.test("pbsSelect: only what was asked for, PBS units", () => {
  assert.equal(pbsSelect({}), undefined);
  assert.equal(pbsSelect({ cpusPerTask: 8 }), "1:ncpus=8");
  assert.equal(pbsSelect({ memory: "512M", gpus: 1 }), "1:mem=512mb:ngpus=1");
});

Deno.test("qsub: the job id of an array or a job; a refusal is one line with the reason", async () => {
  assert.equal(
    parseQsubOutput("4321[].polaris-pbs-01.hsn.cm.polaris.alcf.anl.gov\n"),
    "4321[].polaris-pbs-01.hsn.cm.polaris.alcf.anl.gov",
  );
  assert.equal(parseQsubOutput("88.pbs01\n"), "88.pbs01");
  assert.throws(
    () => parseQsubOutput("qsub: would exceed queue's max_queued\n"),
    /qsub: printed "qsub: would exceed queue's max_queued"; expected a job id/,
  );
  const refusing: CommandRunner = () =>
    Promise.resolve({ code: 2, stdout: "", stderr: "qsub: illegal -J value\n" });
  await assert.rejects(
    () => submitPbs("/launch/job.pbs", refusing),
    { message: "qsub refused /launch/job.pbs: illegal -J value" },
  );
});

Deno.test("qstat: subjob states from the -t table; the array's own line is no task", () => {
  const table = [
    "Job id            Name             User              Time Use S Queue",
    "----------------  ---------------- ----------------  -------- - -----",
    "4321[].pbs01      nnlab-adam       me                       0 B workq",
    "4321[0].pbs01     nnlab-adam       me                00:01:02 X workq",
    "4321[1].pbs01     nnlab-adam       me                00:00:31 R workq",
    "4321[2].pbs01     nnlab-adam       me                       0 Q workq",
  ].join("\n");
  const tasks = parseQstatTable(table);
  assert.deepEqual([...tasks.keys()], [0, 1, 2]);
  assert.deepEqual(tasks.get(0), { state: "X", active: false });
  assert.deepEqual(tasks.get(1), { state: "R", active: true });
  assert.deepEqual(tasks.get(2), { state: "Q", active: true });
  assert.deepEqual(
    [...parseQstatTable("88.pbs01  nnlab-adam  me  00:00:01 R workq").entries()],
    [[0, { state: "R", active: true }]],
  );
});
