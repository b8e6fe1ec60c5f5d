/* bitset_scalar.c — the portable reference implementation of the bitset primitives. */
#include "ck_internal.h"

static void scalar_or_into(uint64_t *restrict dst, const uint64_t *restrict src, uint32_t words) {
    for (uint32_t i = 0; i < words; i++) dst[i] |= src[i];
}

static uint32_t scalar_scan_emit_clear(uint64_t *restrict bits, uint32_t begin, uint32_t end,
                                       uint32_t *restrict out, uint32_t capacity,
                                       uint64_t *restrict words_scanned) {
    (void)capacity; /* the reference writes exactly one slot per id */
    uint32_t n = 0;
    for (uint32_t i = begin; i < end; i++) {
        uint64_t w = bits[i];
        if (w == 0) continue;
        bits[i] = 0;
        uint32_t base = i * 64u;
        do {
            out[n++] = base + (uint32_t)__builtin_ctzll(w);
            w &= w - 1;
        } while (w != 0);
    }
    *words_scanned += end - begin;
    return n;
}

const ck_bitset_ops_t ck_ops_scalar = {
    .impl = CK_IMPL_SCALAR,
    .or_into = scalar_or_into,
    .scan_emit_clear = scalar_scan_emit_clear,
};
