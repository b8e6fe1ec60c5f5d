/* Emitting the set bits of one 64-bit word with tzcnt; shared by every SIMD implementation. */
#ifndef CK_EMIT_H
#define CK_EMIT_H
#include <stdint.h>

static inline uint32_t ck_emit_word(uint64_t w, uint32_t base, uint32_t *restrict out, uint32_t n) {
    while (w != 0) {
        out[n++] = base + (uint32_t)__builtin_ctzll(w);
        w &= w - 1;
    }
    return n;
}
#endif
