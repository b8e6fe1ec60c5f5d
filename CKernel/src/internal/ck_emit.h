/* Emitting the set bits of one 64-bit word as ids; shared by every SIMD implementation. */
#ifndef CK_EMIT_H
#define CK_EMIT_H
#include <stdint.h>

/* One id per set bit with tzcnt: exact, writes nothing past the last id. */
static inline uint32_t ck_emit_word(uint64_t w, uint32_t base, uint32_t *restrict out, uint32_t n) {
    while (w != 0) {
        out[n++] = base + (uint32_t)__builtin_ctzll(w);
        w &= w - 1;
    }
    return n;
}

/* Room the byte-table emitters need: up to 64 ids of a word plus 7 scratch slots past them. */
#define CK_EMIT_SLACK 72u

/* Defines `static uint32_t NAME(uint64_t w, uint32_t base, uint32_t *out, uint32_t n)` that emits a
   word byte by byte: per non-zero byte, 8 positions from ck_byte_bits widened to 32 bits, plus
   base, stored at once (STORE8(dst, row, base32)); the count advances by the byte's popcount.
   Each ISA file supplies STORE8 with its own widening instructions. */
#define CK_DEFINE_TABLE_EMIT(NAME, STORE8)                                                        \
    static inline uint32_t NAME(uint64_t w, uint32_t base, uint32_t *restrict out, uint32_t n) {  \
        for (uint32_t byte = 0; byte < 8u && w != 0; byte++, w >>= 8) {                           \
            uint32_t v = (uint32_t)(w & 0xFFu);                                                   \
            if (v == 0) continue;                                                                 \
            STORE8(out + n, ck_byte_bits[v], base + byte * 8u);                                   \
            n += (uint32_t)__builtin_popcount(v);                                                 \
        }                                                                                         \
        return n;                                                                                 \
    }
#endif
