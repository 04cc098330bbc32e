/**
 * `deno task setup:native [--tensorflow | --gpu]`: makes the native tiers available.
 *
 * By default it sets up oneDNN for the `native` backend (lib/kernels/native/install.ts:
 * apt-get's libdnnl2 on Debian/Ubuntu, Homebrew's onednn on macOS, else one line saying
 * what to install). With `--tensorflow` (or `--gpu` for CUDA) it instead installs
 * @tensorflow/tfjs-node (or -node-gpu) with its install script allowed, then checks that
 * its native library loads. That install script downloads libtensorflow; where that is
 * impossible this says so in one line, restores deno.json and deno.lock, and nnlab keeps
 * using the next tier.
 *
 * @module
 */
import { join } from "node:path";
import { REPO_ROOT } from "../files.ts";
import { setUpOneDnn } from "../kernels/native/install.ts";
import { commandLineOrExit } from "./command_line.ts";

const TFJS_VERSION = "4.22.0";

/** The npm package for the requested native backend. */
export function nativePackage(gpu: boolean): string {
  return `@tensorflow/tfjs-node${gpu ? "-gpu" : ""}@${TFJS_VERSION}`;
}

async function run(args: string[]): Promise<{ ok: boolean; output: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: REPO_ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { ok: out.success, output: decode(out.stdout) + decode(out.stderr) };
}

/** The most telling line of a failed install: the uncaught error, else the last line. */
function reason(output: string): string {
  const lines = output.split("\n").map((l) => l.trim()).filter(Boolean);
  return lines.find((l) => /Uncaught|ENOTFOUND|ECONNREFUSED|EAI_AGAIN/.test(l))
    ?.replace(/^error: /, "") ?? lines.at(-1) ?? "unknown error";
}

/** The tfjs-node install (`--tensorflow`, `--gpu`). */
async function setUpTensorflow(gpu: boolean): Promise<void> {
  const pkg = nativePackage(gpu);
  const name = pkg.slice(0, pkg.lastIndexOf("@"));
  const saved = new Map<string, string | null>();
  for (const file of ["deno.json", "deno.lock"]) {
    saved.set(file, await Deno.readTextFile(join(REPO_ROOT, file)).catch(() => null));
  }
  const restore = async () => {
    for (const [file, text] of saved) {
      if (text !== null) await Deno.writeTextFile(join(REPO_ROOT, file), text);
    }
  };
  console.log(`setup:native: installing ${pkg} (its install script downloads libtensorflow)`);
  const install = await run(["install", `--allow-scripts=npm:${pkg}`, `npm:${pkg}`]);
  const load = install.ok
    ? await run(["eval", `await import("${name}"); console.log("loaded")`])
    : install;
  if (!install.ok || !load.ok) {
    await restore();
    console.error(
      `setup:native: ${name} is not usable here (${reason(load.output)}); ` +
        `nnlab keeps using the next tier (native where oneDNN loads, else wasm)`,
    );
    Deno.exit(1);
  }
  console.log(`setup:native: ${name} loads; the "tensorflow" backend is now preferred`);
}

if (import.meta.main) {
  const { gpu, tensorflow } = commandLineOrExit(
    Deno.args,
    { gpu: { type: "boolean" }, tensorflow: { type: "boolean" } },
    {},
    ({ values }) => ({ gpu: values.gpu === true, tensorflow: values.tensorflow === true }),
  );
  if (gpu || tensorflow) {
    await setUpTensorflow(gpu);
  } else {
    const { ok, message } = await setUpOneDnn();
    console.log(`setup:native: ${message}`);
    if (!ok) {
      console.error("setup:native: the native backend is not available; nnlab uses wasm");
      Deno.exit(1);
    }
  }
}
