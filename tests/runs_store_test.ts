/**
 * The run store: records validated against their schema, their key and the digest of
 * their content, a result never replaced by an unfinished record, per-run claims and
 * their takeover (a holder judged dead writes nothing over the taker's claim or record),
 * and the removal of temporary files left by dead processes.
 */
import assert from "node:assert/strict";
import { join, relative } from "node:path";
import { temporaryPath, writeFileAtomic } from "../lib/files.ts";
import { type ClaimInfo, ClaimWatcher, readClaim, takeOver, tryClaim } from "../lib/runs/claim.ts";
import { runKey } from "../lib/runs/identity.ts";
import { thisProcess } from "../lib/runs/process_id.ts";
import { RUN_FORMAT, type RunRecord } from "../lib/runs/record.ts";
import { describeMiss, RunStore } from "../lib/runs/store.ts";
import { trainClaimed } from "../lib/runs/train_run.ts";
import { recordProblem } from "../lib/runs/validate.ts";
import { toFileUrl } from "./paths.ts";

/** A complete, valid record with its key worked out from its contents. */
async function record(overrides: Partial<RunRecord> = {}): Promise<RunRecord> {
  const base: RunRecord = {
    format: RUN_FORMAT,
    key: "",
    study: "store-test",
    name: "run a",
    config: { learningRate: 1e-3 },
    identity: {
      trainer: "lib/train/classifier.ts",
      modules: [],
      code: { digest: "d", files: { "lib/train/classifier.ts": "t" } },
      backend: { name: "cpu", library: "@tensorflow/tfjs-backend-cpu@4.22.0", kernels: null },
    },
    status: "finished",
    history: { lossHistory: [2.3, 2.1], trainAccHistory: [0.1, 0.3], valAccHistory: [0.1, 0.2] },
    metrics: { bestValAcc: 0.2 },
    timings: {
      totalMs: 10,
      perIteration: { dataMs: 1, forwardMs: 2, backwardMs: 3, updateMs: 4 },
      iterations: 2,
    },
    environment: {
      backend: "cpu",
      provider: "@tensorflow/tfjs-backend-cpu",
      threads: 1,
      simd: false,
      versions: { tfjs: "4.22.0" },
      skipped: [],
      host: { cpu: "test", cores: 2, os: "linux", deno: "2.9.6" },
      git: { commit: null, dirty: false },
    },
    startedAt: "2026-11-30T00:00:00.000Z",
    endedAt: "2026-11-30T00:00:01.000Z",
    ...overrides,
  };
  base.key = await runKey(base.config, base.identity);
  return base;
}

async function withStore(test: (store: RunStore) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "nnlab-store-" });
  try {
    await test(new RunStore(dir));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("recordProblem names the first field that does not match the schema", async () => {
  const valid = await record();
  assert.equal(recordProblem(valid), null);
  const { history: _, ...noHistory } = valid;
  assert.equal(recordProblem(noHistory), "record.history: undefined, not an object");
  assert.equal(
    recordProblem({ ...valid, metrics: { bestValAcc: "0.2" } }),
    "record.metrics.bestValAcc: string, not a finite number",
  );
  assert.equal(
    recordProblem({ ...valid, history: { ...valid.history, lossHistory: [1, null] } }),
    "record.history.lossHistory[1]: null, not a finite number",
  );
  assert.match(
    recordProblem({ ...valid, status: "done" }) ?? "",
    /record.status: "done", not one of/,
  );
});

Deno.test("get: a valid record is served; torn, invalid, edited and older records are not", async () => {
  await withStore(async (store) => {
    const good = await record();
    await store.put(good);
    const hit = await store.get(good.key);
    assert.ok(hit.hit);
    assert.deepEqual(hit.record, good);

    const path = store.pathOf(good.key);
    await Deno.writeTextFile(path, JSON.stringify(good).slice(0, 50));
    assert.equal((await store.get(good.key)).hit, false);
    assert.equal((await store.get(good.key) as { reason: string }).reason, "torn");

    const { history: _, ...broken } = good;
    await Deno.writeTextFile(path, JSON.stringify(broken));
    const invalid = await store.get(good.key);
    assert.ok(!invalid.hit && invalid.reason === "invalid");
    assert.match(invalid.detail ?? "", /record.history: undefined/);

    // Same key, different numbers: the key no longer follows from the contents.
    await store.put(good);
    const stored = JSON.parse(await Deno.readTextFile(path));
    await Deno.writeTextFile(path, JSON.stringify({ ...stored, config: { learningRate: 1 } }));
    const edited = await store.get(good.key);
    assert.ok(!edited.hit && edited.reason === "foreign", JSON.stringify(edited));
    assert.match(edited.detail ?? "", /does not give its key/);

    await Deno.writeTextFile(path, JSON.stringify({ ...good, format: "nnlab-run/1" }));
    const older = await store.get(good.key);
    assert.ok(!older.hit && older.reason === "older-format");
    assert.deepEqual(await store.olderFormat(), [{ study: "store-test", name: "run a" }]);
  });
});

Deno.test("get: a record edited in any field, key unchanged, is not served", async () => {
  await withStore(async (store) => {
    const diverged = await record({ status: "diverged", error: "loss is NaN at iteration 3" });
    await store.put(diverged);
    const path = store.pathOf(diverged.key);
    const stored = JSON.parse(await Deno.readTextFile(path));
    const edits: Record<string, unknown> = {
      metrics: { ...stored, metrics: { bestValAcc: 0.99 } },
      status: { ...stored, status: "finished" },
      "loss history": { ...stored, history: { ...stored.history, lossHistory: [2.3, 0.1] } },
    };
    for (const [what, edited] of Object.entries(edits)) {
      await Deno.writeTextFile(path, JSON.stringify(edited));
      const found = await store.get(diverged.key);
      assert.ok(!found.hit, `a record with edited ${what} is not served`);
      assert.equal(
        describeMiss(found, path),
        `store: ${relative(Deno.cwd(), path)} is invalid (its content does not match its ` +
          "digest; edited or damaged since it was written); recomputing",
        what,
      );
    }
    // The digest is of the content, not of the text: other spacing and key order still serve.
    const reordered = Object.fromEntries(Object.entries(stored).reverse());
    await Deno.writeTextFile(path, JSON.stringify(reordered, null, 2));
    const same = await store.get(diverged.key);
    assert.ok(same.hit);
    assert.deepEqual(same.record, diverged);

    const { digest: _, ...undigested } = stored;
    await Deno.writeTextFile(path, JSON.stringify(undigested));
    const missing = await store.get(diverged.key);
    assert.ok(!missing.hit && missing.reason === "invalid");
    assert.match(missing.detail ?? "", /^record.digest: undefined, not 64 lowercase hex digits$/);
  });
});

Deno.test("put: a result is never replaced by an unfinished record", async () => {
  await withStore(async (store) => {
    const finished = await record();
    assert.equal(await store.put(finished), true);
    assert.equal(await store.put({ ...finished, status: "running", endedAt: null }), false);
    assert.equal(await store.put({ ...finished, status: "failed", error: "x" }), false);
    const found = await store.get(finished.key);
    assert.ok(found.hit && found.record.status === "finished");
    // A newer result does replace a result (--fresh).
    assert.equal(await store.put({ ...finished, metrics: { bestValAcc: 0.3 } }), true);
  });
});

Deno.test("claims: one holder at a time; released claims are free again", async () => {
  await withStore(async (store) => {
    const key = (await record()).key;
    const first = await store.claim(key, "run a");
    assert.ok(first, "a free run is claimed");
    assert.equal(await store.claim(key, "run a"), null, "a held claim is not given twice");
    assert.equal(await store.claimHolder(key), `pid ${Deno.pid}`);
    const info = await readClaim(store.claimPathOf(key));
    assert.ok(info && info !== "unreadable");
    assert.equal(info.holder.pid, Deno.pid);
    await first.release();
    assert.equal(await store.claimHolder(key), null);
    const second = await store.claim(key, "run a");
    assert.ok(second);
    await second.release();
  });
});

Deno.test("claims: a claim of a dead process on this host is taken over at once", async () => {
  await withStore(async (store) => {
    const key = (await record()).key;
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "eval",
        `const { tryClaim } = await import(${
          JSON.stringify(import.meta.resolve("../lib/runs/claim.ts"))
        });
         await tryClaim(${JSON.stringify(store.claimPathOf(key))}, "run a");
         console.log("claimed");
         await new Promise(() => setInterval(() => {}, 1000));`,
      ],
      stdout: "piped",
    }).spawn();
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    assert.match((await reader.read()).value ?? "", /claimed/);
    assert.equal(await store.claim(key, "run a"), null, "held by a live process");
    child.kill("SIGKILL");
    await child.status;
    reader.releaseLock();
    await child.stdout.cancel().catch(() => {});
    const taken = await store.claim(key, "run a");
    assert.ok(taken, "the dead holder's claim is taken over");
    const info = await readClaim(store.claimPathOf(key));
    assert.ok(info && info !== "unreadable" && info.holder.pid === Deno.pid);
    await taken.release();
  });
});

Deno.test("claims: another host's claim is abandoned once its heartbeat stands still", async () => {
  await withStore(async (store) => {
    const path = join(store.dir, "x.claim");
    await Deno.mkdir(store.dir, { recursive: true });
    const foreign = {
      holder: { hostname: "elsewhere", pid: 1, bootId: "other-boot", startTicks: 5 },
      run: "run a",
      claimedAt: new Date().toISOString(),
      beat: 7,
    };
    await Deno.writeTextFile(path, JSON.stringify(foreign));
    const watcher = new ClaimWatcher(50);
    assert.equal((await watcher.check(path)).state, "held", "first sight: held");
    await new Promise((resolve) => setTimeout(resolve, 80));
    await Deno.writeTextFile(path, JSON.stringify({ ...foreign, beat: 8 }));
    assert.equal((await watcher.check(path)).state, "held", "a new beat: still held");
    await new Promise((resolve) => setTimeout(resolve, 80));
    const seen = await watcher.check(path);
    assert.equal(seen.state, "abandoned", "no beat for longer than the limit");
    if (seen.state !== "abandoned") return;
    // A stale view (beat 7) must not take over a claim that has moved on (beat 8).
    assert.equal(await takeOver(path, "run a", { ...foreign, beat: 7 }), null);
    const claim = await takeOver(path, "run a", seen.info);
    assert.ok(claim, "the abandoned claim is taken over");
    const info = await readClaim(path);
    assert.ok(info && info !== "unreadable" && info.holder.pid === thisProcess().pid);
    await claim.release();
    assert.equal(await readClaim(path), null);
  });
});

/** Another host's process that took the run over: its claim. */
const TAKER: ClaimInfo = {
  holder: { hostname: "elsewhere", pid: 1, bootId: "other-boot", startTicks: 5 },
  run: "run a",
  claimedAt: "2026-11-30T00:00:00.000Z",
  beat: 3,
  token: "taker",
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

Deno.test("claims: the heartbeat waits out a takeover and never refreshes the taker's claim", async () => {
  await withStore(async (store) => {
    await Deno.mkdir(store.dir, { recursive: true });
    const path = join(store.dir, "x.claim");
    const claim = await tryClaim(path, "run a", 10);
    assert.ok(claim);
    // A takeover under way holds the claim's lock: the holder does not write meanwhile.
    const lock = `${path}.lock`;
    while (
      !(await Deno.writeTextFile(lock, "{}", { createNew: true }).then(() => true, () => false))
    ) {
      await sleep(1);
    }
    await sleep(50);
    const before = await readClaim(path) as ClaimInfo;
    await sleep(150);
    assert.equal((await readClaim(path) as ClaimInfo).beat, before.beat, "no beat under the lock");
    // The takeover writes its claim over ours and lets go of the lock.
    await Deno.writeTextFile(path, JSON.stringify(TAKER));
    await Deno.remove(lock);
    await sleep(150);
    assert.deepEqual(await readClaim(path), TAKER, "the taker's claim is not refreshed");
    assert.equal(claim.lost, true);
    let wrote = false;
    assert.equal(await claim.whileHeld(() => Promise.resolve(wrote = true)), false);
    assert.equal(wrote, false, "nothing is written under a lost claim");
    await claim.release();
    assert.deepEqual(await readClaim(path), TAKER, "nor removed on release");
  });
});

const TRAINER = `
export const trainRun = async () => {
  await globalThis.duringTraining();
  return {
    status: "finished",
    history: { lossHistory: [2.3, 2.2], trainAccHistory: [0.1, 0.2], valAccHistory: [0.1, 0.1] },
    metrics: { bestValAcc: 0.1 },
    timings: { perIteration: { dataMs: 1, forwardMs: 1, backwardMs: 1, updateMs: 1 }, iterations: 2 },
  };
};
`;

Deno.test("a holder whose run was taken over while it trained stores nothing and serves the taker's record", async () => {
  await withStore(async (store) => {
    await Deno.mkdir(store.dir, { recursive: true });
    const theirs = await record({ metrics: { bestValAcc: 0.9 } });
    const trainer = join(store.dir, "trainer.js");
    await Deno.writeTextFile(trainer, TRAINER);
    const hooks = globalThis as { duringTraining?: () => Promise<void> };
    // Judged dead while training, this process has its run taken over by another host.
    hooks.duringTraining = () =>
      Deno.writeTextFile(store.claimPathOf(theirs.key), JSON.stringify(TAKER));
    const lines: string[] = [];
    let stored: Promise<boolean> | undefined;
    const { git, ...backend } = theirs.environment;
    try {
      const outcome = await trainClaimed(
        {
          spec: { name: theirs.name, config: theirs.config, trainer: toFileUrl(trainer) },
          identity: theirs.identity,
          key: theirs.key,
        },
        store,
        {
          study: theirs.study,
          backend,
          git,
          pollMs: 10,
          log: (line) => {
            lines.push(line);
            // The taker finishes after this process noticed.
            if (/taken over/.test(line)) stored = store.put(theirs);
          },
        },
      );
      assert.deepEqual(lines, [
        "run a: taken over by pid 1 on elsewhere while training here (this process was judged " +
        "dead); its result is not stored; waiting for that process's record",
      ]);
      assert.equal(outcome.trained, false);
      assert.equal(outcome.record.metrics.bestValAcc, 0.9, "the taker's record is served");
      await stored;
      const found = await store.get(theirs.key);
      assert.ok(found.hit && found.record.metrics.bestValAcc === 0.9, "and stays stored");
      assert.deepEqual(await readClaim(store.claimPathOf(theirs.key)), TAKER, "claim untouched");
    } finally {
      delete hooks.duringTraining;
    }
  });
});

Deno.test("tryClaim is exclusive between processes racing for one run", async () => {
  await withStore(async (store) => {
    await Deno.mkdir(store.dir, { recursive: true });
    const path = join(store.dir, "race.claim");
    const claimModule = JSON.stringify(import.meta.resolve("../lib/runs/claim.ts"));
    const racers = Array.from({ length: 4 }, () =>
      new Deno.Command(Deno.execPath(), {
        args: [
          "eval",
          `const { tryClaim } = await import(${claimModule});
           const claim = await tryClaim(${JSON.stringify(path)}, "race");
           console.log(claim ? "won" : "lost");
           Deno.exit(0);`,
        ],
        stdout: "piped",
      }).output());
    const outcomes = (await Promise.all(racers)).map((o) =>
      new TextDecoder().decode(o.stdout).trim()
    );
    assert.equal(outcomes.filter((o) => o === "won").length, 1, outcomes.join(", "));
    assert.ok(await tryClaim(path, "race") === null, "the winner's claim is still there");
  });
});

Deno.test("temporary files of dead processes are removed; a live writer's are kept", async () => {
  await withStore(async (store) => {
    await Deno.mkdir(store.dir, { recursive: true });
    const child = new Deno.Command(Deno.execPath(), { args: ["eval", "Deno.exit(0)"] }).spawn();
    const deadPid = child.pid;
    await child.status;
    const mine = temporaryPath(join(store.dir, "a.json"));
    const dead = mine.replace(`.${Deno.pid}@`, `.${deadPid}@`);
    await Deno.writeTextFile(mine, "half");
    await Deno.writeTextFile(dead, "half");
    await writeFileAtomic(join(store.dir, "b.json"), "{}");
    assert.equal(await store.removeDeadTemporaries(), 1);
    const names = [...Deno.readDirSync(store.dir)].map((e) => e.name).sort();
    assert.deepEqual(names, [mine.split("/").pop(), "b.json"].sort());
  });
});
