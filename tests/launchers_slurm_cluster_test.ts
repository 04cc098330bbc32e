/**
 * The Slurm launcher against a real single-node cluster (tests/slurm_cluster.ts): array
 * tasks train into a temporary run store, `--wait` reports them, a task cancelled mid-run
 * is named with its log file, and the next launch holds only that run; without `--wait`
 * the afterok job draws the figure once every task succeeded, and is cancelled by Slurm
 * when one failed; the pre-timeout signal reaches a task through the batch shell.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { commandRunner } from "../lib/runs/launchers/driver.ts";
import { cacheMisses, launchRuns } from "../lib/runs/launchers/launch.ts";
import { RunStore } from "../lib/runs/store.ts";
import { CPU, plainOptions, quickRun, scratch, waitForFile } from "./launchers_helpers.ts";
import type { RunSpec } from "../lib/runs/record.ts";
import { REPO_ROOT } from "../lib/files.ts";
import { waitFor } from "./runs_fixture.ts";
import { slurmSkip, withSlurmCluster } from "./slurm_cluster.ts";

Deno.test(
  "slurm launcher on a live cluster: tasks train, a cancelled or warned task is reported, the figure job follows",
  { ignore: slurmSkip !== undefined },
  async (t) => {
    await withSlurmCluster(async (cluster) => {
      const where = await scratch("slurm-cluster");
      const store = new RunStore(where.runsDir);
      const misses = async (specs: RunSpec[], fresh = false) =>
        cacheMisses(specs, store, await CPU, fresh);
      const run = commandRunner(cluster.env);
      const request = {
        study: "slurm-test",
        backend: { name: "cpu" as const },
        runsDir: where.runsDir,
        launchesDir: where.launchesDir,
        run,
        pollMs: 200,
      };

      await t.step("two array tasks train two runs into the store", async () => {
        const specs = [1, 2].map((rate) => quickRun(`lr ${rate}`, { learningRate: rate }));
        const lines: string[] = [];
        const outcome = await launchRuns({
          ...request,
          runs: await misses(specs),
          options: plainOptions("slurm", { wait: true, maxConcurrent: 2 }),
          log: (line) => lines.push(line),
        });
        assert.equal(outcome.complete, true, lines.join("\n"));
        for (const [i, rate] of [1, 2].entries()) {
          const [miss] = await misses([specs[i]], true);
          const found = await store.get(miss.key);
          assert.ok(found.hit, `"lr ${rate}" is in the store`);
          assert.equal(found.record.metrics.finalLoss, 2 * rate);
          assert.equal(found.record.environment.backend, "cpu", "the manifest's backend");
          const log = await Deno.readTextFile(join(outcome.launchDir!, `task-${i}.out`));
          assert.match(
            log,
            new RegExp(`nnlab task ${i} on .*: slurm-test entry ${i} "lr ${rate}"`),
          );
        }
        assert.equal(
          lines.filter((line) => /^\[[12]\/2\] "lr [12]": finished/.test(line)).length,
          2,
        );
        assert.ok(
          lines.includes(`slurm job ${outcome.jobId}: 2 of 2 run(s) stored`),
          lines.join("\n"),
        );
        assert.deepEqual(await misses(specs), [], "the next launch has nothing to do");
      });

      await t.step(
        "a task cancelled mid-run is named with its log; only its run is left",
        async () => {
          const started = join(where.dir, "held-started");
          const specs = [
            quickRun("quick", { learningRate: 3 }),
            quickRun("held", { startedFile: started, holdUntilFile: join(where.dir, "never") }),
          ];
          const lines: string[] = [];
          const waiting = launchRuns({
            ...request,
            runs: await misses(specs),
            options: plainOptions("slurm", { wait: true }),
            log: (line) => lines.push(line),
          });
          await waitForFile(started, "the held task", waiting);
          const jobId = lines.join("\n").match(/submitted job (\d+)/)?.[1];
          assert.ok(jobId, lines.join("\n"));
          const cancel = await run("scancel", [`${jobId}_1`]);
          assert.equal(cancel.code, 0, cancel.stderr);
          const outcome = await waiting;

          assert.equal(outcome.complete, false);
          const log = join(outcome.launchDir!, "task-1.out");
          assert.deepEqual(outcome.report!.stored.map((status) => status.name), ["quick"]);
          assert.equal(outcome.report!.failed.length, 1);
          const [failed] = outcome.report!.failed;
          assert.equal(failed.name, "held");
          assert.equal(failed.task, 1);
          assert.equal(failed.log, log);
          assert.match(failed.why, /^interrupted: stopped by SIGTERM\b/);
          assert.ok(
            lines.some((line) =>
              line.startsWith('  task 1 "held": interrupted') && line.endsWith("task-1.out")
            ),
            lines.join("\n"),
          );
          assert.match(await Deno.readTextFile(log), /SIGTERM: stopped "held" before it ended/);
          const left = await misses(specs);
          assert.deepEqual(left.map((miss) => miss.spec.name), ["held"], "a rerun submits only it");
        },
      );

      await t.step("without --wait, the afterok job draws once every task succeeded", async () => {
        const marker = join(where.dir, "figure-drawn.json");
        const notDrawn = join(where.dir, "never-drawn.json");
        const specs = [4, 5].map((rate) => quickRun(`lr ${rate}`, { learningRate: rate }));
        const outcome = await launchRuns({
          ...request,
          runs: await misses(specs),
          options: plainOptions("slurm"),
          figureCommand: ["tests/fixtures/figure_marker.ts", marker, "--quick"],
          log: () => {},
        });
        assert.equal(outcome.complete, false, "returned at once");
        // Meanwhile a launch whose task fails: its figure job can never run; Slurm removes it.
        const failing = await launchRuns({
          ...request,
          runs: await misses([quickRun("broken", { fail: true })]),
          options: plainOptions("slurm"),
          figureCommand: ["tests/fixtures/figure_marker.ts", notDrawn],
          log: () => {},
        });

        await waitFor(
          () => Deno.stat(marker).then(() => true, () => false),
          "the figure job",
          60_000,
        );
        assert.deepEqual(JSON.parse(await Deno.readTextFile(marker)), {
          cwd: REPO_ROOT,
          runsDir: where.runsDir,
          args: ["--quick"],
        });
        assert.deepEqual(await misses(specs), [], "it ran after both runs were stored");
        await waitFor(
          async () => {
            const job = await run("scontrol", ["show", "job", "-o", failing.figureJobId!]);
            const state = job.stdout.match(/JobState=(\S+)/)?.[1];
            return state === "CANCELLED" || job.code !== 0; // cancelled, or cancelled and forgotten
          },
          "the figure job after a failed task to be cancelled",
          60_000,
        );
        assert.equal(await Deno.stat(notDrawn).then(() => true, () => false), false);
      });

      await t.step("the pre-timeout signal to the batch shell reaches the task", async () => {
        // What `--signal=B:USR1@120` does before the time limit, sent now: `scancel --batch`.
        const started = join(where.dir, "warned-started");
        const spec = quickRun("warned", {
          startedFile: started,
          holdUntilFile: join(where.dir, "never"),
        });
        const lines: string[] = [];
        const waiting = launchRuns({
          ...request,
          runs: await misses([spec]),
          options: plainOptions("slurm", { wait: true }),
          log: (line) => lines.push(line),
        });
        await waitForFile(started, "the warned task", waiting);
        const jobId = lines.join("\n").match(/submitted job (\d+)/)?.[1];
        const signal = await run("scancel", ["--batch", "--signal=USR1", `${jobId}_0`]);
        assert.equal(signal.code, 0, signal.stderr);
        const outcome = await waiting;
        assert.equal(outcome.report!.failed.length, 1);
        assert.match(outcome.report!.failed[0].why, /^interrupted: stopped by SIGUSR1\b/);
        assert.equal((await misses([spec])).length, 1, "a rerun submits it again");
      });
    });
  },
);
