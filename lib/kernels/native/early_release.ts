/**
 * Frees what backpropagation no longer needs as it goes, the way PyTorch's autograd does,
 * instead of at the end of the backward pass as tfjs 4.22 does.
 *
 * tfjs keeps every tensor a tape node saved for its gradient (the forward activations)
 * and every intermediate gradient until `tf.grads` returns, so a step's peak is roughly
 * the forward's saved tensors plus all their gradients; the ConvNeXt study at batch 128
 * peaked at 2.2 GB of tensors against PyTorch's 1.4 GB resident. Once a node's gradient
 * has run, neither its saved tensors nor the gradient of its outputs (its `dy`) is read
 * again: this module disposes them when the next node's gradient starts.
 *
 * How: `Engine.addTapeNode` is wrapped so that each recorded node's `gradient` closure
 * first releases the previous node's leftovers, then runs, and records the tensors its
 * input gradients return; `Engine.gradients` is wrapped to start each backward pass
 * afresh and to leave a caller's own `dy` alone. A `dy` is disposed only when no gradient function returned that
 * same tensor object twice (a pass-through gradient may hand one object to two inputs)
 * and the node itself did not return it; a saved tensor only when the node did not
 * return it. Only at gradient depth 0 (no higher-order gradients being recorded, the
 * same condition under which tfjs disposes saved tensors itself). Disposing a tensor
 * twice is a no-op in tfjs, so tfjs's own clean-up at the end is unaffected.
 *
 * Values are unchanged; only lifetimes are shorter. Installed by loadNativeBackend
 * (lib/kernels/native/mod.ts); it is independent of the backend.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/** The engine internals this module relies on (tfjs-core 4.22's Engine). */
interface TapeNode {
  saved?: tf.Tensor[];
  gradient?: (dys: (tf.Tensor | null)[]) => Record<string, () => tf.Tensor>;
}
interface EngineInternals {
  state: { activeTape: TapeNode[] | null; gradientDepth: number };
  addTapeNode(...args: unknown[]): void;
  gradients(f: () => tf.Tensor, xs: tf.Tensor[], dy?: tf.Tensor, allow?: boolean): unknown;
}

/** What a node leaves behind once its gradient ran. */
interface Leftovers {
  dys: (tf.Tensor | null)[];
  saved: tf.Tensor[];
  returned: Set<tf.Tensor>;
}

let installed = false;
let pending: Leftovers | undefined;
/** How many times a gradient function returned each tensor object, this pass. */
let returnCounts = new WeakMap<tf.Tensor, number>();
/** The caller's dy of the running pass, which is theirs to dispose. */
let callerDy: tf.Tensor | undefined;

function release(engine: EngineInternals): void {
  const leftovers = pending;
  pending = undefined;
  if (leftovers === undefined || engine.state.gradientDepth !== 0) return;
  for (const dy of leftovers.dys) {
    if (dy === null || dy === callerDy || leftovers.returned.has(dy)) continue;
    if ((returnCounts.get(dy) ?? 0) <= 1) dy.dispose();
  }
  for (const tensor of leftovers.saved) {
    if (!leftovers.returned.has(tensor)) tensor.dispose();
  }
}

function wrapGradient(engine: EngineInternals, node: TapeNode): void {
  const gradient = node.gradient;
  if (gradient === undefined) return;
  node.gradient = (dys) => {
    release(engine);
    const inputGradients = gradient(dys);
    const returned = new Set<tf.Tensor>();
    pending = { dys, saved: node.saved ?? [], returned };
    const wrapped: Record<string, () => tf.Tensor> = {};
    for (const [name, compute] of Object.entries(inputGradients)) {
      wrapped[name] = () => {
        const dx = compute();
        returned.add(dx);
        returnCounts.set(dx, (returnCounts.get(dx) ?? 0) + 1);
        return dx;
      };
    }
    return wrapped;
  };
}

/**
 * Makes the engine free saved tensors and intermediate gradients during the backward
 * pass. Idempotent.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * installEarlyRelease();
 * const w = tf.variable(tf.ones([3]));
 * const { grads } = tf.variableGrads(() => tf.sum(tf.square(w))); // same values
 * ```
 */
export function installEarlyRelease(): void {
  if (installed) return;
  const engine = tf.engine() as unknown as EngineInternals;
  const addTapeNode = engine.addTapeNode.bind(engine);
  engine.addTapeNode = (...args: unknown[]) => {
    addTapeNode(...args);
    const tape = engine.state.activeTape;
    if (tape !== null && tape.length > 0) wrapGradient(engine, tape[tape.length - 1]);
  };
  const gradients = engine.gradients.bind(engine);
  engine.gradients = (f, xs, dy, allow) => {
    resetEarlyRelease();
    callerDy = dy;
    try {
      return gradients(f, xs, dy, allow);
    } finally {
      resetEarlyRelease();
    }
  };
  installed = true;
}

/**
 * Forgets the bookkeeping of the last backward pass (each pass starts with it).
 *
 * @example
 * ```ts
 * resetEarlyRelease();
 * ```
 */
export function resetEarlyRelease(): void {
  pending = undefined;
  callerDy = undefined;
  returnCounts = new WeakMap();
}
