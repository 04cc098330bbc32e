/**
 * Blocks: modules built from named layers, whose parameters are keyed
 * `<layer>.<param>` (`conv.W`, `bn.gamma`).
 *
 * @example
 * ```ts
 * import { ResidualBlock } from "./lib/blocks/mod.ts";
 * const block = new ResidualBlock({ channels: 8, seed: 0 });
 * Object.keys(block.params); // ["conv.W", "conv.b"]
 * ```
 *
 * @module
 */
export {
  checkChildNames,
  disposeModule,
  hasChildren,
  type ModuleWithChildren,
  type NamedModule,
  prefixedVariables,
} from "./children.ts";
export { Block, childInit } from "./block.ts";
export { ResidualBlock, type ResidualBlockOptions } from "./residual.ts";
export { PreActResidualBlock, type PreActResidualBlockOptions } from "./preact_residual.ts";
export { BiasFreeConv2d, type BiasFreeConv2dOptions } from "./bias_free_conv.ts";
export { BasicBlock, type BasicBlockOptions, ProjectionShortcut } from "./basic_block.ts";
export { ConvNeXtBlock, type ConvNeXtBlockOptions } from "./convnext_block.ts";
export { ConvNeXtDownsampler, type ConvNeXtDownsamplerOptions } from "./convnext_downsampler.ts";
