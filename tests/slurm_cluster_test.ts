/**
 * The private Slurm cluster of tests/slurm_cluster.ts: it starts without systemd, runs a
 * throttled job array to the end, and leaves no daemon behind.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { waitFor } from "./runs_fixture.ts";
import { processRunning, slurmSkip, withSlurmCluster } from "./slurm_cluster.ts";

Deno.test("slurm test cluster: sbatch --array=0-3%2 runs four tasks, then every daemon stops", {
  ignore: slurmSkip !== undefined,
}, async () => {
  let daemons: number[] = [];
  let dir = "";
  await withSlurmCluster(async (cluster) => {
    console.log(`slurm test cluster idle after ${Math.round(cluster.startupMs)} ms`);
    dir = cluster.dir;
    daemons = ["munged", "slurmctld", "slurmd"].map((name) =>
      Number(Deno.readTextFileSync(join(cluster.dir, `${name}.pid`)).trim())
    );
    const script = join(cluster.dir, "array.sh");
    await Deno.writeTextFile(
      script,
      [
        "#!/bin/bash",
        `#SBATCH --output=${join(cluster.dir, "out-%a.txt")}`,
        'echo "task $SLURM_ARRAY_TASK_ID of job $SLURM_ARRAY_JOB_ID"',
        "",
      ].join("\n"),
    );
    const output = await new Deno.Command("sbatch", {
      args: ["--array=0-3%2", "--parsable", script],
      env: cluster.env,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
    const jobId = new TextDecoder().decode(output.stdout).trim();
    assert.match(jobId, /^\d+$/, "sbatch printed the job id");
    // Polled here rather than with sbatch --wait, whose own polling takes seconds per look.
    await waitFor(async () => {
      const queue = await new Deno.Command("squeue", {
        args: ["-h", "-j", jobId],
        env: cluster.env,
        stdout: "piped",
      }).output();
      return new TextDecoder().decode(queue.stdout).trim() === "";
    }, "the array to end");
    for (let task = 0; task < 4; task++) {
      const text = await Deno.readTextFile(join(cluster.dir, `out-${task}.txt`));
      assert.equal(text, `task ${task} of job ${jobId}\n`);
    }
  });
  assert.equal(daemons.length, 3);
  for (const pid of daemons) {
    // Gone, or a zombie that init has not reaped yet: nothing of it runs.
    assert.ok(!processRunning(pid), `pid ${pid} is stopped`);
  }
  assert.ok(!(await Deno.stat(dir).then(() => true, () => false)), "the cluster folder is removed");
});
