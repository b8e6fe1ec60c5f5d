/* bitset_neon.c — NEON bitset primitives through SIMDe: native on arm64; elsewhere SIMDe
   emulates NEON with the host's vectors, which lets the differential tests run this path on any
   machine (auto-selection picks it only on arm64). */
#include "ck_internal.h"
#include "ck_emit.h"

#include <simde/arm/neon.h>
#include "ck_bytebits.h"

#define NEON_STORE8(dst, row, base)                                                               \
    do {                                                                                          \
        simde_uint16x8_t w_ = simde_vmovl_u8(simde_vld1_u8(row));                                 \
        simde_uint32x4_t b_ = simde_vdupq_n_u32(base);                                            \
        simde_vst1q_u32((dst), simde_vaddq_u32(simde_vmovl_u16(simde_vget_low_u16(w_)), b_));     \
        simde_vst1q_u32((dst) + 4, simde_vaddq_u32(simde_vmovl_u16(simde_vget_high_u16(w_)), b_)); \
    } while (0)
CK_DEFINE_TABLE_EMIT(neon_emit_word, NEON_STORE8)

static void neon_or_into(uint64_t *restrict dst, const uint64_t *restrict src, uint32_t words) {
    for (uint32_t i = 0; i < words; i += 2) {
        simde_uint64x2_t a = simde_vld1q_u64(dst + i);
        simde_uint64x2_t b = simde_vld1q_u64(src + i);
        simde_vst1q_u64(dst + i, simde_vorrq_u64(a, b));
    }
}

static uint32_t neon_scan_emit_clear(uint64_t *restrict bits, uint32_t begin, uint32_t end,
                                     uint32_t *restrict out, uint32_t capacity,
                                     uint64_t *restrict words_scanned) {
    uint32_t n = 0;
    const simde_uint64x2_t zero = simde_vdupq_n_u64(0);
    for (uint32_t i = begin; i < end; i += 2) {
        simde_uint64x2_t v = simde_vld1q_u64(bits + i);
        if (simde_vmaxvq_u32(simde_vreinterpretq_u32_u64(v)) == 0) continue;
        for (uint32_t j = 0; j < 2; j++) {
            if (n + CK_EMIT_SLACK <= capacity) n = neon_emit_word(bits[i + j], (i + j) * 64u, out, n);
            else n = ck_emit_word(bits[i + j], (i + j) * 64u, out, n);
        }
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
