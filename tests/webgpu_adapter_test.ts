/**
 * The webgpu tier's adapter handling: how adapters are described and told apart (software
 * or hardware), the one-line reasons when no adapter comes up (built on a fake file
 * system), and, on this machine's adapter, that `auto` refuses a software one while
 * `--backend webgpu` takes it.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { type BackendLoader, chooseBackend, DEFAULT_LOADERS } from "../lib/backend/init.ts";
import { adapterSummary, describeAdapter } from "../lib/kernels/webgpu/adapter_info.ts";
import { loadWebgpuBackend } from "../lib/kernels/webgpu/load.ts";
import {
  diagnoseVulkanDrivers,
  type DriverFileSystem,
  icdDirectories,
} from "../lib/kernels/webgpu/vulkan_drivers.ts";
import { webgpu, webgpuSuite } from "./webgpu_helpers.ts";

Deno.test("describeAdapter: lavapipe under Deno is software, by its flag and its name", () => {
  const lavapipe = describeAdapter({
    vendor: "65541",
    architecture: "",
    device: "0",
    description: "llvmpipe (LLVM 15.0.6, 256 bits)",
    isFallbackAdapter: true,
  });
  assert.equal(lavapipe.vendor, "mesa");
  assert.equal(lavapipe.vendorId, "65541");
  assert.ok(lavapipe.software);
  assert.equal(adapterSummary(lavapipe), "llvmpipe (LLVM 15.0.6, 256 bits) [mesa, software]");
  // Without the flag (an older WebGPU, or GL), the name still gives it away.
  const unflagged = describeAdapter({ vendor: "65541", description: "llvmpipe (LLVM 15)" });
  assert.ok(unflagged.software);
  assert.match(unflagged.softwareReason, /llvmpipe/);
  // Mesa's vendor id alone.
  assert.ok(describeAdapter({ vendor: "65541", description: "" }).software);
  // The adapter's own flag, where an older WebGPU puts it.
  assert.ok(describeAdapter({ vendor: "4318", description: "x" }, true).software);
  for (const description of ["SwiftShader Device (Subzero)", "Microsoft Basic Render Driver"]) {
    assert.ok(describeAdapter({ vendor: "x", description }).software, description);
  }
});

Deno.test("describeAdapter: real GPUs are hardware, their PCI vendor ids named", () => {
  const cases: [string, string, string][] = [
    ["4318", "NVIDIA GeForce RTX 3090", "nvidia"],
    ["4098", "AMD Radeon RX 6800 (RADV NAVI21)", "amd"],
    ["32902", "Intel(R) Xe Graphics (TGL GT2)", "intel"],
    ["apple", "Apple M2", "apple"],
  ];
  for (const [vendor, description, name] of cases) {
    const info = describeAdapter({ vendor, description, architecture: "", device: "0" });
    assert.equal(info.vendor, name, description);
    assert.equal(info.software, false, description);
    assert.equal(info.softwareReason, "");
    assert.match(adapterSummary(info), new RegExp(`\\[${name}, hardware\\]$`));
  }
});

/** A fake file system holding `files` (path -> text; directories are implied). */
function fakeFs(files: Record<string, string>): DriverFileSystem {
  return {
    exists: (path) => path in files || Object.keys(files).some((f) => f.startsWith(`${path}/`)),
    list: (dir) =>
      Object.keys(files).filter((f) => f.startsWith(`${dir}/`))
        .map((f) => f.slice(dir.length + 1)).filter((name) => !name.includes("/")),
    read: (path) => files[path],
  };
}

const LOADER = "/usr/lib/x86_64-linux-gnu/libvulkan.so.1";
const manifest = (library: string) => JSON.stringify({ ICD: { library_path: library } });

Deno.test("icdDirectories: the Vulkan loader's search order, XDG variables honoured", () => {
  assert.deepEqual(icdDirectories({ HOME: "/home/u" }), [
    "/etc/xdg/vulkan/icd.d",
    "/etc/vulkan/icd.d",
    "/home/u/.local/share/vulkan/icd.d",
    "/usr/local/share/vulkan/icd.d",
    "/usr/share/vulkan/icd.d",
  ]);
  assert.deepEqual(icdDirectories({ XDG_DATA_DIRS: "/opt/share", XDG_CONFIG_DIRS: "/cfg" }), [
    "/cfg/vulkan/icd.d",
    "/etc/vulkan/icd.d",
    "/opt/share/vulkan/icd.d",
  ]);
});

Deno.test("diagnoseVulkanDrivers: each missing piece is named in one line", () => {
  const line = (files: Record<string, string>, env: Record<string, string> = {}) => {
    const message = diagnoseVulkanDrivers(fakeFs(files), env);
    assert.ok(!message.includes("\n"), message);
    return message;
  };
  assert.match(line({}), /libvulkan\.so\.1 is not installed .*apt-get install libvulkan1/);
  assert.match(line({ [LOADER]: "" }), /no Vulkan driver manifest .* \/usr\/share\/vulkan\/icd\.d/);
  assert.match(
    line({ [LOADER]: "", "/proc/driver/nvidia/version": "NVRM 550" }),
    /NVIDIA driver is loaded but its Vulkan manifest nvidia_icd\.json .*graphics/,
  );
  assert.match(
    line({
      [LOADER]: "",
      "/usr/share/vulkan/icd.d/radeon_icd.x86_64.json": manifest("/usr/lib/libvulkan_radeon.so"),
    }),
    /radeon_icd\.x86_64\.json names \/usr\/lib\/libvulkan_radeon\.so, which is missing/,
  );
  assert.match(
    line({ [LOADER]: "", "/etc/vulkan/icd.d/broken.json": "{ not json" }),
    /broken\.json is not valid JSON/,
  );
  // A bare library name is looked up in the library directories, as dlopen does.
  assert.match(
    line({
      [LOADER]: "",
      "/usr/lib/x86_64-linux-gnu/libGLX_nvidia.so.0": "",
      "/usr/share/vulkan/icd.d/nvidia_icd.json": manifest("libGLX_nvidia.so.0"),
      "/dev/nvidia0": "",
    }),
    /nvidia_icd\.json are installed but none offered an adapter .*\/dev\/nvidia/,
  );
  // VK_DRIVER_FILES replaces the search.
  assert.match(
    line({ [LOADER]: "" }, { VK_DRIVER_FILES: "/nonexistent.json" }),
    /\/nonexistent\.json is missing or unreadable/,
  );
});

/** A stand-in for the tiers below webgpu: records that it ran. */
function standIn(name: "wasm" | "cpu", ran: string[]): BackendLoader {
  return {
    name,
    load() {
      ran.push(name);
      return Promise.resolve();
    },
  };
}

webgpuSuite("webgpu loader", () => {
  const webgpuLoader = DEFAULT_LOADERS.find((loader) => loader.name === "webgpu")!;
  const adapter = webgpu.info!.adapter;

  Deno.test("webgpu loader: the adapter is recorded with vendor, device and its kind", () => {
    assert.ok(adapter.description.length > 0 || adapter.device.length > 0);
    assert.equal(typeof adapter.software, "boolean");
    assert.equal(webgpu.info!.version, "4.22.0");
    assert.ok(webgpu.info!.maxStorageBufferBindingSize >= 128 * 2 ** 20);
  });

  Deno.test(
    `webgpu loader: auto ${adapter.software ? "refuses" : "takes"} this adapter (${
      adapterSummary(adapter)
    })`,
    async () => {
      const ran: string[] = [];
      const chosen = await chooseBackend("auto", {}, [webgpuLoader, standIn("wasm", ran)]);
      if (adapter.software) {
        assert.equal(chosen.backend, "wasm");
        assert.deepEqual(ran, ["wasm"]);
        assert.equal(chosen.skipped.length, 1);
        assert.match(chosen.skipped[0], /^webgpu: the only adapter is .*software adapter/);
        await assert.rejects(loadWebgpuBackend(), /software adapter/);
      } else {
        assert.equal(chosen.backend, "webgpu");
      }
      await tf.setBackend("cpu");
    },
  );

  Deno.test("webgpu loader: --backend webgpu takes any adapter and makes it tfjs's backend", async () => {
    const chosen = await chooseBackend("webgpu", {}, [webgpuLoader]);
    assert.equal(chosen.backend, "webgpu");
    assert.equal(tf.getBackend(), "webgpu");
    await tf.setBackend("cpu");
  });
});
