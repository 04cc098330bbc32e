/**
 * Finding and opening oneDNN (libdnnl) through Deno FFI.
 *
 * Where we look, in order: the file `NNLAB_ONEDNN_LIB` names (and nowhere else when it is
 * set); the dynamic loader's own search (`LD_LIBRARY_PATH`, the ld.so cache, macOS's dyld
 * paths) for the platform's names; then the usual prefixes of conda (`CONDA_PREFIX`),
 * Homebrew (`HOMEBREW_PREFIX`, /opt/homebrew, /usr/local, /home/linuxbrew/.linuxbrew) and
 * Intel's oneAPI installer. The backend is written against oneDNN 2.x's C API (op
 * descriptors initialised by `dnnl_*_desc_init`; tested with 2.6.3, Debian/Ubuntu's
 * `libdnnl2`); oneDNN 3.x replaced that API, so a 3.x library is reported, not used.
 *
 * @module
 */
import { CPU_RUNTIME, VERSION_T } from "./abi.ts";
import { ONEDNN_SYMBOLS, type OneDnnSymbols } from "./symbols.ts";

/** The environment variable that points at a libdnnl anywhere. */
export const ONEDNN_LIB_ENV = "NNLAB_ONEDNN_LIB";

/** The oneDNN major version this binding speaks. */
export const SUPPORTED_MAJOR = 2;

/** What `dnnl_version()` reports. */
export interface OneDnnVersion {
  major: number;
  minor: number;
  patch: number;
  /** Git hash of the sources, when the build recorded it. */
  hash: string;
  /** CPU threading runtime: "OpenMP", "TBB", "sequential" or "threadpool". */
  cpuRuntime: string;
}

/** An opened libdnnl. */
export interface OneDnnLibrary {
  /** The name or path that loaded. */
  path: string;
  version: OneDnnVersion;
  symbols: OneDnnSymbols;
  close(): void;
}

/** File names of libdnnl on this platform, preferred first. */
export function libraryNames(os: typeof Deno.build.os = Deno.build.os): string[] {
  if (os === "darwin") return ["libdnnl.2.dylib", "libdnnl.dylib", "libdnnl.3.dylib"];
  if (os === "windows") return ["dnnl.dll"];
  return ["libdnnl.so.2", "libdnnl.so", "libdnnl.so.3"];
}

/**
 * Every place to try, in order: bare names (the loader's search) first, then the names
 * under each known prefix's lib folder.
 *
 * @example
 * ```ts
 * libraryCandidates({ CONDA_PREFIX: "/opt/conda" }, "linux");
 * // ["libdnnl.so.2", ..., "/opt/conda/lib/libdnnl.so.2", ...]
 * ```
 */
export function libraryCandidates(
  env: Record<string, string | undefined>,
  os: typeof Deno.build.os = Deno.build.os,
): string[] {
  const names = libraryNames(os);
  const prefixes = [
    env.CONDA_PREFIX,
    env.HOMEBREW_PREFIX,
    ...(os === "darwin" ? ["/opt/homebrew", "/usr/local"] : []),
    ...(os === "linux" ? ["/home/linuxbrew/.linuxbrew", "/usr/local", "/opt/conda"] : []),
    "/opt/intel/oneapi/dnnl/latest",
  ].filter((p): p is string => typeof p === "string" && p !== "");
  const paths = [...new Set(prefixes)].flatMap((prefix) =>
    names.map((name) => `${prefix.replace(/\/$/, "")}/lib/${name}`)
  );
  return [...names, ...paths];
}

/**
 * The variables the library search reads. Each is read alone and a denied read counts as
 * unset, so a confined process (a reproduction, allowed only named variables) searches too.
 */
function libraryEnvironment(): Record<string, string | undefined> {
  return {
    [ONEDNN_LIB_ENV]: readEnv(() => Deno.env.get("NNLAB_ONEDNN_LIB")),
    CONDA_PREFIX: readEnv(() => Deno.env.get("CONDA_PREFIX")),
    HOMEBREW_PREFIX: readEnv(() => Deno.env.get("HOMEBREW_PREFIX")),
  };
}

/** A variable's value, or undefined where it is unset or may not be read. */
function readEnv(read: () => string | undefined): string | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

/** Reads `dnnl_version()` of a library opened with at least that symbol. */
function readVersion(pointer: Deno.PointerValue): OneDnnVersion {
  if (pointer === null) throw new Error("dnnl_version() returned NULL");
  const view = new Deno.UnsafePointerView(pointer);
  const hashPointer = view.getPointer(VERSION_T.hash);
  const runtime = view.getUint32(VERSION_T.cpuRuntime);
  return {
    major: view.getInt32(VERSION_T.major),
    minor: view.getInt32(VERSION_T.minor),
    patch: view.getInt32(VERSION_T.patch),
    hash: hashPointer === null ? "" : Deno.UnsafePointerView.getCString(hashPointer),
    cpuRuntime: CPU_RUNTIME[runtime] ?? `runtime ${runtime}`,
  };
}

/** Formats a version as `2.6.3`. */
export function versionString(v: OneDnnVersion): string {
  return `${v.major}.${v.minor}.${v.patch}`;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0];
}

/** Why one candidate did not load: missing, unloadable, or the wrong major version. */
type Probe = { ok: true; version: OneDnnVersion } | { ok: false; reason: string };

function probe(candidate: string): Probe {
  const isPath = candidate.includes("/") || candidate.includes("\\");
  if (isPath) {
    try {
      Deno.statSync(candidate);
    } catch {
      return { ok: false, reason: "no such file" };
    }
  }
  let lib;
  try {
    lib = Deno.dlopen(candidate, { dnnl_version: ONEDNN_SYMBOLS.dnnl_version });
  } catch (error) {
    return { ok: false, reason: firstLine(error) };
  }
  try {
    return { ok: true, version: readVersion(lib.symbols.dnnl_version()) };
  } finally {
    lib.close();
  }
}

/** The one-line advice every "not found" error ends with. */
export const INSTALL_HINT = "run `deno task setup:native` (Debian/Ubuntu: apt-get install " +
  `libdnnl2) or set ${ONEDNN_LIB_ENV} to the path of a oneDNN ${SUPPORTED_MAJOR}.x libdnnl`;

/**
 * Finds and opens libdnnl with the full symbol table. Throws an Error whose message says
 * in one line what is missing: no library (and where we looked), a library of the wrong
 * major version (its path and version), or a library that lacks a function we call.
 *
 * @example
 * ```ts
 * const lib = openOneDnn();
 * console.log(lib.path, lib.version.cpuRuntime); // libdnnl.so.2 OpenMP
 * ```
 */
export function openOneDnn(
  env: Record<string, string | undefined> = libraryEnvironment(),
): OneDnnLibrary {
  const forced = env[ONEDNN_LIB_ENV];
  const candidates = forced ? [forced] : libraryCandidates(env);
  const wrongVersion: string[] = [];
  for (const candidate of candidates) {
    const found = probe(candidate);
    if (!found.ok) {
      if (forced) {
        throw new Error(
          `oneDNN: ${ONEDNN_LIB_ENV}=${forced} does not load (${found.reason}); ${INSTALL_HINT}`,
        );
      }
      continue;
    }
    const { version } = found;
    if (version.major !== SUPPORTED_MAJOR) {
      wrongVersion.push(`${candidate} is oneDNN ${versionString(version)}`);
      continue;
    }
    let lib;
    try {
      lib = Deno.dlopen(candidate, ONEDNN_SYMBOLS);
    } catch (error) {
      throw new Error(
        `oneDNN: ${candidate} (${versionString(version)}) lacks a function nnlab calls ` +
          `(${firstLine(error)}); ${INSTALL_HINT}`,
      );
    }
    return { path: candidate, version, symbols: lib.symbols, close: () => lib.close() };
  }
  if (wrongVersion.length > 0) {
    throw new Error(
      `oneDNN: ${wrongVersion.join("; ")}, but nnlab's native backend needs ` +
        `${SUPPORTED_MAJOR}.x; ${INSTALL_HINT}`,
    );
  }
  const where = forced
    ? forced
    : `${libraryNames().join(", ")} and ${
      candidates.length - libraryNames().length
    } paths under conda/Homebrew/oneAPI prefixes`;
  throw new Error(`oneDNN library not found (tried ${where}); ${INSTALL_HINT}`);
}
