/**
 * lib/runs/launchers/manifest.ts and status.ts: what a launch folder holds, how a task
 * reads it back, and what it refuses.
 */
import assert from "node:assert/strict";
import { basename, join } from "node:path";
import { REPO_ROOT } from "../lib/files.ts";
import { TASK_EXIT, TaskError } from "../lib/runs/launchers/exit_codes.ts";
import {
  createLaunch,
  entrySpec,
  launchEntry,
  MANIFEST_FORMAT,
  readManifest,
} from "../lib/runs/launchers/manifest.ts";
import {
  type EntryStatus,
  readEntryStatuses,
  statusPath,
  writeEntryStatus,
} from "../lib/runs/launchers/status.ts";
import { QUICK_TRAINER, quickRun, scratch, writeLaunch } from "./launchers_helpers.ts";

Deno.test("manifest: absolute paths of the repository, Deno and the store; trainers relative", async () => {
  const where = await scratch("manifest");
  const now = new Date("2025-03-04T05:06:07.890Z");
  const init = {
    study: "weight scale",
    scheduler: "slurm" as const,
    runsDir: where.runsDir,
    backend: { name: "wasm" as const, threads: 2 },
    fresh: false,
    runsPerTask: 1,
    entries: [launchEntry(0, "ab".repeat(32), "weight scale", quickRun("a", { learningRate: 1 }))],
  };
  const first = await createLaunch(init, where.launchesDir, now);
  assert.equal(basename(first.dir), "weight-scale-20250304T050607Z");
  assert.equal(first.manifestPath, join(first.dir, "manifest.json"));
  const manifest = await readManifest(first.manifestPath);
  assert.deepEqual(manifest, first.manifest);
  assert.equal(manifest.format, MANIFEST_FORMAT);
  assert.equal(manifest.repoRoot, REPO_ROOT);
  assert.equal(manifest.deno, Deno.execPath());
  assert.equal(manifest.runsDir, where.runsDir);
  assert.equal(manifest.entries[0].spec.trainer, "tests/fixtures/launch_trainer.ts");
  assert.equal(entrySpec(manifest.entries[0], REPO_ROOT).trainer, QUICK_TRAINER);
  assert.equal(
    entrySpec(manifest.entries[0], "/elsewhere/nnlab").trainer,
    "file:///elsewhere/nnlab/tests/fixtures/launch_trainer.ts",
    "a task resolves trainers against its own repository path",
  );

  const second = await createLaunch(init, where.launchesDir, now);
  assert.equal(basename(second.dir), "weight-scale-20250304T050607Z-2", "same second, new folder");
  const files = [];
  for await (const entry of Deno.readDir(first.dir)) files.push(entry.name);
  assert.deepEqual(files, ["manifest.json"], "written atomically: no temporary file left");
});

Deno.test("manifest: a task refuses what it cannot read or trust, with the exit code to match", async () => {
  const where = await scratch("manifest-bad");
  const { manifestPath, manifest } = await writeLaunch([quickRun("a", { learningRate: 1 })], where);
  const refusal = async (path: string) => {
    try {
      await readManifest(path);
    } catch (error) {
      assert.ok(error instanceof TaskError, String(error));
      return { code: error.exitCode, message: error.message };
    }
    throw new Error(`${path} was accepted`);
  };
  const missing = await refusal(join(where.dir, "nowhere", "manifest.json"));
  assert.equal(missing.code, TASK_EXIT.noManifest);
  assert.match(
    missing.message,
    /^cannot read the manifest .*nowhere.*: .* \(a task needs the launch folder at the same path: a shared filesystem\)$/,
  );

  const broken = [
    ["{", /not JSON/],
    [JSON.stringify({ ...manifest, entries: [] }), /entries: got \[\]; expected a non-empty list/],
    [
      JSON.stringify({ ...manifest, backend: { name: "webgl" } }),
      /backend\.name: got "webgl"; expected one of tensorflow, webgpu, native, wasm, cpu/,
    ],
    [
      JSON.stringify({ ...manifest, entries: [{ ...manifest.entries[0], index: 3 }] }),
      /entries\[0\]\.index: got 3; expected 0/,
    ],
    [
      JSON.stringify({
        ...manifest,
        entries: [{
          ...manifest.entries[0],
          spec: { ...manifest.entries[0].spec, trainer: QUICK_TRAINER },
        }],
      }),
      /entries\[0\]\.spec\.trainer: got "file:.*"; expected a path relative to the repository/,
    ],
    [
      JSON.stringify({ ...manifest, runsPerTask: 0 }),
      /runsPerTask: got 0; expected an integer >= 1/,
    ],
  ] as const;
  for (const [text, message] of broken) {
    await Deno.writeTextFile(manifestPath, text);
    const found = await refusal(manifestPath);
    assert.equal(found.code, TASK_EXIT.badManifest, text);
    assert.match(found.message, message);
    assert.ok(found.message.startsWith(`manifest ${manifestPath}: `), found.message);
  }
});

Deno.test("status files: one per entry, replaced whole; unreadable ones are skipped", async () => {
  const { dir } = await scratch("status");
  const status: EntryStatus = {
    index: 4,
    key: "cd".repeat(32),
    name: "lr 1e-3",
    state: "started",
    task: 4,
    host: "node7",
    pid: 4242,
    at: "2025-01-01T00:00:00.000Z",
    log: join(dir, "task-4.out"),
  };
  await writeEntryStatus(dir, status);
  await writeEntryStatus(dir, { ...status, state: "finished", metrics: { bestValAcc: 0.5 } });
  await Deno.writeTextFile(statusPath(dir, 5), '{"index": 5, "sta');
  await Deno.writeTextFile(statusPath(dir, 6), JSON.stringify({ ...status, index: 7 }));
  await Deno.writeTextFile(join(dir, "manifest.json"), "{}");
  const statuses = await readEntryStatuses(dir);
  assert.deepEqual([...statuses.keys()], [4]);
  assert.equal(statuses.get(4)?.state, "finished");
  assert.deepEqual(statuses.get(4)?.metrics, { bestValAcc: 0.5 });
  assert.equal(statusPath(dir, 4), join(dir, "status-4.json"));
});
