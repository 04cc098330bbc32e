/**
 * Workgroup counts for a flat compute dispatch: one invocation per output element.
 *
 * WebGPU caps each dispatch dimension at `maxComputeWorkgroupsPerDimension` (65535 by
 * default), so a large output spreads its workgroups over x and y; tfjs-backend-webgpu's
 * shader header then rebuilds the flat index from the workgroup id (its `main(index)`
 * receives that index whatever the layout).
 *
 * @module
 */

/** The per-dimension cap every WebGPU device guarantees. */
export const MAX_WORKGROUPS_PER_DIMENSION = 65535;

/**
 * Workgroups `[x, y, 1]` covering `size` invocations in workgroups of `workgroupSize`.
 *
 * @param size invocations needed, >= 1
 * @param workgroupSize invocations per workgroup
 * @example
 * ```ts
 * flatDispatch(1000, 64); // [16, 1, 1]
 * flatDispatch(64 * 70000, 64); // [35000, 2, 1]
 * ```
 */
export function flatDispatch(size: number, workgroupSize: number): [number, number, number] {
  const groups = Math.max(1, Math.ceil(size / workgroupSize));
  if (groups <= MAX_WORKGROUPS_PER_DIMENSION) return [groups, 1, 1];
  const rows = Math.ceil(groups / MAX_WORKGROUPS_PER_DIMENSION);
  return [Math.ceil(groups / rows), rows, 1];
}
