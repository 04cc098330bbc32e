/**
 * A oneDNN primitive ready to run on tfjs's buffers: its primitive descriptor, the
 * primitive, one memory object per operand (created without data: each run points it at
 * that run's buffer with `dnnl_memory_set_data_handle`), and, where the implementation
 * oneDNN picked wants an operand in another layout than tfjs's (blocked filters, say),
 * a reorder primitive and a buffer of that layout. Activations are always described in
 * tfjs's own layout, so only small operands (filters, their gradients) are ever reordered.
 *
 * Scratch space is the user's (`dnnl_scratchpad_mode_user`): one buffer, grown to the
 * largest any primitive asks for, shared by all of them, since they run one at a time.
 *
 * Buffers: every run passes the operands' current TypedArrays. Deno hands oneDNN the
 * address of their backing stores, which V8 does not move, and they are referenced by
 * the tensors they belong to for the whole (synchronous) call.
 *
 * @module
 */
import { ALG, ARG, ENUM, EXEC_ARG, QUERY, SIZEOF } from "./abi.ts";
import type { MemoryDesc } from "./memory_desc.ts";
import { check, oneDnn, outHandle } from "./runtime.ts";
import { threadsFor, useThreads } from "./threads.ts";

/** Memory a run reads or writes: a typed array or a whole buffer. */
export type Data = ArrayBufferView<ArrayBuffer> | ArrayBuffer;

/** One operand of a primitive. */
export interface Operand {
  /** `DNNL_ARG_*`. */
  arg: number;
  /**
   * The layout its data has in tfjs; absent for an operand that only oneDNN reads and
   * writes (a pooling workspace), whose layout is then the one `query` returns.
   */
  desc?: MemoryDesc;
  /**
   * The `dnnl_query_*_md` that asks the primitive which layout it wants for this operand;
   * absent when the primitive takes `desc` as it is.
   */
  query?: number;
  /** True when the primitive writes it. */
  output?: boolean;
}

/** An eltwise post-op: `dst = alg(dst; alpha, beta)`. */
export interface EltwisePostOp {
  alg: number;
  alpha?: number;
  beta?: number;
}

/**
 * The post-ops for a fused kernel's activation (tfjs's `activation` attribute of fused
 * conv2d and matmul), or undefined when oneDNN has none for it and the cpu kernel runs.
 *
 * @example
 * ```ts
 * import { ALG } from "./abi.ts";
 * activationPostOps("relu", undefined); // [{ alg: ALG.eltwiseRelu }]
 * activationPostOps("sigmoid", undefined); // undefined
 * ```
 */
export function activationPostOps(
  activation: unknown,
  leakyreluAlpha: unknown,
): EltwisePostOp[] | undefined {
  switch (activation ?? "linear") {
    case "linear":
      return [];
    case "relu":
      return [{ alg: ALG.eltwiseRelu }];
    case "relu6":
      return [{ alg: ALG.eltwiseClipV2, alpha: 0, beta: 6 }];
    case "leakyrelu":
      return [{ alg: ALG.eltwiseRelu, alpha: (leakyreluAlpha as number) ?? 0.2 }];
    default:
      return undefined;
  }
}

/**
 * A binary post-op: `dst = alg(dst, src1)`, src1 broadcast along its size-1 dims. Its
 * data is the operand whose arg is {@linkcode postOpSrc1Arg} of the post-op's index.
 */
export interface BinaryPostOp {
  binary: number;
  src1: MemoryDesc;
}

/** A post-op of either kind. */
export type PostOp = EltwisePostOp | BinaryPostOp;

/**
 * The exec arg of the second operand of post-op number `index` (0-based, counting every
 * post-op): `DNNL_ARG_ATTR_MULTIPLE_POST_OP(index) | DNNL_ARG_SRC_1`.
 *
 * @example
 * ```ts
 * import { memoryDesc, plain } from "./memory_desc.ts";
 * const operand = { arg: postOpSrc1Arg(0), desc: memoryDesc(plain([1])) }; // first post-op's
 * ```
 */
export function postOpSrc1Arg(index: number): number {
  return (ARG.postOpBase * (index + 1)) | ARG.src1;
}

/** What {@linkcode Primitive} needs besides the op descriptor. */
export interface PrimitiveOptions {
  operands: Operand[];
  postOps?: PostOp[];
  /** The forward primitive a backward one is paired with (oneDNN's hint). */
  hint?: Primitive;
}

const pointerOf = (bytes: Uint8Array<ArrayBuffer>) => Deno.UnsafePointer.of(bytes);

/** A primitive and its memory objects, plus the exec-args array that names them. */
class Executable {
  readonly primitive: Deno.PointerObject;
  readonly memories: Deno.PointerObject[];
  readonly args: Uint8Array<ArrayBuffer>;

  constructor(pd: Deno.PointerObject, args: { arg: number; desc: Deno.PointerValue }[]) {
    const { symbols, engine } = oneDnn();
    this.primitive = outHandle(
      (out) => symbols.dnnl_primitive_create(out, pd),
      "dnnl_primitive_create",
    );
    this.memories = args.map(({ desc }) =>
      outHandle((out) => symbols.dnnl_memory_create(out, desc, engine, null), "dnnl_memory_create")
    );
    this.args = new Uint8Array(args.length * SIZEOF.execArg);
    const view = new DataView(this.args.buffer);
    args.forEach(({ arg }, i) => {
      view.setInt32(i * SIZEOF.execArg + EXEC_ARG.argOffset, arg, true);
      view.setBigUint64(
        i * SIZEOF.execArg + EXEC_ARG.memoryOffset,
        BigInt(Deno.UnsafePointer.value(this.memories[i])),
        true,
      );
    });
  }

  run(data: Data[]): void {
    const { symbols, stream } = oneDnn();
    for (let i = 0; i < data.length; i++) {
      check(symbols.dnnl_memory_set_data_handle(this.memories[i], data[i]), "set_data_handle");
    }
    check(
      symbols.dnnl_primitive_execute(this.primitive, stream, data.length, this.args),
      "dnnl_primitive_execute",
    );
  }

  destroy(): void {
    const { symbols } = oneDnn();
    for (const memory of this.memories) symbols.dnnl_memory_destroy(memory);
    symbols.dnnl_primitive_destroy(this.primitive);
  }
}

/** A reorder between tfjs's layout and the primitive's, with the buffer it fills. */
interface Reorder {
  executable: Executable;
  pd: Deno.PointerObject;
  buffer: ArrayBuffer;
  output: boolean;
}

/** The shared scratchpad: one buffer, grown on demand. */
let scratchpad = new ArrayBuffer(0);

function ensureScratchpad(bytes: number): void {
  if (bytes > scratchpad.byteLength) scratchpad = new ArrayBuffer(bytes);
}

/** Bytes of the largest scratchpad any primitive asked for so far. */
export function scratchpadBytes(): number {
  return scratchpad.byteLength;
}

function createAttr(postOps: PostOp[]): Deno.PointerObject {
  const { symbols } = oneDnn();
  const attr = outHandle((out) => symbols.dnnl_primitive_attr_create(out), "attr_create");
  check(
    symbols.dnnl_primitive_attr_set_scratchpad_mode(attr, ENUM.scratchpadModeUser),
    "attr_set_scratchpad_mode",
  );
  if (postOps.length > 0) {
    const ops = outHandle((out) => symbols.dnnl_post_ops_create(out), "post_ops_create");
    for (const op of postOps) {
      if ("binary" in op) {
        check(
          symbols.dnnl_post_ops_append_binary(ops, op.binary, pointerOf(op.src1)),
          "append_binary",
        );
      } else {
        const { alg, alpha = 0, beta = 0 } = op;
        check(symbols.dnnl_post_ops_append_eltwise(ops, 1, alg, alpha, beta), "append_eltwise");
      }
    }
    check(symbols.dnnl_primitive_attr_set_post_ops(attr, ops), "attr_set_post_ops");
    symbols.dnnl_post_ops_destroy(ops);
  }
  return attr;
}

function reorderBetween(
  from: Deno.PointerValue,
  to: Deno.PointerValue,
): { pd: Deno.PointerObject; executable: Executable } {
  const { symbols, engine } = oneDnn();
  const pd = outHandle(
    (out) => symbols.dnnl_reorder_primitive_desc_create(out, from, engine, to, engine, null),
    "dnnl_reorder_primitive_desc_create",
  );
  const executable = new Executable(pd, [{ arg: ARG.src, desc: from }, {
    arg: ARG.dst,
    desc: to,
  }]);
  return { pd, executable };
}

/**
 * A primitive built from a filled op descriptor. `run` takes one buffer per operand, in
 * the order of `options.operands`.
 *
 * @example
 * ```ts
 * import { ALG, ARG } from "./abi.ts";
 * import { eltwiseForwardDesc } from "./descriptors.ts";
 * import { memoryDesc, plain } from "./memory_desc.ts";
 * const md = memoryDesc(plain([4]));
 * const relu = new Primitive(eltwiseForwardDesc(ALG.eltwiseRelu, md), {
 *   operands: [{ arg: ARG.src, desc: md }, { arg: ARG.dst, desc: md, output: true }],
 * });
 * const y = new Float32Array(4);
 * relu.run([Float32Array.of(-1, 2, -3, 4), y]); // y: [0, 2, 0, 4]
 * ```
 */
export class Primitive {
  readonly pd: Deno.PointerObject;
  /** Threads it was created for and runs on (threads.ts). */
  readonly threads: number;
  /** oneDNN's name of the implementation it picked, e.g. `brgconv:avx512_core`. */
  readonly implementation: string;
  /** Keeps the descriptors alive as long as the primitive: oneDNN may point into them. */
  readonly #keep: unknown[];
  /** The forward primitive this one was created with, kept alive while this one lives. */
  readonly #hint?: Primitive;
  /** Live primitives created with this one as their hint. */
  #hintUsers = 0;
  #destroyed = false;
  readonly #main: Executable;
  /** Per operand: its reorder, or undefined when the primitive takes tfjs's layout. */
  readonly #reorders: (Reorder | undefined)[];
  readonly #scratchpadBytes: number;
  readonly #mainData: Data[];
  readonly #operandBytes: number[];

  constructor(opDesc: Uint8Array<ArrayBuffer>, options: PrimitiveOptions) {
    const { symbols, engine } = oneDnn();
    const largest = Math.max(
      ...options.operands.map(({ desc }) =>
        desc === undefined ? 0 : Number(symbols.dnnl_memory_desc_get_size(pointerOf(desc)))
      ),
    );
    this.threads = threadsFor(largest);
    useThreads(this.threads);
    const attr = createAttr(options.postOps ?? []);
    try {
      this.pd = outHandle(
        (out) =>
          symbols.dnnl_primitive_desc_create(out, opDesc, attr, engine, options.hint?.pd ?? null),
        "dnnl_primitive_desc_create",
      );
    } finally {
      symbols.dnnl_primitive_attr_destroy(attr);
    }
    this.implementation = this.#queryImplementation();
    const scratchpadMd = symbols.dnnl_primitive_desc_query_md(this.pd, QUERY.scratchpadMd, 0);
    this.#scratchpadBytes = scratchpadMd === null
      ? 0
      : Number(symbols.dnnl_memory_desc_get_size(scratchpadMd));

    this.#reorders = options.operands.map(({ desc, query, output }) => {
      if (query === undefined || desc === undefined) return undefined;
      const wanted = symbols.dnnl_primitive_desc_query_md(this.pd, query, 0);
      if (wanted === null) throw new Error(`oneDNN: query ${query} returned no descriptor`);
      if (symbols.dnnl_memory_desc_equal(wanted, pointerOf(desc)) === 1) return undefined;
      const bytes = Number(symbols.dnnl_memory_desc_get_size(wanted));
      const { pd, executable } = output
        ? reorderBetween(wanted, pointerOf(desc))
        : reorderBetween(pointerOf(desc), wanted);
      return { pd, executable, buffer: new ArrayBuffer(bytes), output: output === true };
    });
    const mainArgs = options.operands.map(({ arg, desc, query }, i) => ({
      arg,
      desc: this.#reorders[i] === undefined && desc !== undefined
        ? pointerOf(desc)
        : symbols.dnnl_primitive_desc_query_md(this.pd, query!, 0),
    }));
    this.#operandBytes = mainArgs.map(({ desc }) =>
      Number(symbols.dnnl_memory_desc_get_size(desc))
    );
    if (this.#scratchpadBytes > 0) mainArgs.push({ arg: ARG.scratchpad, desc: scratchpadMd });
    this.#main = new Executable(this.pd, mainArgs);
    this.#mainData = new Array(mainArgs.length);
    this.#keep = [opDesc, options.operands, options.postOps];
    if (options.hint) {
      this.#hint = options.hint;
      options.hint.#hintUsers++;
    }
  }

  #queryImplementation(): string {
    const out = new BigUint64Array(1);
    const status = oneDnn().symbols.dnnl_primitive_desc_query(
      this.pd,
      QUERY.implInfoStr,
      0,
      out,
    );
    const pointer = Deno.UnsafePointer.create(out[0]);
    return status === 0 && pointer !== null ? Deno.UnsafePointerView.getCString(pointer) : "?";
  }

  /** Bytes of operand `i` in the layout the primitive uses (e.g. a workspace's size). */
  operandBytes(i: number): number {
    return this.#operandBytes[i];
  }

  /** Operand indices that run through a reorder (for tests and profiles). */
  get reorderedOperands(): number[] {
    return this.#reorders.flatMap((r, i) => (r === undefined ? [] : [i]));
  }

  /** Runs on one buffer per operand (tfjs layouts), in the order of the operands. */
  run(data: Data[]): void {
    useThreads(this.threads);
    const reorders = this.#reorders;
    for (let i = 0; i < data.length; i++) {
      const reorder = reorders[i];
      if (reorder === undefined) {
        this.#mainData[i] = data[i];
        continue;
      }
      this.#mainData[i] = reorder.buffer;
      if (!reorder.output) reorder.executable.run([data[i], reorder.buffer]);
    }
    if (this.#scratchpadBytes > 0) {
      ensureScratchpad(this.#scratchpadBytes);
      this.#mainData[data.length] = scratchpad;
    }
    this.#main.run(this.#mainData);
    for (let i = 0; i < data.length; i++) {
      const reorder = reorders[i];
      if (reorder?.output) reorder.executable.run([reorder.buffer, data[i]]);
    }
  }

  /**
   * Frees the primitive, its memory objects and its reorders; a forward primitive that
   * backward ones were created with (their hint, which oneDNN 2.x keeps a pointer to)
   * is freed only once they are.
   */
  destroy(): void {
    this.#destroyed = true;
    if (this.#hintUsers === 0) this.#free();
  }

  #free(): void {
    const { symbols } = oneDnn();
    this.#main.destroy();
    for (const reorder of this.#reorders) {
      if (!reorder) continue;
      reorder.executable.destroy();
      symbols.dnnl_primitive_desc_destroy(reorder.pd);
    }
    symbols.dnnl_primitive_desc_destroy(this.pd);
    this.#keep.length = 0;
    const hint = this.#hint;
    if (hint !== undefined) {
      hint.#hintUsers--;
      if (hint.#destroyed && hint.#hintUsers === 0) hint.#free();
    }
  }
}
