/* vm_fused.c — the fused lane pipeline (internal/vm_fused.h) built twice: for the baseline target
   (SSE2 on x86-64, SIMD128 in wasm, NEON on arm64) and, on x86-64, for AVX2 under a target
   pragma (no global -mavx2). The kernel calls the AVX2 build only when its SIMD implementation
   is AVX2, which CPU detection (or CKERNEL_FORCE_IMPL) chose. */
#include "ck_vm.h"
#include "ck_js.h"

#include <string.h>

/* operators stay separate roundings, as in JavaScript (no fused multiply-add) */
#pragma STDC FP_CONTRACT OFF

#define CK_FUSED_NAME ck_vm_block_generic
#define CK_FUSED_SUFFIX generic
#include "vm_fused.h"
#undef CK_FUSED_NAME
#undef CK_FUSED_SUFFIX

#if (defined(__x86_64__) || defined(_M_X64)) && !defined(__wasm__)
#pragma clang attribute push(__attribute__((target("avx2"))), apply_to = function)
#define CK_FUSED_NAME ck_vm_block_avx2
#define CK_FUSED_SUFFIX avx2
#include "vm_fused.h"
#undef CK_FUSED_NAME
#undef CK_FUSED_SUFFIX
#pragma clang attribute pop
#endif

ck_vm_block_fn ck_vm_block_for(ck_impl_t impl) {
#if (defined(__x86_64__) || defined(_M_X64)) && !defined(__wasm__)
    if (impl == CK_IMPL_AVX2) return ck_vm_block_avx2;
#else
    (void)impl;
#endif
    return ck_vm_block_generic;
}
