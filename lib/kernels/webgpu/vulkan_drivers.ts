/**
 * Why Deno found no WebGPU adapter on Linux, in one line a user can act on.
 *
 * Deno's WebGPU reaches a Linux GPU through Vulkan: the Vulkan loader (libvulkan.so.1)
 * reads driver manifests ("ICD" files, `*.json`) from a few directories, and each names
 * the driver library to load. A headless server or container often has the GPU's kernel
 * driver but not its Vulkan manifest (NVIDIA's `nvidia_icd.json` ships with the user-space
 * driver and is mounted into containers only with the `graphics` capability), or has no
 * loader at all. This module looks where the loader looks and says which file is missing.
 *
 * Pure over an injected file system and environment, so tests build each situation.
 *
 * @module
 */

/** The few file-system questions the diagnosis asks. */
export interface DriverFileSystem {
  /** True when `path` exists (file or directory). */
  exists(path: string): boolean;
  /** Names of the entries of directory `path`; empty when it does not exist. */
  list(path: string): string[];
  /** The file's text, or undefined when it cannot be read. */
  read(path: string): string | undefined;
}

/** Where the library of the Vulkan loader and of bare-named drivers is looked up. */
const LIBRARY_DIRS = [
  "/usr/lib/x86_64-linux-gnu",
  "/usr/lib/aarch64-linux-gnu",
  "/usr/lib64",
  "/usr/lib",
  "/lib/x86_64-linux-gnu",
  "/lib/aarch64-linux-gnu",
  "/lib64",
  "/lib",
  "/usr/local/lib",
];

/**
 * The manifest directories the Vulkan loader searches on Linux, in its order:
 * `$XDG_CONFIG_DIRS` (default /etc/xdg), /etc, `$XDG_DATA_HOME` (default ~/.local/share),
 * `$XDG_DATA_DIRS` (default /usr/local/share:/usr/share), each with `vulkan/icd.d`.
 *
 * @example
 * ```ts
 * icdDirectories({}); // ["/etc/xdg/vulkan/icd.d", "/etc/vulkan/icd.d", ..., "/usr/share/vulkan/icd.d"]
 * ```
 */
export function icdDirectories(env: Record<string, string | undefined>): string[] {
  const split = (value: string | undefined, fallback: string) =>
    (value || fallback).split(":").filter((dir) => dir !== "");
  const home = env.HOME ? `${env.HOME}/.local/share` : "";
  const roots = [
    ...split(env.XDG_CONFIG_DIRS, "/etc/xdg"),
    "/etc",
    ...(env.XDG_DATA_HOME ? [env.XDG_DATA_HOME] : home ? [home] : []),
    ...split(env.XDG_DATA_DIRS, "/usr/local/share:/usr/share"),
  ];
  return [...new Set(roots.map((root) => `${root.replace(/\/$/, "")}/vulkan/icd.d`))];
}

/** One driver manifest: its path, and what is wrong with it (empty when loadable). */
interface Manifest {
  path: string;
  problem: string;
}

/** Reads a manifest's `ICD.library_path` and looks the library up the way dlopen would. */
function readManifest(fs: DriverFileSystem, path: string, libraryDirs: string[]): Manifest {
  const text = fs.read(path);
  if (text === undefined) return { path, problem: `${path} is missing or unreadable` };
  let library: string;
  try {
    library = String(JSON.parse(text)?.ICD?.library_path ?? "");
  } catch {
    return { path, problem: `${path} is not valid JSON` };
  }
  if (library === "") return { path, problem: `${path} has no ICD.library_path` };
  const candidates = library.startsWith("/")
    ? [library]
    : library.includes("/")
    ? [`${path.slice(0, path.lastIndexOf("/"))}/${library}`]
    : libraryDirs.map((dir) => `${dir}/${library}`);
  return candidates.some((candidate) => fs.exists(candidate))
    ? { path, problem: "" }
    : { path, problem: `${path} names ${candidates[0]}, which is missing` };
}

/**
 * One line saying why no Vulkan adapter came up: no loader, no manifest, a manifest whose
 * library is missing, or an NVIDIA kernel driver without its Vulkan manifest. Returns
 * the manifests found when every one of them looks loadable (then the cause is elsewhere:
 * a device node not passed to the container, a driver too old for Vulkan 1.1).
 *
 * `VK_DRIVER_FILES` / `VK_ICD_FILENAMES` replace the search, as they do for the loader.
 *
 * @example
 * ```ts
 * const empty: DriverFileSystem = { exists: () => false, list: () => [], read: () => undefined };
 * diagnoseVulkanDrivers(empty, {}); // "the Vulkan loader libvulkan.so.1 is not installed ..."
 * ```
 */
export function diagnoseVulkanDrivers(
  fs: DriverFileSystem,
  env: Record<string, string | undefined>,
): string {
  const libraryDirs = [
    ...(env.LD_LIBRARY_PATH ?? "").split(":").filter((dir) => dir !== ""),
    ...LIBRARY_DIRS,
  ];
  if (!libraryDirs.some((dir) => fs.exists(`${dir}/libvulkan.so.1`))) {
    return "the Vulkan loader libvulkan.so.1 is not installed " +
      "(Debian/Ubuntu: apt-get install libvulkan1)";
  }
  const override = env.VK_DRIVER_FILES || env.VK_ICD_FILENAMES;
  const searched = override ? override.split(":").filter((p) => p !== "") : icdDirectories(env);
  const paths = override
    ? searched.flatMap((p) =>
      p.endsWith(".json")
        ? [p]
        : fs.list(p).filter((n) => n.endsWith(".json")).map((n) => `${p}/${n}`)
    )
    : searched.flatMap((dir) =>
      fs.list(dir).filter((name) => name.endsWith(".json")).map((name) => `${dir}/${name}`)
    );
  const nvidiaLoaded = fs.exists("/proc/driver/nvidia/version") || fs.exists("/dev/nvidia0");
  const manifests = paths.map((path) => readManifest(fs, path, libraryDirs));
  const where = override ? `VK_DRIVER_FILES/VK_ICD_FILENAMES (${override})` : searched.join(", ");
  if (nvidiaLoaded && !manifests.some((m) => /nvidia/i.test(m.path))) {
    return "an NVIDIA driver is loaded but its Vulkan manifest nvidia_icd.json is in none of " +
      `${where}: install the NVIDIA Vulkan driver (Debian: nvidia-vulkan-icd), or in a ` +
      "container set NVIDIA_DRIVER_CAPABILITIES to include graphics";
  }
  if (manifests.length === 0) {
    return `no Vulkan driver manifest (*.json) in ${where}: install your GPU's Vulkan ` +
      "driver (Mesa: mesa-vulkan-drivers; NVIDIA: its Vulkan ICD)";
  }
  const broken = manifests.filter((m) => m.problem !== "");
  if (broken.length === manifests.length) {
    return `no Vulkan driver can load: ${broken.map((m) => m.problem).join("; ")}`;
  }
  const names = manifests.filter((m) => m.problem === "").map((m) => m.path.split("/").pop())
    .join(", ");
  return `Vulkan drivers ${names} are installed but none offered an adapter (is the GPU's ` +
    "device node, /dev/dri or /dev/nvidia*, visible to this process?)";
}

/**
 * The real file system, for {@linkcode diagnoseVulkanDrivers}; needs read permission on
 * the directories listed above (denied reads count as missing files).
 *
 * @example
 * ```ts
 * console.log(diagnoseVulkanDrivers(hostFileSystem, Deno.env.toObject()));
 * ```
 */
export const hostFileSystem: DriverFileSystem = {
  exists(path) {
    try {
      Deno.statSync(path);
      return true;
    } catch {
      return false;
    }
  },
  list(path) {
    try {
      return [...Deno.readDirSync(path)].map((entry) => entry.name).sort();
    } catch {
      return [];
    }
  },
  read(path) {
    try {
      return Deno.readTextFileSync(path);
    } catch {
      return undefined;
    }
  },
};
