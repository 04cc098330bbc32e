/**
 * The common frame of the blocks: named children whose parameters the block exposes as
 * `<child>.<key>`, and the seeds the children draw their weights from.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import type { InitOptions } from "../layers/init.ts";
import { streamSeed } from "../layers/init.ts";
import type { ForwardOptions } from "../layers/module.ts";
import {
  checkChildNames,
  type ModuleWithChildren,
  type NamedModule,
  prefixedVariables,
} from "./children.ts";

/**
 * A module made of named children. Subclasses build the children, pass them to `super`
 * and write `forward` in terms of them.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { Block } from "./block.ts";
 * import { Conv2d } from "../layers/conv.ts";
 *
 * class Twice extends Block {
 *   constructor(readonly conv: Conv2d) { super("Twice", [["conv", conv]]); }
 *   forward(x: tf.Tensor) { return this.conv.forward(this.conv.forward(x)); }
 * }
 * const twice = new Twice(new Conv2d({ inChannels: 8, outChannels: 8, kernelSize: 3, pad: 1 }));
 * Object.keys(twice.params); // ["conv.W", "conv.b"]
 * ```
 */
export abstract class Block implements ModuleWithChildren {
  readonly children: readonly NamedModule[];
  readonly params: Record<string, tf.Variable>;
  readonly state: Record<string, tf.Variable>;

  constructor(owner: string, children: readonly NamedModule[]) {
    checkChildNames(owner, children);
    this.children = children;
    this.params = prefixedVariables(children, "params");
    this.state = prefixedVariables(children, "state");
  }

  abstract forward(x: tf.Tensor, options?: ForwardOptions): tf.Tensor;
}

/**
 * The initialization options of the child `name` of a block or model: the same scheme or
 * weight scale, and a seed of its own derived from the parent's, so that every child of
 * every block draws different weights and a seeded model is reproducible.
 *
 * @example
 * ```ts
 * import { childInit } from "./block.ts";
 * import { Conv2d } from "../layers/conv.ts";
 *
 * const options = { weightScale: 1e-2, seed: 0 }; // the block's
 * const init = childInit(options, "conv"); // { weightScale: 0.01, init: undefined, seed: 132015226 }
 * const conv = new Conv2d({ inChannels: 8, outChannels: 8, kernelSize: 3, ...init });
 * ```
 */
export function childInit(options: InitOptions, name: string): InitOptions {
  const { weightScale, init, seed } = options;
  // streamSeed is odd and below 2^32; halving keeps it a positive 31-bit integer.
  const derived = seed === undefined ? undefined : streamSeed(seed, `child:${name}`) >>> 1;
  return { weightScale, init, seed: derived };
}
