/* bitset_sse2.c — SSE2 (x86-64 baseline) bitset primitives through SIMDe. */
#include "ck_internal.h"
#include "ck_emit.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <simde/x86/sse2.h>

static void sse2_or_into(uint64_t *restrict dst, const uint64_t *restrict src, uint32_t words) {
    for (uint32_t i = 0; i < words; i += 2) {
        simde__m128i a = simde_mm_load_si128((const simde__m128i *)(const void *)(dst + i));
        simde__m128i b = simde_mm_load_si128((const simde__m128i *)(const void *)(src + i));
        simde_mm_store_si128((simde__m128i *)(void *)(dst + i), simde_mm_or_si128(a, b));
    }
}

static uint32_t sse2_scan_emit_clear(uint64_t *restrict bits, uint32_t begin, uint32_t end,
                                     uint32_t *restrict out, uint64_t *restrict words_scanned) {
    uint32_t n = 0;
    const simde__m128i zero = simde_mm_setzero_si128();
    for (uint32_t i = begin; i < end; i += 2) {
        simde__m128i v = simde_mm_load_si128((const simde__m128i *)(const void *)(bits + i));
        if (simde_mm_movemask_epi8(simde_mm_cmpeq_epi8(v, zero)) == 0xFFFF) continue;
        n = ck_emit_word(bits[i], i * 64u, out, n);
        n = ck_emit_word(bits[i + 1], (i + 1) * 64u, out, n);
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
