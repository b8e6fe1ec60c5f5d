/* bitset_neon.c — NEON bitset primitives through SIMDe: native on arm64; elsewhere SIMDe
   emulates NEON with the host's vectors, which lets the differential tests run this path on any
   machine (auto-selection picks it only on arm64). */
#include "ck_internal.h"
#include "ck_emit.h"

#include <simde/arm/neon.h>

static void neon_or_into(uint64_t *restrict dst, const uint64_t *restrict src, uint32_t words) {
    for (uint32_t i = 0; i < words; i += 2) {
        simde_uint64x2_t a = simde_vld1q_u64(dst + i);
        simde_uint64x2_t b = simde_vld1q_u64(src + i);
        simde_vst1q_u64(dst + i, simde_vorrq_u64(a, b));
    }
}

static uint32_t neon_scan_emit_clear(uint64_t *restrict bits, uint32_t begin, uint32_t end,
                                     uint32_t *restrict out, uint64_t *restrict words_scanned) {
    uint32_t n = 0;
    const simde_uint64x2_t zero = simde_vdupq_n_u64(0);
    for (uint32_t i = begin; i < end; i += 2) {
        simde_uint64x2_t v = simde_vld1q_u64(bits + i);
        if (simde_vmaxvq_u32(simde_vreinterpretq_u32_u64(v)) == 0) continue;
        n = ck_emit_word(bits[i], i * 64u, out, n);
        n = ck_emit_word(bits[i + 1], (i + 1) * 64u, out, n);
        simde_vst1q_u64(bits + i, zero);
    }
    *words_scanned += end - begin;
    return n;
}

const ck_bitset_ops_t ck_ops_neon = {
    .impl = CK_IMPL_NEON,
    .or_into = neon_or_into,
    .scan_emit_clear = neon_scan_emit_clear,
};
