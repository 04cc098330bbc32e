/**
 * Installing oneDNN for the native backend, for `deno task setup:native`: where the
 * library already loads, say so; on Debian/Ubuntu, `apt-get install libdnnl2` as root or
 * through passwordless sudo; on macOS, Homebrew's `onednn`; otherwise, or when that is
 * not possible, one line saying what to install. Each outcome is one line.
 *
 * Homebrew and recent conda builds ship oneDNN 3.x, whose C API the backend does not
 * speak (library.ts); a 2.x build from conda-forge (`onednn=2`) with `NNLAB_ONEDNN_LIB`
 * is then the way, and the message says so.
 *
 * @module
 */
import { INSTALL_HINT, ONEDNN_LIB_ENV, openOneDnn, versionString } from "./library.ts";

/** What the set-up did, in one line, and whether oneDNN now loads. */
export interface OneDnnSetup {
  ok: boolean;
  message: string;
}

/** Runs a command; true when it exits 0. Output is shown (installers print progress). */
async function run(command: string, args: string[]): Promise<boolean> {
  try {
    const { success } = await new Deno.Command(command, {
      args,
      stdout: "inherit",
      stderr: "inherit",
      env: { DEBIAN_FRONTEND: "noninteractive" },
    }).output();
    return success;
  } catch {
    return false;
  }
}

/** Runs a command silently; true when it exits 0. */
async function quietly(command: string, args: string[]): Promise<boolean> {
  try {
    const { success } = await new Deno.Command(command, { args, stdout: "null", stderr: "null" })
      .output();
    return success;
  } catch {
    return false;
  }
}

function loads(): { ok: true; line: string } | { ok: false; reason: string } {
  try {
    const library = openOneDnn();
    const line = `oneDNN ${versionString(library.version)} loads from ${library.path} ` +
      `(${library.version.cpuRuntime}); the "native" backend is available`;
    library.close();
    return { ok: true, line };
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
}

/** apt-get, as root or through passwordless sudo; undefined when neither is possible. */
async function aptCommand(): Promise<string[] | undefined> {
  if (!(await quietly("apt-get", ["--version"]))) return undefined;
  if (Deno.uid?.() === 0) return ["apt-get"];
  if (await quietly("sudo", ["-n", "true"])) return ["sudo", "-n", "apt-get"];
  return undefined;
}

/**
 * Makes oneDNN loadable where it can and reports what happened in one line.
 *
 * @example
 * ```ts
 * const { ok, message } = await setUpOneDnn();
 * console.log(message);
 * ```
 */
export async function setUpOneDnn(): Promise<OneDnnSetup> {
  const before = loads();
  if (before.ok) return { ok: true, message: before.line };
  if (Deno.env.get(ONEDNN_LIB_ENV)) return { ok: false, message: before.reason };

  if (Deno.build.os === "linux") {
    const apt = await aptCommand();
    if (apt === undefined) {
      const hasApt = await quietly("apt-get", ["--version"]);
      return {
        ok: false,
        message: hasApt
          ? "oneDNN is not installed and this user cannot run apt-get: run " +
            "`sudo apt-get install libdnnl2`, then `deno task setup:native` again"
          : `oneDNN is not installed and this is not a Debian/Ubuntu system: ${INSTALL_HINT}`,
      };
    }
    const [command, ...prefix] = apt;
    console.log(`setup:native: ${apt.join(" ")} install -y libdnnl2`);
    if (!(await run(command, [...prefix, "install", "-y", "-q", "libdnnl2"]))) {
      // The package lists may be stale or empty (fresh containers).
      await run(command, [...prefix, "update", "-q"]);
      await run(command, [...prefix, "install", "-y", "-q", "libdnnl2"]);
    }
  } else if (Deno.build.os === "darwin" && await quietly("brew", ["--version"])) {
    console.log("setup:native: brew install onednn");
    await run("brew", ["install", "onednn"]);
  } else {
    return { ok: false, message: `oneDNN is not installed: ${INSTALL_HINT}` };
  }

  const after = loads();
  if (after.ok) return { ok: true, message: after.line };
  const wrongMajor = /needs 2\.x/.test(after.reason);
  return {
    ok: false,
    message: wrongMajor
      ? `${after.reason.split(";")[0]}; install a 2.x build (conda install -c conda-forge ` +
        `"onednn=2") and set ${ONEDNN_LIB_ENV} to its libdnnl`
      : after.reason,
  };
}
