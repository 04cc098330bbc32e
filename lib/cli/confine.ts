/**
 * The Deno permissions a page's embedded script runs with under `reproduce`: read the
 * workspace copy and the data it needs, write only inside the copy, no network, no
 * subprocess, FFI only for the backend's own library, and only the environment variables
 * nnlab reads. Everything the reproduction needs is computed inside that one process.
 *
 * Two things Deno's permissions do not cover are closed here too:
 * - Deno checks a path as written, not where its symlinks lead. The copy links
 *   node_modules and the data sets to the repository's, so write access is granted only
 *   to the copy's own folders that hold no link (plots/ and the run store), never to the
 *   copy as a whole.
 * - Deno loads modules itself: remote imports, and npm packages it would install into
 *   the (linked) node_modules. `--no-remote`, `--cached-only` and
 *   `--node-modules-dir=manual` turn both off. Static imports of local files are not
 *   permission-checked at all; `reproduce` checks the script's module graph before
 *   running it.
 *
 * @module
 */

/**
 * The environment variables a study reads (every `Deno.env.get` in a study script's module
 * graph); with {@linkcode TYPESCRIPT_ENV_VARIABLES}, the only ones a confined script may read.
 */
export const NNLAB_ENV_VARIABLES: readonly string[] = [
  "NNLAB_BACKEND",
  "NNLAB_RUNS_DIR",
  // the webgpu tier points the Vulkan loader at a private runtime folder when none is set
  "TMPDIR",
  "XDG_RUNTIME_DIR",
  // the native tier: where libdnnl is, and OpenMP's idle policy it sets while loading it
  "NNLAB_ONEDNN_LIB",
  "CONDA_PREFIX",
  "HOMEBREW_PREFIX",
  "OMP_WAIT_POLICY",
];

/**
 * What the `typescript` package reads from the environment when it loads (a run's identity
 * parses code with it): its watcher and terminal settings, nothing secret. Denied, the
 * read throws and the study cannot start.
 */
export const TYPESCRIPT_ENV_VARIABLES: readonly string[] = [
  "COLORTERM",
  "NODE_ENV",
  "NODE_INSPECTOR_IPC",
  "NO_COLOR",
  "OS",
  "TERM",
  "TERM_PROGRAM",
  // TSC_WATCHFILE, TSC_WATCH_POLLINGINTERVAL_<level> and the other watcher settings
  "TSC_*",
  "VSCODE_INSPECTOR_OPTIONS",
  "WT_SESSION",
];

/**
 * System information the frame records with every run (`hostInfo`: `os.cpus()` and
 * `Deno.osRelease()`); nothing that names the user, the host or its network.
 */
export const CONFINED_SYS: readonly string[] = ["cpus", "osRelease"];

/** What a confined script may touch. */
export interface Confinement {
  /** Folders and files it may read: the workspace copy, node_modules, the data sets. */
  read: string[];
  /** Folders it may write, each inside the copy and holding no symlink. */
  write: string[];
  /** Native libraries it may load through FFI (the backend's own), if any. */
  ffi?: string[];
}

/**
 * The `deno run` flags of a confined script: its permissions, no prompt, and no module
 * loading beyond the local files and the installed npm packages.
 *
 * @example
 * ```ts
 * const work = "/tmp/nnlab-reproduce-x", nodeModules = "/repo/node_modules";
 * const flags = confinedRunFlags({ read: [work, nodeModules], write: [`${work}/plots`] });
 * // ["--no-prompt", "--no-remote", ..., "--allow-read=/tmp/w,/repo/node_modules", ...]
 * ```
 */
export function confinedRunFlags(confinement: Confinement): string[] {
  const list = (paths: readonly string[]) => {
    for (const path of paths) {
      // Deno splits the list on commas; a path holding one would grant something else.
      if (path.includes(",")) {
        throw new Error(`confine: got ${JSON.stringify(path)}; expected a path without ","`);
      }
    }
    return paths.join(",");
  };
  const flags = [
    "--no-prompt",
    "--no-remote",
    "--cached-only",
    "--node-modules-dir=manual",
    `--allow-read=${list(confinement.read)}`,
    `--allow-write=${list(confinement.write)}`,
    `--allow-env=${[...NNLAB_ENV_VARIABLES, ...TYPESCRIPT_ENV_VARIABLES].join(",")}`,
    `--allow-sys=${CONFINED_SYS.join(",")}`,
  ];
  if (confinement.ffi && confinement.ffi.length > 0) {
    flags.push(`--allow-ffi=${list(confinement.ffi)}`);
  }
  return flags;
}

/** A permission Deno denied: its name (read, write, net, run, env, ffi, sys, import) and target. */
export interface DeniedAccess {
  permission: string;
  /** What was asked for, e.g. a path, `example.com:80`, a program name. */
  target: string;
}

/**
 * The first permission Deno reports as denied in a script's output ("Requires write
 * access to "/x", run again with the --allow-write flag"), if any.
 *
 * @example
 * ```ts
 * deniedAccess('error: Requires net access to "example.com:80", run again with ...');
 * // { permission: "net", target: "example.com:80" }
 * ```
 */
export function deniedAccess(output: string): DeniedAccess | undefined {
  const match = /Requires (\w+) access to (?:"([^"]*)"|(\S+?)),? run again/.exec(output) ??
    /Requires (\w+) access(?: to (?:"([^"]*)"|(\S+)))?/.exec(output);
  if (!match) return undefined;
  return { permission: match[1], target: match[2] ?? match[3] ?? "" };
}
