/* bitset_simd128.c — wasm SIMD128 bitset primitives through SIMDe: native when compiled for
   wasm32 with +simd128 (issue C); elsewhere SIMDe emulates them, so the same code is exercised by
   the differential tests on every machine (auto-selection never picks it outside wasm). */
#include "ck_internal.h"
#include "ck_emit.h"

#include <simde/wasm/simd128.h>
#include "ck_bytebits.h"

#define SIMD128_STORE8(dst, row, base)                                                            \
    do {                                                                                          \
        simde_v128_t w_ = simde_wasm_u16x8_load8x8(row);                                          \
        simde_v128_t b_ = simde_wasm_i32x4_splat((int32_t)(base));                                \
        simde_wasm_v128_store((dst), simde_wasm_i32x4_add(simde_wasm_u32x4_extend_low_u16x8(w_), b_)); \
        simde_wasm_v128_store((dst) + 4, simde_wasm_i32x4_add(simde_wasm_u32x4_extend_high_u16x8(w_), b_)); \
    } while (0)
CK_DEFINE_TABLE_EMIT(simd128_emit_word, SIMD128_STORE8)

static void simd128_or_into(uint64_t *restrict dst, const uint64_t *restrict src, uint32_t words) {
    for (uint32_t i = 0; i < words; i += 2) {
        simde_v128_t a = simde_wasm_v128_load(dst + i);
        simde_v128_t b = simde_wasm_v128_load(src + i);
        simde_wasm_v128_store(dst + i, simde_wasm_v128_or(a, b));
    }
}

static uint32_t simd128_scan_emit_clear(uint64_t *restrict bits, uint32_t begin, uint32_t end,
                                        uint32_t *restrict out, uint32_t capacity,
                                        uint64_t *restrict words_scanned) {
    uint32_t n = 0;
    const simde_v128_t zero = simde_wasm_i64x2_splat(0);
    for (uint32_t i = begin; i < end; i += 2) {
        simde_v128_t v = simde_wasm_v128_load(bits + i);
        if (!simde_wasm_v128_any_true(v)) continue;
        for (uint32_t j = 0; j < 2; j++) {
            if (n + CK_EMIT_SLACK <= capacity) n = simd128_emit_word(bits[i + j], (i + j) * 64u, out, n);
            else n = ck_emit_word(bits[i + j], (i + j) * 64u, out, n);
        }
        simde_wasm_v128_store(bits + i, zero);
    }
    *words_scanned += end - begin;
    return n;
}

const ck_bitset_ops_t ck_ops_simd128 = {
    .impl = CK_IMPL_SIMD128,
    .or_into = simd128_or_into,
    .scan_emit_clear = simd128_scan_emit_clear,
};
