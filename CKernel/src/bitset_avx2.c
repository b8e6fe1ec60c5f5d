/* bitset_avx2.c — AVX2 bitset primitives through SIMDe, compiled for AVX2 with a target pragma
   (no global -mavx2) and only ever called after CPU detection says AVX2 runs. */
#include "ck_internal.h"

#if defined(__x86_64__) || defined(_M_X64)
#define SIMDE_X86_AVX2_NATIVE
#pragma clang attribute push(__attribute__((target("avx2,popcnt,bmi"))), apply_to = function)
#include <simde/x86/avx2.h>
#include "ck_bytebits.h"
#include "ck_emit.h"

#define AVX2_STORE8(dst, row, base)                                                              \
    simde_mm256_storeu_si256((simde__m256i *)(void *)(dst),                                      \
                             simde_mm256_add_epi32(simde_mm256_cvtepu8_epi32(                    \
                                 simde_mm_loadl_epi64((const simde__m128i *)(const void *)(row))), \
                                 simde_mm256_set1_epi32((int32_t)(base))))
CK_DEFINE_TABLE_EMIT(avx2_emit_word, AVX2_STORE8)

static void avx2_or_into(uint64_t *restrict dst, const uint64_t *restrict src, uint32_t words) {
    for (uint32_t i = 0; i < words; i += 8) {
        simde__m256i a0 = simde_mm256_load_si256((const simde__m256i *)(const void *)(dst + i));
        simde__m256i a1 = simde_mm256_load_si256((const simde__m256i *)(const void *)(dst + i + 4));
        simde__m256i b0 = simde_mm256_load_si256((const simde__m256i *)(const void *)(src + i));
        simde__m256i b1 = simde_mm256_load_si256((const simde__m256i *)(const void *)(src + i + 4));
        simde_mm256_store_si256((simde__m256i *)(void *)(dst + i), simde_mm256_or_si256(a0, b0));
        simde_mm256_store_si256((simde__m256i *)(void *)(dst + i + 4), simde_mm256_or_si256(a1, b1));
    }
}

static uint32_t avx2_scan_emit_clear(uint64_t *restrict bits, uint32_t begin, uint32_t end,
                                     uint32_t *restrict out, uint32_t capacity,
                                     uint64_t *restrict words_scanned) {
    uint32_t n = 0;
    const simde__m256i zero = simde_mm256_setzero_si256();
    for (uint32_t i = begin; i < end; i += 4) {
        simde__m256i v = simde_mm256_load_si256((const simde__m256i *)(const void *)(bits + i));
        if (simde_mm256_testz_si256(v, v)) continue;
        for (uint32_t j = 0; j < 4; j++) {
            if (n + CK_EMIT_SLACK <= capacity) n = avx2_emit_word(bits[i + j], (i + j) * 64u, out, n);
            else n = ck_emit_word(bits[i + j], (i + j) * 64u, out, n);
        }
        simde_mm256_store_si256((simde__m256i *)(void *)(bits + i), zero);
    }
    *words_scanned += end - begin;
    return n;
}

const ck_bitset_ops_t ck_ops_avx2 = {
    .impl = CK_IMPL_AVX2,
    .or_into = avx2_or_into,
    .scan_emit_clear = avx2_scan_emit_clear,
};
#pragma clang attribute pop
#else
const ck_bitset_ops_t ck_ops_avx2 = { .impl = CK_IMPL_AVX2, .or_into = 0, .scan_emit_clear = 0 };
#endif
