/**
 * Composition of modules: a block or a model owns an ordered list of named children and
 * exposes their parameters under PyTorch-style dotted names (`conv.W`, `block1.bn.gamma`).
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import { argumentError } from "../errors.ts";
import type { Module } from "../layers/module.ts";

/** A child module and the name its parameters are prefixed with. */
export type NamedModule = readonly [name: string, module: Module];

/** A module built from named children; the summary and the shape tracer walk `children`. */
export interface ModuleWithChildren extends Module {
  readonly children: readonly NamedModule[];
}

/**
 * Whether `module` exposes children (a block or a Sequential) rather than being a layer.
 *
 * @example
 * ```ts
 * import { hasChildren } from "./children.ts";
 * import { ResidualBlock } from "./residual.ts";
 * import { ReLU } from "../layers/activations.ts";
 *
 * hasChildren(new ResidualBlock({ channels: 8 })); // true
 * hasChildren(new ReLU()); // false
 * ```
 */
export function hasChildren(module: Module): module is ModuleWithChildren {
  return Array.isArray((module as Partial<ModuleWithChildren>).children);
}

/**
 * Checks that child names are non-empty, unique and free of dots (a dot separates the
 * levels of a parameter name), naming `owner` in the error.
 *
 * @example
 * ```ts
 * import { checkChildNames } from "./children.ts";
 * import { ReLU } from "../layers/activations.ts";
 * import { Conv2d } from "../layers/conv.ts";
 *
 * const conv = new Conv2d({ inChannels: 1, outChannels: 8, kernelSize: 3 });
 * checkChildNames("Sequential", [["conv1", conv], ["relu1", new ReLU()]]); // returns
 * // [["conv", conv], ["conv", new ReLU()]] throws
 * // 'Sequential: layer name: got "conv"; expected a name not used by another layer'
 * ```
 */
export function checkChildNames(owner: string, children: readonly NamedModule[]): void {
  const seen = new Set<string>();
  for (const [name] of children) {
    if (typeof name !== "string" || name === "" || name.includes(".")) {
      throw argumentError(`${owner}: layer name`, name, "a non-empty name without dots");
    }
    if (seen.has(name)) {
      throw argumentError(`${owner}: layer name`, name, "a name not used by another layer");
    }
    seen.add(name);
  }
}

/**
 * The children's parameters (or state, such as batchnorm's running statistics), keyed
 * `<child>.<key>`, in child order.
 *
 * @example
 * ```ts
 * import { prefixedVariables } from "./children.ts";
 * import { SpatialBatchNorm } from "../layers/batchnorm.ts";
 * import { Conv2d } from "../layers/conv.ts";
 *
 * const conv = new Conv2d({ inChannels: 1, outChannels: 8, kernelSize: 3 });
 * const bn = new SpatialBatchNorm(8);
 * const params = prefixedVariables([["conv", conv], ["bn", bn]], "params");
 * Object.keys(params); // ["conv.W", "conv.b", "bn.gamma", "bn.beta"]
 * Object.keys(prefixedVariables([["conv", conv], ["bn", bn]], "state")); // ["bn.runningMean", "bn.runningVar"]
 * ```
 */
export function prefixedVariables(
  children: readonly NamedModule[],
  kind: "params" | "state",
): Record<string, tf.Variable> {
  const out: Record<string, tf.Variable> = {};
  for (const [name, module] of children) {
    for (const [key, variable] of Object.entries(module[kind] ?? {})) {
      out[`${name}.${key}`] = variable;
    }
  }
  return out;
}

/**
 * Frees a module's parameters and state. The module must not be used afterwards.
 *
 * @example
 * ```ts
 * import { disposeModule } from "./children.ts";
 * import { ResidualBlock } from "./residual.ts";
 *
 * const block = new ResidualBlock({ channels: 8 });
 * disposeModule(block); // block.params and block.state are freed
 * block.params["conv.W"].isDisposed; // true
 * ```
 */
export function disposeModule(module: Module): void {
  for (const variable of Object.values(module.params)) variable.dispose();
  for (const variable of Object.values(module.state ?? {})) variable.dispose();
}
