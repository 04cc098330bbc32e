import assert from "node:assert/strict";
import {
  type BackendLoader,
  type BackendName,
  backendRequest,
  chooseBackend,
  initBackend,
} from "../lib/backend.ts";

/** Stand-in loaders: each records that it was tried and fails unless listed as working. */
function standIns(working: BackendName[]) {
  const tried: BackendName[] = [];
  const loaders: BackendLoader[] = (["tensorflow", "wasm", "cpu"] as const).map((name) => ({
    name,
    load() {
      tried.push(name);
      return working.includes(name)
        ? Promise.resolve()
        : Promise.reject(new Error(`${name} library not found\nsecond line`));
    },
  }));
  return { tried, loaders };
}

Deno.test("auto takes the best tier that loads and says why better ones were skipped", async () => {
  const { tried, loaders } = standIns(["wasm", "cpu"]);
  const chosen = await chooseBackend("auto", {}, loaders);
  assert.equal(chosen.backend, "wasm");
  assert.deepEqual(tried, ["tensorflow", "wasm"]);
  assert.deepEqual(chosen.skipped, ["tensorflow: tensorflow library not found"]);
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

Deno.test("a forced backend that loads is used", async () => {
  const { tried, loaders } = standIns(["tensorflow", "wasm", "cpu"]);
  assert.equal((await chooseBackend("cpu", {}, loaders)).backend, "cpu");
  assert.deepEqual(tried, ["cpu"]);
});

Deno.test("no tier loads: the error lists every reason", async () => {
  const { loaders } = standIns([]);
  await assert.rejects(
    chooseBackend("auto", {}, loaders),
    /no backend could load \(tensorflow: .*; wasm: .*; cpu: .*\)/,
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
      /--backend: got "gpu"; expected one of "auto", "tensorflow", "native", "wasm", "cpu"/,
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
  assert.ok(["tensorflow", "native", "wasm", "cpu"].includes(info.backend));
  assert.ok(info.threads >= 1);
  assert.equal(info.versions["tfjs-core"], "4.22.0");
  assert.ok(info.host.cores >= 1);
  assert.match(info.host.deno, /^\d+\.\d+\.\d+/);
  // Once started, asking for another tier is an error rather than a silent switch.
  const other = info.backend === "cpu" ? "wasm" : "cpu";
  await assert.rejects(initBackend({ backend: other }), /is already running/);
});
