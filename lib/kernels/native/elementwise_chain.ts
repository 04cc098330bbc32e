/**
 * A chain of elementwise float32 operations over same-size vectors (and scalars) as one
 * oneDNN binary primitive with post-ops: one pass over memory for what tf ops do in as
 * many passes and kernel calls as there are operations.
 *
 * oneDNN applies post-ops in float32 registers, one instruction per operation, so each
 * intermediate is rounded to float32 exactly as a separate kernel would round it: the
 * chain gives the bits of the unfused operations. (So eltwise `linear` is used only as a
 * negation, alpha -1 and beta 0, where a fused multiply-add rounds the same.)
 *
 * @module
 */
import { ARG } from "./abi.ts";
import { binaryDesc } from "./descriptors.ts";
import { memoryDesc, plain } from "./memory_desc.ts";
import { type Data, type PostOp, postOpSrc1Arg, Primitive } from "./primitive.ts";

/** An operand: a vector, or a number (a float32 scalar, broadcast). */
export type ChainOperand = Float32Array<ArrayBuffer> | number;

/** A step after the first operation: binary with a vector or a scalar, or eltwise. */
export type ChainStep =
  | { binary: number; with: ChainOperand }
  | { eltwise: number; alpha?: number; beta?: number };

/** A chain's primitive and a one-element buffer per scalar operand, reused every run. */
interface Chain {
  primitive: Primitive;
  scalars: Float32Array<ArrayBuffer>[];
}

const chains = new Map<string, Chain>();

/**
 * `out = steps(binary(a, b))`, every vector operand of length `out.length`; numbers are
 * float32 scalars (rounded as tfjs rounds a number it makes a tensor of), broadcast.
 * `a` must be a vector.
 *
 * @example
 * ```ts
 * import { ALG } from "./abi.ts";
 * const w = new Float32Array(1000).fill(1), g = new Float32Array(1000).fill(2);
 * const out = new Float32Array(1000);
 * // w - 0.1 g, rounded like tf.sub(w, tf.mul(0.1, g)):
 * runChain({ binary: ALG.binaryMul, a: g, b: 0.1 },
 *   [{ binary: ALG.binarySub, with: w }, { eltwise: ALG.eltwiseLinear, alpha: -1 }], out);
 * ```
 */
export function runChain(
  first: { binary: number; a: Float32Array<ArrayBuffer>; b: ChainOperand },
  steps: ChainStep[],
  out: Float32Array<ArrayBuffer>,
): void {
  const n = out.length;
  const isScalar = (v: ChainOperand) => typeof v === "number" || v.length === 1;
  let key = `chain ${n} ${first.binary} ${isScalar(first.b)}`;
  for (const s of steps) {
    key += "binary" in s
      ? ` b${s.binary}:${isScalar(s.with)}`
      : ` e${s.eltwise}:${s.alpha ?? 0}:${s.beta ?? 0}`;
  }
  let chain = chains.get(key);
  if (chain === undefined) {
    // A process that sweeps sizes would grow this without bound; training repeats a few.
    if (chains.size >= 512) {
      for (const old of chains.values()) old.primitive.destroy();
      chains.clear();
    }
    chain = buildChain(n, first, steps);
    chains.set(key, chain);
  }
  const data: Data[] = [first.a, operand(chain, 0, first.b), out];
  let slot = 1;
  for (const s of steps) {
    if ("binary" in s) data.push(operand(chain, typeof s.with === "number" ? slot++ : -1, s.with));
  }
  chain.primitive.run(data);
}

/** A vector as is; a number written into the chain's next scalar buffer. */
function operand(chain: Chain, slot: number, value: ChainOperand): Data {
  if (typeof value !== "number") return value;
  const buffer = chain.scalars[slot];
  buffer[0] = value;
  return buffer;
}

function buildChain(
  n: number,
  first: { binary: number; b: ChainOperand },
  steps: ChainStep[],
): Chain {
  const full = memoryDesc(plain([n]));
  const one = memoryDesc(plain([1]));
  const md = (v: ChainOperand) => (typeof v === "number" || v.length === 1 ? one : full);
  const postOps: PostOp[] = steps.map((s) =>
    "binary" in s
      ? { binary: s.binary, src1: md(s.with) }
      : { alg: s.eltwise, alpha: s.alpha, beta: s.beta }
  );
  const primitive = new Primitive(binaryDesc(first.binary, full, md(first.b), full), {
    operands: [
      { arg: ARG.src, desc: full },
      { arg: ARG.src1, desc: md(first.b) },
      { arg: ARG.dst, desc: full, output: true },
      ...steps.flatMap((s, i) =>
        "binary" in s ? [{ arg: postOpSrc1Arg(i), desc: md(s.with) }] : []
      ),
    ],
    postOps,
  });
  // Slot 0 is the first operation's b, then one per scalar step, in order.
  const count = 1 + steps.filter((s) => "binary" in s && typeof s.with === "number").length;
  return { primitive, scalars: Array.from({ length: count }, () => new Float32Array(1)) };
}
