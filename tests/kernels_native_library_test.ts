/**
 * Finding oneDNN and describing it right: the struct sizes and enum values of abi.ts
 * against the installed headers (compiling abi_check.c, where gcc and the headers are
 * present), where the library search looks, the one-line errors when the library is
 * missing or wrong, and the tiers: `auto` passes over a native tier that cannot load
 * (saying why) while a forced `--backend native` fails naming what is missing.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ONEDNN_ABI } from "../lib/kernels/native/abi.ts";
import {
  libraryCandidates,
  ONEDNN_LIB_ENV,
  openOneDnn,
  SUPPORTED_MAJOR,
} from "../lib/kernels/native/library.ts";
import { nativeSkip } from "./kernels_native_helpers.ts";

const repoRoot = fileURLToPath(new URL("../", import.meta.url));
const HEADER = "/usr/include/oneapi/dnnl/dnnl.h";

async function gccAndHeaders(): Promise<boolean> {
  try {
    await Deno.stat(HEADER);
    const { success } = await new Deno.Command("gcc", { args: ["--version"], stdout: "null" })
      .output();
    return success;
  } catch {
    return false;
  }
}

Deno.test({
  name: "abi.ts holds the sizes, offsets and values of the installed oneDNN headers",
  ignore: !(await gccAndHeaders()),
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "nnlab-abi-" });
    try {
      const exe = join(dir, "abi_check");
      const source = join(repoRoot, "lib/kernels/native/abi_check.c");
      const compile = await new Deno.Command("gcc", { args: ["-o", exe, source], stderr: "piped" })
        .output();
      assert.ok(compile.success, new TextDecoder().decode(compile.stderr));
      const run = await new Deno.Command(exe, { stdout: "piped" }).output();
      assert.deepEqual(JSON.parse(new TextDecoder().decode(run.stdout)), ONEDNN_ABI);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("the search tries the loader's names, then conda, Homebrew and oneAPI prefixes", () => {
  const linux = libraryCandidates({ CONDA_PREFIX: "/opt/env" }, "linux");
  assert.equal(linux[0], "libdnnl.so.2");
  assert.ok(linux.includes("/opt/env/lib/libdnnl.so.2"));
  assert.ok(linux.includes("/home/linuxbrew/.linuxbrew/lib/libdnnl.so.2"));
  assert.ok(linux.includes("/opt/intel/oneapi/dnnl/latest/lib/libdnnl.so.2"));
  const mac = libraryCandidates({}, "darwin");
  assert.equal(mac[0], "libdnnl.2.dylib");
  assert.ok(mac.includes("/opt/homebrew/lib/libdnnl.2.dylib"));
  assert.ok(mac.includes("/usr/local/lib/libdnnl.3.dylib"));
});

Deno.test("NNLAB_ONEDNN_LIB naming no file is a one-line error naming it and what to do", () => {
  const path = "/nowhere/libdnnl.so.2";
  assert.throws(() => openOneDnn({ [ONEDNN_LIB_ENV]: path }), (error: Error) => {
    assert.equal(error.message.split("\n").length, 1);
    assert.match(
      error.message,
      /NNLAB_ONEDNN_LIB=\/nowhere\/libdnnl\.so\.2 does not load \(no such file\)/,
    );
    assert.match(error.message, /deno task setup:native/);
    return true;
  });
});

Deno.test("NNLAB_ONEDNN_LIB naming a library that is not oneDNN is an error saying so", async () => {
  // Any shared library without dnnl_version: the C math library is everywhere.
  const libm = ["/lib/x86_64-linux-gnu/libm.so.6", "/usr/lib/libm.so.6", "/lib64/libm.so.6"];
  const found: string[] = [];
  for (const path of libm) {
    try {
      await Deno.stat(path);
      found.push(path);
    } catch {
      // not this one
    }
  }
  if (found.length === 0) return;
  assert.throws(
    () => openOneDnn({ [ONEDNN_LIB_ENV]: found[0] }),
    new RegExp(`${ONEDNN_LIB_ENV}=${found[0]} does not load \\(.*dnnl_version`),
  );
});

Deno.test({
  name: "the installed libdnnl opens: oneDNN 2.x with a CPU runtime",
  ignore: nativeSkip !== undefined,
  fn() {
    const library = openOneDnn();
    try {
      assert.equal(library.version.major, SUPPORTED_MAJOR);
      assert.ok(["OpenMP", "TBB", "sequential", "threadpool"].includes(library.version.cpuRuntime));
    } finally {
      library.close();
    }
  },
});

/** Runs a script that starts a backend, with `env`; returns its exit code and output. */
async function startBackend(request: string, env: Record<string, string>) {
  const source = `
    const { initBackend } = await import("./lib/backend/init.ts");
    const info = await initBackend({ backend: "${request}", threads: 1 });
    console.log(JSON.stringify({ backend: info.backend, skipped: info.skipped }));
  `;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", source],
    cwd: repoRoot,
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
}

Deno.test("without oneDNN, auto passes over native to wasm, with one line saying why", async () => {
  const result = await startBackend("auto", { [ONEDNN_LIB_ENV]: "/nowhere/libdnnl.so.2" });
  assert.equal(result.code, 0, result.stderr);
  const info = JSON.parse(result.stdout.trim().split("\n").at(-1)!);
  assert.equal(info.backend, "wasm");
  const native = info.skipped.find((line: string) => line.startsWith("native: "));
  assert.match(native, /^native: oneDNN: NNLAB_ONEDNN_LIB=\/nowhere\/libdnnl\.so\.2 does not load/);
});

Deno.test("without oneDNN, a forced --backend native is an error naming what is missing", async () => {
  const result = await startBackend("native", { [ONEDNN_LIB_ENV]: "/nowhere/libdnnl.so.2" });
  assert.notEqual(result.code, 0);
  assert.match(
    result.stderr,
    /backend "native" was requested but cannot load: oneDNN: NNLAB_ONEDNN_LIB=\/nowhere\/libdnnl\.so\.2 does not load \(no such file\); run `deno task setup:native`/,
  );
});

Deno.test({
  name: "with oneDNN, auto picks native (where tensorflow does not load)",
  ignore: nativeSkip !== undefined,
  async fn() {
    const result = await startBackend("auto", {});
    assert.equal(result.code, 0, result.stderr);
    const info = JSON.parse(result.stdout.trim().split("\n").at(-1)!);
    if (info.skipped.some((line: string) => line.startsWith("tensorflow"))) {
      assert.equal(info.backend, "native");
    }
  },
});
