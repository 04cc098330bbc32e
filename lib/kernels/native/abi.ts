/**
 * The parts of oneDNN 2.x's C ABI that the native backend hard-codes: struct sizes, field
 * offsets and enum values, keyed exactly as `abi_check.c` prints them. Read off the 2.6.3
 * headers and checked against whatever headers are installed by
 * tests/kernels_native_abi_test.ts (which compiles abi_check.c), since a wrong size here
 * would make oneDNN write past a buffer rather than fail.
 *
 * Op descriptors (`dnnl_convolution_desc_t` and the like) are opaque to us: we allocate
 * `sizeof` bytes, let `dnnl_*_desc_init` fill them, and hand them back to
 * `dnnl_primitive_desc_create`. Only `dnnl_exec_arg_t` and `dnnl_version_t` are read or
 * written field by field.
 *
 * @module
 */

/** Values as `abi_check.c` prints them (`sizeof T`, `offsetof T.f`, constants by name). */
export const ONEDNN_ABI = {
  "sizeof dnnl_memory_desc_t": 696,
  "sizeof dnnl_convolution_desc_t": 5976,
  "sizeof dnnl_eltwise_desc_t": 1416,
  "sizeof dnnl_binary_desc_t": 2096,
  "sizeof dnnl_pooling_v2_desc_t": 3288,
  "sizeof dnnl_batch_normalization_desc_t": 3496,
  "sizeof dnnl_layer_normalization_desc_t": 3496,
  "sizeof dnnl_matmul_desc_t": 2800,
  "sizeof dnnl_reduction_desc_t": 1408,
  "sizeof dnnl_softmax_v2_desc_t": 2800,
  "sizeof dnnl_exec_arg_t": 16,
  "offsetof dnnl_exec_arg_t.arg": 0,
  "offsetof dnnl_exec_arg_t.memory": 8,
  "sizeof dnnl_version_t": 32,
  "offsetof dnnl_version_t.major": 0,
  "offsetof dnnl_version_t.minor": 4,
  "offsetof dnnl_version_t.patch": 8,
  "offsetof dnnl_version_t.hash": 16,
  "offsetof dnnl_version_t.cpu_runtime": 24,
  "offsetof dnnl_memory_desc_t.ndims": 0,
  "offsetof dnnl_memory_desc_t.dims": 8,
  "sizeof dnnl_dims_t": 96,
  DNNL_MAX_NDIMS: 12,
  dnnl_success: 0,
  dnnl_out_of_memory: 1,
  dnnl_invalid_arguments: 2,
  dnnl_unimplemented: 3,
  dnnl_runtime_error: 5,
  dnnl_format_tag_any: 1,
  dnnl_f32: 3,
  dnnl_s32: 4,
  dnnl_u8: 6,
  dnnl_cpu: 1,
  dnnl_stream_default_flags: 1,
  dnnl_forward_training: 64,
  dnnl_forward_inference: 96,
  dnnl_backward: 128,
  dnnl_backward_data: 160,
  dnnl_backward_weights: 192,
  dnnl_convolution_direct: 1,
  dnnl_eltwise_relu: 31,
  dnnl_eltwise_tanh: 47,
  dnnl_eltwise_square: 79,
  dnnl_eltwise_abs: 95,
  dnnl_eltwise_sqrt: 111,
  dnnl_eltwise_linear: 127,
  dnnl_eltwise_logistic: 175,
  dnnl_eltwise_exp: 191,
  dnnl_eltwise_log: 239,
  dnnl_eltwise_pow: 32,
  dnnl_eltwise_gelu_erf: 48,
  dnnl_eltwise_clip_v2: 16,
  dnnl_eltwise_relu_use_dst_for_bwd: 256,
  dnnl_eltwise_tanh_use_dst_for_bwd: 257,
  dnnl_eltwise_exp_use_dst_for_bwd: 261,
  dnnl_eltwise_logistic_use_dst_for_bwd: 260,
  dnnl_pooling_max: 511,
  dnnl_pooling_avg_include_padding: 767,
  dnnl_pooling_avg_exclude_padding: 1023,
  dnnl_binary_add: 131056,
  dnnl_binary_mul: 131057,
  dnnl_binary_max: 131058,
  dnnl_binary_min: 131059,
  dnnl_binary_div: 131060,
  dnnl_binary_sub: 131061,
  dnnl_binary_ge: 131062,
  dnnl_binary_gt: 131063,
  dnnl_binary_le: 131064,
  dnnl_binary_lt: 131065,
  dnnl_binary_eq: 131066,
  dnnl_binary_ne: 131067,
  dnnl_reduction_max: 196594,
  dnnl_reduction_min: 196595,
  dnnl_reduction_sum: 196596,
  dnnl_reduction_mul: 196597,
  dnnl_reduction_mean: 196598,
  dnnl_softmax_accurate: 196608,
  dnnl_softmax_log: 196609,
  dnnl_use_global_stats: 1,
  dnnl_use_scale: 8,
  dnnl_use_shift: 16,
  dnnl_fuse_norm_relu: 4,
  dnnl_query_src_md: 129,
  dnnl_query_diff_src_md: 130,
  dnnl_query_weights_md: 131,
  dnnl_query_diff_weights_md: 132,
  dnnl_query_dst_md: 133,
  dnnl_query_diff_dst_md: 134,
  dnnl_query_workspace_md: 135,
  dnnl_query_scratchpad_md: 136,
  dnnl_query_impl_info_str: 8,
  dnnl_scratchpad_mode_user: 1,
  DNNL_ARG_SRC: 1,
  DNNL_ARG_SRC_1: 2,
  DNNL_ARG_DST: 17,
  DNNL_ARG_WEIGHTS: 33,
  DNNL_ARG_BIAS: 41,
  DNNL_ARG_MEAN: 49,
  DNNL_ARG_VARIANCE: 50,
  DNNL_ARG_SCALE: 51,
  DNNL_ARG_SHIFT: 52,
  DNNL_ARG_WORKSPACE: 64,
  DNNL_ARG_SCRATCHPAD: 80,
  DNNL_ARG_DIFF_SRC: 129,
  DNNL_ARG_DIFF_DST: 145,
  DNNL_ARG_DIFF_WEIGHTS: 161,
  DNNL_ARG_DIFF_BIAS: 169,
  DNNL_ARG_DIFF_SCALE: 255,
  DNNL_ARG_DIFF_SHIFT: 256,
  DNNL_ARG_ATTR_MULTIPLE_POST_OP_BASE: 16384,
  DNNL_RUNTIME_SEQ: 1,
  DNNL_RUNTIME_OMP: 2,
  DNNL_RUNTIME_TBB: 4,
  DNNL_RUNTIME_THREADPOOL: 8,
} as const;

const A = ONEDNN_ABI;

/** Bytes of the opaque structs we allocate. */
export const SIZEOF = {
  memoryDesc: A["sizeof dnnl_memory_desc_t"],
  convolutionDesc: A["sizeof dnnl_convolution_desc_t"],
  eltwiseDesc: A["sizeof dnnl_eltwise_desc_t"],
  binaryDesc: A["sizeof dnnl_binary_desc_t"],
  poolingV2Desc: A["sizeof dnnl_pooling_v2_desc_t"],
  batchNormalizationDesc: A["sizeof dnnl_batch_normalization_desc_t"],
  layerNormalizationDesc: A["sizeof dnnl_layer_normalization_desc_t"],
  matmulDesc: A["sizeof dnnl_matmul_desc_t"],
  reductionDesc: A["sizeof dnnl_reduction_desc_t"],
  softmaxV2Desc: A["sizeof dnnl_softmax_v2_desc_t"],
  execArg: A["sizeof dnnl_exec_arg_t"],
} as const;

/** `dnnl_exec_arg_t`: `{ int arg; dnnl_memory_t memory; }`. */
export const EXEC_ARG = {
  argOffset: A["offsetof dnnl_exec_arg_t.arg"],
  memoryOffset: A["offsetof dnnl_exec_arg_t.memory"],
} as const;

/** `dnnl_version_t`: `{ int major, minor, patch; const char *hash; unsigned cpu_runtime; ... }`. */
export const VERSION_T = {
  major: A["offsetof dnnl_version_t.major"],
  minor: A["offsetof dnnl_version_t.minor"],
  patch: A["offsetof dnnl_version_t.patch"],
  hash: A["offsetof dnnl_version_t.hash"],
  cpuRuntime: A["offsetof dnnl_version_t.cpu_runtime"],
} as const;

/** Most dimensions a memory descriptor takes. */
export const MAX_NDIMS = A.DNNL_MAX_NDIMS;

/** `dnnl_status_t` values by name (for error messages). */
export const STATUS: Record<number, string> = {
  [A.dnnl_success]: "success",
  [A.dnnl_out_of_memory]: "out_of_memory",
  [A.dnnl_invalid_arguments]: "invalid_arguments",
  [A.dnnl_unimplemented]: "unimplemented",
  [A.dnnl_runtime_error]: "runtime_error",
};

/** `dnnl_data_type_t`. */
export const DATA_TYPE = { f32: A.dnnl_f32, s32: A.dnnl_s32, u8: A.dnnl_u8 } as const;

/** `dnnl_prop_kind_t`. */
export const PROP = {
  forwardTraining: A.dnnl_forward_training,
  forwardInference: A.dnnl_forward_inference,
  backward: A.dnnl_backward,
  backwardData: A.dnnl_backward_data,
  backwardWeights: A.dnnl_backward_weights,
} as const;

/** `dnnl_alg_kind_t` values the kernels use. */
export const ALG = {
  convolutionDirect: A.dnnl_convolution_direct,
  eltwiseRelu: A.dnnl_eltwise_relu,
  eltwiseTanh: A.dnnl_eltwise_tanh,
  eltwiseSquare: A.dnnl_eltwise_square,
  eltwiseAbs: A.dnnl_eltwise_abs,
  eltwiseSqrt: A.dnnl_eltwise_sqrt,
  eltwiseLinear: A.dnnl_eltwise_linear,
  eltwiseLogistic: A.dnnl_eltwise_logistic,
  eltwiseExp: A.dnnl_eltwise_exp,
  eltwiseLog: A.dnnl_eltwise_log,
  eltwisePow: A.dnnl_eltwise_pow,
  eltwiseGeluErf: A.dnnl_eltwise_gelu_erf,
  eltwiseClipV2: A.dnnl_eltwise_clip_v2,
  eltwiseReluUseDstForBwd: A.dnnl_eltwise_relu_use_dst_for_bwd,
  eltwiseTanhUseDstForBwd: A.dnnl_eltwise_tanh_use_dst_for_bwd,
  eltwiseExpUseDstForBwd: A.dnnl_eltwise_exp_use_dst_for_bwd,
  eltwiseLogisticUseDstForBwd: A.dnnl_eltwise_logistic_use_dst_for_bwd,
  poolingMax: A.dnnl_pooling_max,
  poolingAvgIncludePadding: A.dnnl_pooling_avg_include_padding,
  poolingAvgExcludePadding: A.dnnl_pooling_avg_exclude_padding,
  binaryAdd: A.dnnl_binary_add,
  binaryMul: A.dnnl_binary_mul,
  binaryMax: A.dnnl_binary_max,
  binaryMin: A.dnnl_binary_min,
  binaryDiv: A.dnnl_binary_div,
  binarySub: A.dnnl_binary_sub,
  binaryGe: A.dnnl_binary_ge,
  binaryGt: A.dnnl_binary_gt,
  binaryLe: A.dnnl_binary_le,
  binaryLt: A.dnnl_binary_lt,
  binaryEq: A.dnnl_binary_eq,
  binaryNe: A.dnnl_binary_ne,
  reductionMax: A.dnnl_reduction_max,
  reductionMin: A.dnnl_reduction_min,
  reductionSum: A.dnnl_reduction_sum,
  reductionMul: A.dnnl_reduction_mul,
  reductionMean: A.dnnl_reduction_mean,
  softmaxAccurate: A.dnnl_softmax_accurate,
  softmaxLog: A.dnnl_softmax_log,
} as const;

/** `dnnl_normalization_flags_t`. */
export const NORM_FLAGS = {
  useGlobalStats: A.dnnl_use_global_stats,
  useScale: A.dnnl_use_scale,
  useShift: A.dnnl_use_shift,
  fuseNormRelu: A.dnnl_fuse_norm_relu,
} as const;

/** `dnnl_query_t` values for memory descriptors and the implementation name. */
export const QUERY = {
  srcMd: A.dnnl_query_src_md,
  diffSrcMd: A.dnnl_query_diff_src_md,
  weightsMd: A.dnnl_query_weights_md,
  diffWeightsMd: A.dnnl_query_diff_weights_md,
  dstMd: A.dnnl_query_dst_md,
  diffDstMd: A.dnnl_query_diff_dst_md,
  workspaceMd: A.dnnl_query_workspace_md,
  scratchpadMd: A.dnnl_query_scratchpad_md,
  implInfoStr: A.dnnl_query_impl_info_str,
} as const;

/** `DNNL_ARG_*`: which operand a memory is in `dnnl_primitive_execute`. */
export const ARG = {
  src: A.DNNL_ARG_SRC,
  src1: A.DNNL_ARG_SRC_1,
  dst: A.DNNL_ARG_DST,
  weights: A.DNNL_ARG_WEIGHTS,
  bias: A.DNNL_ARG_BIAS,
  mean: A.DNNL_ARG_MEAN,
  variance: A.DNNL_ARG_VARIANCE,
  scale: A.DNNL_ARG_SCALE,
  shift: A.DNNL_ARG_SHIFT,
  workspace: A.DNNL_ARG_WORKSPACE,
  scratchpad: A.DNNL_ARG_SCRATCHPAD,
  diffSrc: A.DNNL_ARG_DIFF_SRC,
  diffDst: A.DNNL_ARG_DIFF_DST,
  diffWeights: A.DNNL_ARG_DIFF_WEIGHTS,
  diffBias: A.DNNL_ARG_DIFF_BIAS,
  diffScale: A.DNNL_ARG_DIFF_SCALE,
  diffShift: A.DNNL_ARG_DIFF_SHIFT,
  /** The src1 operand of binary post-op `i` is `(i + 1) * this | src1`. */
  postOpBase: A.DNNL_ARG_ATTR_MULTIPLE_POST_OP_BASE,
} as const;

/** `DNNL_RUNTIME_*` values of `dnnl_version_t.cpu_runtime`, by name. */
export const CPU_RUNTIME: Record<number, string> = {
  [A.DNNL_RUNTIME_SEQ]: "sequential",
  [A.DNNL_RUNTIME_OMP]: "OpenMP",
  [A.DNNL_RUNTIME_TBB]: "TBB",
  [A.DNNL_RUNTIME_THREADPOOL]: "threadpool",
};

/** Other enum values. */
export const ENUM = {
  engineCpu: A.dnnl_cpu,
  streamDefaultFlags: A.dnnl_stream_default_flags,
  scratchpadModeUser: A.dnnl_scratchpad_mode_user,
  formatTagAny: A.dnnl_format_tag_any,
  runtimeOmp: A.DNNL_RUNTIME_OMP,
  runtimeSeq: A.DNNL_RUNTIME_SEQ,
} as const;
