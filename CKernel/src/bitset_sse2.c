/* bitset_sse2.c — SSE2 (x86-64 baseline) bitset primitives through SIMDe. */
#include "ck_internal.h"
#include "ck_emit.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <simde/x86/sse2.h>
#include "ck_bytebits.h"

/* SSE2 has no byte-to-dword widening: unpack with zero twice (8 -> 16 -> 32 bits). */
#define SSE2_STORE8(dst, row, base)                                                               \
    do {                                                                                          \
        const simde__m128i z_ = simde_mm_setzero_si128();                                         \
        simde__m128i b_ = simde_mm_set1_epi32((int32_t)(base));                                   \
        simde__m128i w_ = simde_mm_unpacklo_epi8(                                                 \
            simde_mm_loadl_epi64((const simde__m128i *)(const void *)(row)), z_);                 \
        simde_mm_storeu_si128((simde__m128i *)(void *)(dst),                                      \
                              simde_mm_add_epi32(simde_mm_unpacklo_epi16(w_, z_), b_));           \
        simde_mm_storeu_si128((simde__m128i *)(void *)((dst) + 4),                                \
                              simde_mm_add_epi32(simde_mm_unpackhi_epi16(w_, z_), b_));           \
    } while (0)
CK_DEFINE_TABLE_EMIT(sse2_emit_word, SSE2_STORE8)

static void sse2_or_into(uint64_t *restrict dst, const uint64_t *restrict src, uint32_t words) {
    for (uint32_t i = 0; i < words; i += 2) {
        simde__m128i a = simde_mm_load_si128((const simde__m128i *)(const void *)(dst + i));
        simde__m128i b = simde_mm_load_si128((const simde__m128i *)(const void *)(src + i));
        simde_mm_store_si128((simde__m128i *)(void *)(dst + i), simde_mm_or_si128(a, b));
    }
}

static uint32_t sse2_scan_emit_clear(uint64_t *restrict bits, uint32_t begin, uint32_t end,
                                     uint32_t *restrict out, uint32_t capacity,
                                     uint64_t *restrict words_scanned) {
    uint32_t n = 0;
    const simde__m128i zero = simde_mm_setzero_si128();
    for (uint32_t i = begin; i < end; i += 2) {
        simde__m128i v = simde_mm_load_si128((const simde__m128i *)(const void *)(bits + i));
        if (simde_mm_movemask_epi8(simde_mm_cmpeq_epi8(v, zero)) == 0xFFFF) continue;
        for (uint32_t j = 0; j < 2; j++) {
            if (n + CK_EMIT_SLACK <= capacity) n = sse2_emit_word(bits[i + j], (i + j) * 64u, out, n);
            else n = ck_emit_word(bits[i + j], (i + j) * 64u, out, n);
        }
        simde_mm_store_si128((simde__m128i *)(void *)(bits + i), zero);
    }
    *words_scanned += end - begin;
    return n;
}

const ck_bitset_ops_t ck_ops_sse2 = {
    .impl = CK_IMPL_SSE2,
    .or_into = sse2_or_into,
    .scan_emit_clear = sse2_scan_emit_clear,
};
#else
const ck_bitset_ops_t ck_ops_sse2 = { .impl = CK_IMPL_SSE2, .or_into = 0, .scan_emit_clear = 0 };
#endif
