/*
 * Prints, as one JSON object, every oneDNN 2.x struct size, field offset and constant that
 * lib/kernels/native/abi.ts hard-codes. tests/kernels_native_abi_test.ts compiles it against
 * the installed headers (when gcc and the headers are present) and compares.
 *
 *   gcc -I/usr/include -o /tmp/abi_check lib/kernels/native/abi_check.c && /tmp/abi_check
 */
#include <stddef.h>
#include <stdio.h>
#include <oneapi/dnnl/dnnl.h>

static int first = 1;
static void put(const char *name, long long value) {
    printf("%s\"%s\":%lld", first ? "{" : ",", name, value);
    first = 0;
}
#define SIZE(t) put("sizeof " #t, (long long)sizeof(t))
#define OFFSET(t, f) put("offsetof " #t "." #f, (long long)offsetof(t, f))
#define CONST(c) put(#c, (long long)(c))

int main(void) {
    SIZE(dnnl_memory_desc_t);
    SIZE(dnnl_convolution_desc_t);
    SIZE(dnnl_eltwise_desc_t);
    SIZE(dnnl_binary_desc_t);
    SIZE(dnnl_pooling_v2_desc_t);
    SIZE(dnnl_batch_normalization_desc_t);
    SIZE(dnnl_layer_normalization_desc_t);
    SIZE(dnnl_matmul_desc_t);
    SIZE(dnnl_reduction_desc_t);
    SIZE(dnnl_softmax_v2_desc_t);
    SIZE(dnnl_exec_arg_t);
    OFFSET(dnnl_exec_arg_t, arg);
    OFFSET(dnnl_exec_arg_t, memory);
    SIZE(dnnl_version_t);
    OFFSET(dnnl_version_t, major);
    OFFSET(dnnl_version_t, minor);
    OFFSET(dnnl_version_t, patch);
    OFFSET(dnnl_version_t, hash);
    OFFSET(dnnl_version_t, cpu_runtime);
    OFFSET(dnnl_memory_desc_t, ndims);
    OFFSET(dnnl_memory_desc_t, dims);
    SIZE(dnnl_dims_t);
    CONST(DNNL_MAX_NDIMS);
    CONST(dnnl_success);
    CONST(dnnl_out_of_memory);
    CONST(dnnl_invalid_arguments);
    CONST(dnnl_unimplemented);
    CONST(dnnl_runtime_error);
    CONST(dnnl_format_tag_any);
    CONST(dnnl_f32);
    CONST(dnnl_s32);
    CONST(dnnl_u8);
    CONST(dnnl_cpu);
    CONST(dnnl_stream_default_flags);
    CONST(dnnl_forward_training);
    CONST(dnnl_forward_inference);
    CONST(dnnl_backward);
    CONST(dnnl_backward_data);
    CONST(dnnl_backward_weights);
    CONST(dnnl_convolution_direct);
    CONST(dnnl_eltwise_relu);
    CONST(dnnl_eltwise_tanh);
    CONST(dnnl_eltwise_square);
    CONST(dnnl_eltwise_abs);
    CONST(dnnl_eltwise_sqrt);
    CONST(dnnl_eltwise_linear);
    CONST(dnnl_eltwise_logistic);
    CONST(dnnl_eltwise_exp);
    CONST(dnnl_eltwise_log);
    CONST(dnnl_eltwise_pow);
    CONST(dnnl_eltwise_gelu_erf);
    CONST(dnnl_eltwise_clip_v2);
    CONST(dnnl_eltwise_relu_use_dst_for_bwd);
    CONST(dnnl_eltwise_tanh_use_dst_for_bwd);
    CONST(dnnl_eltwise_exp_use_dst_for_bwd);
    CONST(dnnl_eltwise_logistic_use_dst_for_bwd);
    CONST(dnnl_pooling_max);
    CONST(dnnl_pooling_avg_include_padding);
    CONST(dnnl_pooling_avg_exclude_padding);
    CONST(dnnl_binary_add);
    CONST(dnnl_binary_mul);
    CONST(dnnl_binary_max);
    CONST(dnnl_binary_min);
    CONST(dnnl_binary_div);
    CONST(dnnl_binary_sub);
    CONST(dnnl_binary_ge);
    CONST(dnnl_binary_gt);
    CONST(dnnl_binary_le);
    CONST(dnnl_binary_lt);
    CONST(dnnl_binary_eq);
    CONST(dnnl_binary_ne);
    CONST(dnnl_reduction_max);
    CONST(dnnl_reduction_min);
    CONST(dnnl_reduction_sum);
    CONST(dnnl_reduction_mul);
    CONST(dnnl_reduction_mean);
    CONST(dnnl_softmax_accurate);
    CONST(dnnl_softmax_log);
    CONST(dnnl_use_global_stats);
    CONST(dnnl_use_scale);
    CONST(dnnl_use_shift);
    CONST(dnnl_fuse_norm_relu);
    CONST(dnnl_query_src_md);
    CONST(dnnl_query_diff_src_md);
    CONST(dnnl_query_weights_md);
    CONST(dnnl_query_diff_weights_md);
    CONST(dnnl_query_dst_md);
    CONST(dnnl_query_diff_dst_md);
    CONST(dnnl_query_workspace_md);
    CONST(dnnl_query_scratchpad_md);
    CONST(dnnl_query_impl_info_str);
    CONST(dnnl_scratchpad_mode_user);
    CONST(DNNL_ARG_SRC);
    CONST(DNNL_ARG_SRC_1);
    CONST(DNNL_ARG_DST);
    CONST(DNNL_ARG_WEIGHTS);
    CONST(DNNL_ARG_BIAS);
    CONST(DNNL_ARG_MEAN);
    CONST(DNNL_ARG_VARIANCE);
    CONST(DNNL_ARG_SCALE);
    CONST(DNNL_ARG_SHIFT);
    CONST(DNNL_ARG_WORKSPACE);
    CONST(DNNL_ARG_SCRATCHPAD);
    CONST(DNNL_ARG_DIFF_SRC);
    CONST(DNNL_ARG_DIFF_DST);
    CONST(DNNL_ARG_DIFF_WEIGHTS);
    CONST(DNNL_ARG_DIFF_BIAS);
    CONST(DNNL_ARG_DIFF_SCALE);
    CONST(DNNL_ARG_DIFF_SHIFT);
    CONST(DNNL_ARG_ATTR_MULTIPLE_POST_OP_BASE);
    CONST(DNNL_RUNTIME_SEQ);
    CONST(DNNL_RUNTIME_OMP);
    CONST(DNNL_RUNTIME_TBB);
    CONST(DNNL_RUNTIME_THREADPOOL);
    printf("}\n");
    return 0;
}
