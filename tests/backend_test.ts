import assert from "node:assert/strict";
import {
  type BackendLoader,
  type BackendName,
  backendRequest,
  chooseBackend,
  initBackend,
} from "../lib/backend/init.ts";

/** Stand-in loaders: each records that it was tried and fails unless listed as working. */
function standIns(working: BackendName[]) {
  const tried: BackendName[] = [];
  const forcedFlags: boolean[] = [];
  const loaders: BackendLoader[] = (["tensorflow", "webgpu", "wasm", "cpu"] as const).map((
    name,
  ) => ({
    name,
    load(_options, forced) {
      tried.push(name);
      forcedFlags.push(forced);
      return working.includes(name)
        ? Promise.resolve()
        : Promise.reject(new Error(`${name} library not found\nsecond line`));
    },
  }));
  return { tried, forcedFlags, loaders };
}

Deno.test("auto takes the best tier that loads and says why better ones were skipped", async () => {
  const { tried, forcedFlags, loaders } = standIns(["wasm", "cpu"]);
  const chosen = await chooseBackend("auto", {}, loaders);
  assert.equal(chosen.backend, "wasm");
  assert.deepEqual(tried, ["tensorflow", "webgpu", "wasm"]);
  assert.deepEqual(forcedFlags, [false, false, false], "auto forces no tier");
  assert.deepEqual(chosen.skipped, [
    "tensorflow: tensorflow library not found",
    "webgpu: webgpu library not found",
  ]);
});

Deno.test("an invalid thread count is an error before any tier is tried, not a fall back to cpu", async () => {
  for (const threads of [1025, 0, 1.5]) {
    const { tried, loaders } = standIns(["tensorflow", "wasm", "cpu"]);
    await assert.rejects(
      chooseBackend("auto", { threads }, loaders),
      (error: Error) => {
        assert.equal(error.message, `--threads: got ${threads}; expected an integer in [1, 1024]`);
        return true;
      },
    );
    assert.deepEqual(tried, []);
  }
});

Deno.test("fallbacks a user did not expect are listed; an optional tier not installed is not one", async () => {
  const loaders: BackendLoader[] = [
    {
      name: "tensorflow",
      load: () =>
        Promise.reject(
          new Error(
            "@tensorflow/tfjs-node-gpu is not installed; @tensorflow/tfjs-node is not installed",
          ),
        ),
    },
    { name: "wasm", load: () => Promise.reject(new Error("wasm: out of memory")) },
    { name: "cpu", load: () => Promise.resolve() },
  ];
  const chosen = await chooseBackend("auto", { threads: 2 }, loaders);
  assert.equal(chosen.backend, "cpu");
  assert.equal(chosen.skipped.length, 2);
  assert.deepEqual(chosen.fallbacks, [
    "wasm: wasm: out of memory",
    "cpu: runs 1 thread, not 2",
  ]);
  const degraded = await chooseBackend("wasm", {}, [
    { name: "wasm", load: () => Promise.resolve("wasm: runs 1 thread instead of 2: no workers") },
  ]);
  assert.deepEqual(degraded.fallbacks, ["wasm: runs 1 thread instead of 2: no workers"]);
  assert.deepEqual(degraded.skipped, degraded.fallbacks, "the page records it too");
});

Deno.test("auto falls back to cpu when nothing better loads", async () => {
  const { loaders } = standIns(["cpu"]);
  assert.equal((await chooseBackend("auto", {}, loaders)).backend, "cpu");
});

Deno.test("a forced backend that cannot load is a one-line error, never a switch", async () => {
  const { tried, loaders } = standIns(["wasm", "cpu"]);
  await assert.rejects(chooseBackend("tensorflow", {}, loaders), (error: Error) => {
    assert.equal(
      error.message,
      'backend "tensorflow" was requested but cannot load: tensorflow library not found',
    );
    return true;
  });
  assert.deepEqual(tried, ["tensorflow"], "no other tier was tried");
});

Deno.test("a forced backend that loads is used, and its loader is told it was forced", async () => {
  const { tried, forcedFlags, loaders } = standIns(["tensorflow", "webgpu", "wasm", "cpu"]);
  assert.equal((await chooseBackend("cpu", {}, loaders)).backend, "cpu");
  assert.equal((await chooseBackend("webgpu", {}, loaders)).backend, "webgpu");
  assert.deepEqual(tried, ["cpu", "webgpu"]);
  assert.deepEqual(forcedFlags, [true, true]);
});

Deno.test("no tier loads: the error lists every reason", async () => {
  const { loaders } = standIns([]);
  await assert.rejects(
    chooseBackend("auto", {}, loaders),
    /no backend could load \(tensorflow: .*; webgpu: .*; wasm: .*; cpu: .*\)/,
  );
});

Deno.test("backend names are validated from the flag and from NNLAB_BACKEND", () => {
  const saved = Deno.env.get("NNLAB_BACKEND");
  try {
    Deno.env.delete("NNLAB_BACKEND");
    assert.equal(backendRequest(), "auto");
    assert.equal(backendRequest("cpu"), "cpu");
    assert.throws(
      () => backendRequest("gpu"),
      /--backend: got "gpu"; expected one of "auto", "tensorflow", "webgpu", "native", "wasm", "cpu"/,
    );
    Deno.env.set("NNLAB_BACKEND", "webgl");
    assert.throws(() => backendRequest(), /NNLAB_BACKEND: got "webgl"; expected one of/);
    Deno.env.set("NNLAB_BACKEND", "wasm");
    assert.equal(backendRequest(), "wasm");
    assert.equal(backendRequest("cpu"), "cpu", "the flag wins over the variable");
  } finally {
    if (saved === undefined) Deno.env.delete("NNLAB_BACKEND");
    else Deno.env.set("NNLAB_BACKEND", saved);
  }
});

Deno.test("initBackend reports backend, threads, versions and host", async () => {
  const info = await initBackend();
  assert.ok(["tensorflow", "webgpu", "native", "wasm", "cpu"].includes(info.backend));
  // auto never settles on a software GPU adapter such as lavapipe.
  if (info.backend === "webgpu") assert.equal(info.gpu?.software, false);
  assert.ok(info.threads >= 1);
  assert.equal(info.versions["tfjs-core"], "4.22.0");
  assert.ok(info.host.cores >= 1);
  assert.match(info.host.deno, /^\d+\.\d+\.\d+/);
  // Once started, asking for another tier is an error rather than a silent switch.
  const other = info.backend === "cpu" ? "wasm" : "cpu";
  await assert.rejects(initBackend({ backend: other }), /is already running/);
});
