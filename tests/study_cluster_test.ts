/**
 * A study through a live single-node Slurm (tests/slurm_cluster.ts), as a user runs it:
 * `experiments/weight_scale.ts --quick --launcher slurm --wait`, its run store and launch
 * folders in a temporary folder.
 *
 * One array task is frozen (SIGSTOP) mid-run, holding its run's claim. The other runs are
 * stored; the same command run again submits only the frozen run, and its task waits for
 * the claim instead of training the run a second time. Then the frozen task is killed
 * outright, as by a lost node or the OOM killer: `scancel --signal=KILL --batch
 * <job>_<index>`. (A plain scancel sends SIGCONT first, and a --quick run, which never
 * yields to the event loop, would then finish before its SIGTERM handler ran; the stop on
 * SIGTERM is tests/launchers_slurm_cluster_test.ts's case.) Its claim and its `running`
 * record stay. The first command reports that task with its log and exits 1; the second
 * one's task takes the dead task's claim over, trains the run, and the figure is drawn
 * with every run served from the store. The records equal those of a local `--jobs 1` run (same keys, same histories and
 * metrics), and every run was trained by exactly one task.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { REPO_ROOT } from "../lib/files.ts";
import { readPageData } from "../lib/plot/page.ts";
import type { RunRecord } from "../lib/runs/record.ts";
import { readManifest } from "../lib/runs/launchers/manifest.ts";
import { type EntryStatus, readEntryStatuses } from "../lib/runs/launchers/status.ts";
import { RunStore } from "../lib/runs/store.ts";
import { waitFor } from "./runs_fixture.ts";
import { submittingBackend } from "../lib/study/cluster.ts";
import { slurmSkip, withSlurmCluster } from "./slurm_cluster.ts";

const STUDY = join(REPO_ROOT, "experiments", "weight_scale.ts");

/** What must not depend on where a run trained. */
function results(records: RunRecord[]) {
  return Object.fromEntries(records.map((r) => [r.key, {
    name: r.name,
    config: r.config,
    status: r.status,
    history: r.history,
    metrics: r.metrics,
  }]));
}

/** Paths of the entries of `dir` that `keep` accepts, sorted; none while it does not exist. */
async function entries(dir: string, keep: (entry: Deno.DirEntry) => boolean): Promise<string[]> {
  const paths: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) if (keep(entry)) paths.push(join(dir, entry.name));
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return paths.sort();
}

const folders = (dir: string) => entries(dir, (entry) => entry.isDirectory);
const claims = (dir: string) => entries(dir, (entry) => entry.name.endsWith(".claim"));

/** Runs the study once in `env`, to its end. */
async function runOnce(flags: string[], env: Record<string, string>) {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", STUDY, "--quick", ...flags],
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: output.code, stdout: text(output.stdout), stderr: text(output.stderr) };
}

Deno.test("--launcher slurm without sbatch on PATH: one line, before anything loads", async () => {
  const work = await Deno.makeTempDir({ prefix: "nnlab-study-nosbatch-" });
  try {
    const result = await runOnce(["--launcher", "slurm", "--out", join(work, "page.html")], {
      PATH: work,
      NNLAB_RUNS_DIR: join(work, "runs"),
      NNLAB_LAUNCHES_DIR: join(work, "launches"),
    });
    assert.equal(result.code, 1);
    assert.equal(
      result.stderr,
      "error: --launcher slurm: sbatch is not on PATH; run this on a Slurm login node, or use " +
        "--launcher local (--dry-run writes the job script without submitting)\n",
    );
    assert.equal(result.stdout, "", "no data loaded, no backend started");
    assert.deepEqual(await entries(work, () => true), [], "nothing written");
  } finally {
    await Deno.remove(work, { recursive: true });
  }
});

Deno.test("--launcher slurm --dry-run --backend webgpu: the job script, webgpu not started, nothing submitted", async () => {
  const work = await Deno.makeTempDir({ prefix: "nnlab-study-dry-" });
  try {
    const result = await runOnce(
      ["--launcher", "slurm", "--dry-run", "--backend", "webgpu", "--out", join(work, "page.html")],
      {
        PATH: work,
        NNLAB_RUNS_DIR: join(work, "runs"),
        NNLAB_LAUNCHES_DIR: join(work, "launches"),
      },
    );
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stdout,
      /^backend: webgpu, for every slurm task \(not started on this host\)$/m,
    );
    assert.match(result.stdout, /^#SBATCH --array=0-5$/m);
    assert.match(
      result.stdout,
      /^dry run: nothing submitted; 6 run\(s\) of weight_scale in 6 array task\(s\) written to .*; submit with: sbatch .*job\.sh$/m,
    );
    const [launch] = await entries(join(work, "launches"), (entry) => entry.isDirectory);
    const manifest = await readManifest(join(launch, "manifest.json"));
    assert.equal(manifest.backend.name, "webgpu");
    assert.equal(manifest.backend.identity?.library, "@tensorflow/tfjs-backend-webgpu@4.22.0");
    assert.equal(
      await Deno.stat(join(work, "page.html")).then(() => true, () => false),
      false,
      "no page before the runs exist",
    );
  } finally {
    await Deno.remove(work, { recursive: true });
  }
});

Deno.test("the submitting host starts tensorflow (or says why it must), not a named tier", async () => {
  const tensorflow = await submittingBackend("tensorflow").catch((error: Error) => error);
  if (tensorflow instanceof Error) {
    assert.match(
      tensorflow.message,
      /^backend "tensorflow" was requested but cannot load: .*; the keys of tensorflow runs name the native package that loads \(tfjs-node-gpu or tfjs-node\), so it must load on the submitting host as on the compute nodes \(webgpu, wasm and cpu need not start here\)$/,
    );
  } else {
    assert.equal(tensorflow.started, true, "where tfjs-node is installed, it starts here");
  }
  const { info, started } = await submittingBackend("cpu");
  assert.equal(info.backend, "cpu");
  assert.equal(started, false, "a named tier is described, not started");
});

Deno.test(
  "weight_scale --quick --launcher slurm --wait: a frozen task's run is resubmitted alone and trained once",
  { ignore: slurmSkip !== undefined },
  async () => {
    const work = await Deno.makeTempDir({ prefix: "nnlab-study-slurm-" });
    const runsDir = join(work, "runs");
    const launchesDir = join(work, "launches");
    const children: Deno.ChildProcess[] = [];
    try {
      await withSlurmCluster(async (cluster) => {
        const env = {
          ...cluster.env,
          NNLAB_RUNS_DIR: runsDir,
          NNLAB_LAUNCHES_DIR: launchesDir,
          NO_COLOR: "1",
        };
        /** Starts the study with `flags` (after --quick) in `studyEnv`; resolves to its output. */
        const study = (flags: string[], studyEnv: Record<string, string> = env) => {
          const child = new Deno.Command(Deno.execPath(), {
            args: ["run", "-A", STUDY, "--quick", ...flags],
            env: studyEnv,
            stdout: "piped",
            stderr: "piped",
          }).spawn();
          children.push(child);
          return child.output().then((output) => ({
            code: output.code,
            stdout: new TextDecoder().decode(output.stdout),
            stderr: new TextDecoder().decode(output.stderr),
          }));
        };
        const page = join(work, "weight_scale.html");
        const store = new RunStore(runsDir);

        // The first command; the first run to be claimed is frozen in the middle of training.
        const first = study(["--launcher", "slurm", "--wait", "--out", page]);
        let claim = "";
        await waitFor(
          async () => {
            [claim = ""] = await claims(runsDir);
            return claim !== "";
          },
          "a task to claim a run",
          90_000,
        );
        const holder = JSON.parse(await Deno.readTextFile(claim)) as {
          holder: { pid: number };
          run: string;
        };
        Deno.kill(holder.holder.pid, "SIGSTOP");
        // A local --jobs 1 run of the same study, on the core the frozen task leaves idle:
        // its records must equal the cluster's (same keys, same results). One thread, as
        // each task has one CPU: on native the thread count is part of a run's key.
        const localRuns = join(work, "local-runs");
        const localFlags = ["--jobs", "1", "--threads", "1", "--out", join(work, "local.html")];
        const localRun = study(localFlags, {
          NNLAB_RUNS_DIR: localRuns,
          NO_COLOR: "1",
        });
        const frozenKey = claim.split("/").at(-1)!.replace(".claim", "");
        assert.equal((await store.get(frozenKey)).hit, false, "frozen before its run ended");
        const [launch1] = await folders(launchesDir);
        const manifest1 = await readManifest(join(launch1, "manifest.json"));
        assert.equal(manifest1.entries.length, 6, "3 weight scales x {baseline, batchnorm}");
        const frozen = manifest1.entries.find((entry) => entry.key === frozenKey)!;
        await waitFor(
          async () => (await store.list()).length === 5,
          "the five other runs to be stored",
          120_000,
        );

        // The same command again: only the frozen run is missing; its task waits for the claim.
        const second = study(["--launcher", "slurm", "--wait", "--out", page]);
        let launch2 = "";
        await waitFor(
          async () => {
            launch2 = (await folders(launchesDir))[1] ?? "";
            const log = await Deno.readTextFile(join(launch2, "task-0.out")).catch(() => "");
            return log.includes(`being trained by pid ${holder.holder.pid}; waiting for it`);
          },
          "the second launch's task to wait for the frozen task's claim",
          90_000,
        );
        assert.deepEqual(
          (await readManifest(join(launch2, "manifest.json"))).entries.map((entry) => entry.key),
          [frozenKey],
          "the rerun submits only the frozen run",
        );

        const jobId = (await readEntryStatuses(launch1)).get(frozen.index)?.jobId;
        assert.ok(jobId, "the frozen task's status names its job");
        const cancel = await new Deno.Command("scancel", {
          args: ["--signal=KILL", "--batch", `${jobId}_${frozen.index}`],
          env: cluster.env,
          stderr: "piped",
        }).output();
        assert.equal(cancel.code, 0, new TextDecoder().decode(cancel.stderr));

        const one = await first;
        assert.equal(one.code, 1, `${one.stdout}\n${one.stderr}`);
        const taskLog = join(launch1, `task-${frozen.index}.out`);
        assert.ok(
          one.stdout.split("\n").some((line) =>
            line.startsWith(`  task ${frozen.index} "${frozen.name}": `) &&
            line.endsWith(`; log ${taskLog}`)
          ),
          one.stdout,
        );
        assert.match(one.stdout, /slurm job \d+: 5 of 6 run\(s\) stored/);
        assert.match(one.stdout, /run the same command again to submit only the 1 missing run/);
        assert.doesNotMatch(one.stdout, /^wrote /m, "no figure without every run");

        const two = await second;
        assert.equal(two.code, 0, `${two.stdout}\n${two.stderr}`);
        assert.match(two.stdout, /slurm: submitted job \d+: 1 run\(s\) of weight_scale in 1 array/);
        assert.match(two.stdout, new RegExp(`^\\[1/1\\] "${frozen.name}": finished`, "m"));
        assert.match(two.stdout, /^weight_scale: 6 of 6 runs cached, 0 to train$/m);
        assert.match(two.stdout, /^wrote .*weight_scale\.html/m);

        // Every run trained by exactly one task: the launches' status files say who trained.
        const trainedBy = new Map<string, EntryStatus[]>();
        for (const launch of [launch1, launch2]) {
          for (const status of (await readEntryStatuses(launch)).values()) {
            if (status.state !== "finished") continue;
            trainedBy.set(status.key, [...(trainedBy.get(status.key) ?? []), status]);
          }
        }
        assert.equal(trainedBy.size, 6);
        assert.ok([...trainedBy.values()].every((statuses) => statuses.length === 1));
        assert.equal(
          trainedBy.get(frozenKey)![0].jobId,
          (await readEntryStatuses(launch2)).get(0)?.jobId,
        );
        assert.deepEqual(await claims(runsDir), [], "every claim released or taken over");

        const data = readPageData(await Deno.readTextFile(page))!;
        const records = await store.list();
        assert.deepEqual(
          results(data.runs.map((run) => run.record)),
          results(records),
          "the page shows the stored runs",
        );

        // Later, the same command without --wait: nothing to submit, the figure from the store.
        const later = await study(["--launcher", "slurm", "--out", page]);
        assert.equal(later.code, 0, later.stderr);
        assert.match(later.stdout, /^weight_scale: every run is in the store; nothing to submit$/m);
        assert.match(later.stdout, /^weight_scale: 6 of 6 runs cached, 0 to train$/m);
        assert.match(later.stdout, /^wrote .*weight_scale\.html/m);

        const local = await localRun;
        assert.equal(local.code, 0, local.stderr);
        assert.deepEqual(results(await new RunStore(localRuns).list()), results(records));
      });
    } finally {
      for (const child of children) {
        try {
          child.kill("SIGTERM");
        } catch {
          // ended already
        }
      }
      await Deno.remove(work, { recursive: true }).catch(() => {});
    }
  },
);
