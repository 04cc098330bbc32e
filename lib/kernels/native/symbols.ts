/**
 * The oneDNN 2.x C functions the native backend calls, as a `Deno.dlopen` symbol table.
 *
 * Conventions: opaque handles (engine, stream, primitive descriptors, primitives, memory
 * objects, attributes) are `"pointer"`; structs we own (memory and op descriptors, dims
 * arrays, out-parameters that receive a handle) are `"buffer"`; a memory descriptor that
 * oneDNN owns (returned by a query) is a `"pointer"`, so functions that take either kind
 * take `"pointer"` and callers pass `Deno.UnsafePointer.of(ours)`. Every call is
 * synchronous (`nonblocking: false`, the default): oneDNN runs its own threads inside the
 * call, and the JavaScript buffers it reads stay put until the call returns.
 *
 * @module
 */

const status = "i32" as const;

/** The symbol table passed to `Deno.dlopen`. */
export const ONEDNN_SYMBOLS = {
  dnnl_version: { parameters: [], result: "pointer" },
  dnnl_engine_create: { parameters: ["buffer", "i32", "usize"], result: status },
  dnnl_engine_destroy: { parameters: ["pointer"], result: status },
  dnnl_stream_create: { parameters: ["buffer", "pointer", "u32"], result: status },
  dnnl_stream_destroy: { parameters: ["pointer"], result: status },
  dnnl_stream_wait: { parameters: ["pointer"], result: status },

  dnnl_memory_desc_init_by_strides: {
    parameters: ["buffer", "i32", "buffer", "i32", "buffer"],
    result: status,
  },
  dnnl_memory_desc_init_by_tag: {
    parameters: ["buffer", "i32", "buffer", "i32", "i32"],
    result: status,
  },
  dnnl_memory_desc_equal: { parameters: ["pointer", "pointer"], result: "i32" },
  dnnl_memory_desc_get_size: { parameters: ["pointer"], result: "usize" },
  dnnl_memory_create: {
    parameters: ["buffer", "pointer", "pointer", "pointer"],
    result: status,
  },
  dnnl_memory_set_data_handle: { parameters: ["pointer", "buffer"], result: status },
  dnnl_memory_destroy: { parameters: ["pointer"], result: status },

  dnnl_primitive_attr_create: { parameters: ["buffer"], result: status },
  dnnl_primitive_attr_destroy: { parameters: ["pointer"], result: status },
  dnnl_primitive_attr_set_scratchpad_mode: { parameters: ["pointer", "i32"], result: status },
  dnnl_primitive_attr_set_post_ops: { parameters: ["pointer", "pointer"], result: status },
  dnnl_post_ops_create: { parameters: ["buffer"], result: status },
  dnnl_post_ops_destroy: { parameters: ["pointer"], result: status },
  dnnl_post_ops_append_eltwise: {
    parameters: ["pointer", "f32", "i32", "f32", "f32"],
    result: status,
  },
  dnnl_post_ops_append_binary: { parameters: ["pointer", "i32", "pointer"], result: status },

  dnnl_primitive_desc_create: {
    parameters: ["buffer", "buffer", "pointer", "pointer", "pointer"],
    result: status,
  },
  dnnl_reorder_primitive_desc_create: {
    parameters: ["buffer", "pointer", "pointer", "pointer", "pointer", "pointer"],
    result: status,
  },
  dnnl_primitive_desc_destroy: { parameters: ["pointer"], result: status },
  dnnl_primitive_desc_query: {
    parameters: ["pointer", "i32", "i32", "buffer"],
    result: status,
  },
  dnnl_primitive_desc_query_md: { parameters: ["pointer", "i32", "i32"], result: "pointer" },
  dnnl_primitive_create: { parameters: ["buffer", "pointer"], result: status },
  dnnl_primitive_destroy: { parameters: ["pointer"], result: status },
  dnnl_primitive_execute: {
    parameters: ["pointer", "pointer", "i32", "buffer"],
    result: status,
  },

  // Op descriptors (oneDNN 2.x): each fills a struct we allocate.
  dnnl_dilated_convolution_forward_desc_init: {
    // desc, prop, alg, src, weights, bias (nullable), dst, strides, dilates, pad_l, pad_r
    parameters: [
      "buffer",
      "i32",
      "i32",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
    ],
    result: status,
  },
  dnnl_dilated_convolution_backward_data_desc_init: {
    // desc, alg, diff_src, weights, diff_dst, strides, dilates, pad_l, pad_r
    parameters: [
      "buffer",
      "i32",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
    ],
    result: status,
  },
  dnnl_dilated_convolution_backward_weights_desc_init: {
    // desc, alg, src, diff_weights, diff_bias (nullable), diff_dst, strides, dilates, pad_l,
    // pad_r
    parameters: [
      "buffer",
      "i32",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
    ],
    result: status,
  },
  dnnl_eltwise_forward_desc_init: {
    parameters: ["buffer", "i32", "i32", "buffer", "f32", "f32"],
    result: status,
  },
  dnnl_eltwise_backward_desc_init: {
    parameters: ["buffer", "i32", "buffer", "buffer", "f32", "f32"],
    result: status,
  },
  dnnl_binary_desc_init: {
    parameters: ["buffer", "i32", "buffer", "buffer", "buffer"],
    result: status,
  },
  dnnl_pooling_v2_forward_desc_init: {
    // desc, prop, alg, src, dst, strides, kernel, dilation, pad_l, pad_r
    parameters: [
      "buffer",
      "i32",
      "i32",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
    ],
    result: status,
  },
  dnnl_pooling_v2_backward_desc_init: {
    // desc, alg, diff_src, diff_dst, strides, kernel, dilation, pad_l, pad_r
    parameters: [
      "buffer",
      "i32",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
    ],
    result: status,
  },
  dnnl_batch_normalization_forward_desc_init: {
    parameters: ["buffer", "i32", "buffer", "f32", "u32"],
    result: status,
  },
  dnnl_batch_normalization_backward_desc_init: {
    parameters: ["buffer", "i32", "buffer", "buffer", "f32", "u32"],
    result: status,
  },
  dnnl_layer_normalization_forward_desc_init: {
    parameters: ["buffer", "i32", "buffer", "buffer", "f32", "u32"],
    result: status,
  },
  dnnl_layer_normalization_backward_desc_init: {
    parameters: ["buffer", "i32", "buffer", "buffer", "buffer", "f32", "u32"],
    result: status,
  },
  dnnl_matmul_desc_init: {
    parameters: ["buffer", "buffer", "buffer", "buffer", "buffer"],
    result: status,
  },
  dnnl_reduction_desc_init: {
    parameters: ["buffer", "i32", "buffer", "buffer", "f32", "f32"],
    result: status,
  },
} as const satisfies Deno.ForeignLibraryInterface;

/** The opened library's functions. */
export type OneDnnSymbols = Deno.DynamicLibrary<typeof ONEDNN_SYMBOLS>["symbols"];
