/**
 * describeUnstartedBackend (lib/backend/init.ts): a tier described without starting it has
 * the provider, the versions and so the run identity of the started tier, which is what a
 * login node's keys and a compute node's keys must share. wasm is started here; webgpu in
 * a subprocess (one backend per process), where an adapter exists.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { BackendInfo } from "../lib/backend/info.ts";
import { describeUnstartedBackend, initBackend } from "../lib/backend/init.ts";
import { REPO_ROOT } from "../lib/files.ts";
import { backendIdentity } from "../lib/runs/identity.ts";
import { repoScratchDir } from "./paths.ts";

/** What a run's key sees of a backend, and the fields it is computed from. */
async function keyed(info: BackendInfo) {
  return {
    identity: await backendIdentity(info),
    provider: info.provider,
    versions: info.versions,
  };
}

Deno.test("an unstarted wasm description keys runs as the started wasm backend does", async () => {
  // A thread count of its own, so the identity is not the started backend's, cached.
  const described = await describeUnstartedBackend("wasm", { threads: 7 });
  assert.equal(described.threads, 7);
  const started = await initBackend({ backend: "wasm" });
  assert.deepEqual(await keyed(described), await keyed(started));
  assert.match((await backendIdentity(described)).kernels ?? "", /^[0-9a-f]{64}$/);
});

const WEBGPU_PROBE = `
import { describeUnstartedBackend, initBackend } from "${
  new URL("../lib/backend/init.ts", import.meta.url).href
}";
import { backendIdentity } from "${new URL("../lib/runs/identity.ts", import.meta.url).href}";
const described = await describeUnstartedBackend("webgpu", { threads: 7 });
const describedKey = { identity: await backendIdentity(described), provider: described.provider, versions: described.versions };
let started;
try {
  started = await initBackend({ backend: "webgpu" });
} catch (error) {
  console.log(JSON.stringify({ unavailable: error.message }));
  Deno.exit(0);
}
const startedKey = { identity: await backendIdentity(started), provider: started.provider, versions: started.versions };
console.log(JSON.stringify({ described: describedKey, started: startedKey }));
`;

Deno.test("an unstarted webgpu description keys runs as the started webgpu backend does", async () => {
  const dir = await repoScratchDir("webgpu_probe_");
  const script = join(dir, "probe.ts");
  await Deno.writeTextFile(script, WEBGPU_PROBE);
  try {
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--config", join(REPO_ROOT, "deno.json"), script],
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(output.stdout).trim().split("\n").at(-1)!;
    assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
    const result = JSON.parse(stdout);
    if (result.unavailable) {
      // Described all the same: a login node without a GPU is the case it is for.
      assert.notEqual(Deno.env.get("NNLAB_REQUIRE_WEBGPU"), "1", result.unavailable);
      console.log(`webgpu cannot start here (${result.unavailable}); compared nothing`);
      return;
    }
    assert.deepEqual(result.described, result.started);
    assert.equal(result.described.identity.name, "webgpu");
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
