/* bitset_entries.c — the bitset primitives of one implementation on caller-owned bitsets
   (ck_bitset_or, ck_bitset_scan_clear): what the benchmarks and tests time and compare per
   implementation. Arguments are checked before anything is read or written. */
#include "ckb_internal.h"

/* The ops of `impl` (argument 0), or an error. */
static ck_status_t ops_of(ck_impl_t impl, const ck_bitset_ops_t **ops, ck_error_t *error) {
    if ((unsigned)impl > (unsigned)CK_IMPL_SIMD128)
        return ck_fail(error, CK_ERR_BAD_OPTION, CK_TABLE_NONE, 0, (uint64_t)(unsigned)impl);
    *ops = ck_ops_for(impl);
    if (*ops == NULL) return ck_fail(error, CK_ERR_IMPL_UNAVAILABLE, CK_TABLE_NONE, 0, (uint64_t)impl);
    return CK_OK;
}

static bool aligned64(const void *p) { return ((uintptr_t)p & 63u) == 0; }

/* or_into takes a uint32_t count: longer bitsets go in chunks of this many words. */
#define CK_OR_CHUNK_WORDS ((uint64_t)1 << 28)

void ck_or_words(const ck_bitset_ops_t *ops, uint64_t *dst, const uint64_t *src, uint64_t words) {
    while (words > 0) {
        uint64_t n = words < CK_OR_CHUNK_WORDS ? words : CK_OR_CHUNK_WORDS;
        ops->or_into(dst, src, (uint32_t)n);
        dst += n;
        src += n;
        words -= n;
    }
}

ck_status_t ck_bitset_or(ck_impl_t impl, uint64_t *dst, const uint64_t *src, uint64_t words,
                         ck_error_t *error) {
    const ck_bitset_ops_t *ops = NULL;
    ck_status_t st = ops_of(impl, &ops, error);
    if (st != CK_OK) return st;
    if (dst == NULL) return ck_fail(error, CK_ERR_NULL_ARGUMENT, CK_TABLE_NONE, 1, 0);
    if (src == NULL) return ck_fail(error, CK_ERR_NULL_ARGUMENT, CK_TABLE_NONE, 2, 0);
    if (!aligned64(dst)) return ck_fail(error, CK_ERR_BAD_ARGUMENT, CK_TABLE_NONE, 1, (uint64_t)(uintptr_t)dst);
    if (!aligned64(src)) return ck_fail(error, CK_ERR_BAD_ARGUMENT, CK_TABLE_NONE, 2, (uint64_t)(uintptr_t)src);
    if (words % CK_BITSET_WORD_BLOCK != 0 || words > UINTPTR_MAX / 16u)
        return ck_fail(error, CK_ERR_BAD_ARGUMENT, CK_TABLE_NONE, 3, words);
    uintptr_t d = (uintptr_t)dst, s = (uintptr_t)src, len = (uintptr_t)words * 8u;
    if (words > 0 && d < s + len && s < d + len) /* overlapping: the kernels assume restrict */
        return ck_fail(error, CK_ERR_BAD_ARGUMENT, CK_TABLE_NONE, 2, (uint64_t)s);
    ck_or_words(ops, dst, src, words);
    return CK_OK;
}

ck_status_t ck_bitset_scan_clear(ck_impl_t impl, uint64_t *bits, uint64_t words, uint32_t *out,
                                 uint64_t out_capacity, uint32_t *out_count, ck_error_t *error) {
    const ck_bitset_ops_t *ops = NULL;
    ck_status_t st = ops_of(impl, &ops, error);
    if (st != CK_OK) return st;
    if (bits == NULL) return ck_fail(error, CK_ERR_NULL_ARGUMENT, CK_TABLE_NONE, 1, 0);
    if (out == NULL) return ck_fail(error, CK_ERR_NULL_ARGUMENT, CK_TABLE_NONE, 3, 0);
    if (out_count == NULL) return ck_fail(error, CK_ERR_NULL_ARGUMENT, CK_TABLE_NONE, 5, 0);
    if (!aligned64(bits)) return ck_fail(error, CK_ERR_BAD_ARGUMENT, CK_TABLE_NONE, 1, (uint64_t)(uintptr_t)bits);
    if (words % CK_BITSET_WORD_BLOCK != 0) return ck_fail(error, CK_ERR_BAD_ARGUMENT, CK_TABLE_NONE, 2, words);
    if (words > CK_BITSET_SCAN_MAX_WORDS) return ck_fail(error, CK_ERR_TOO_LARGE, CK_TABLE_NONE, 2, words);
    if (out_capacity < words * 64u) {
        uint64_t set = 0;
        for (uint64_t i = 0; i < words; i++) set += (uint64_t)__builtin_popcountll(bits[i]);
        if (set > out_capacity) return ck_fail(error, CK_ERR_BUFFER_TOO_SMALL, CK_TABLE_NONE, 4, set);
    }
    uint64_t scanned = 0;
    uint32_t capacity = out_capacity > UINT32_MAX ? UINT32_MAX : (uint32_t)out_capacity;
    *out_count = words == 0 ? 0 : ops->scan_emit_clear(bits, 0, (uint32_t)words, out, capacity, &scanned);
    return CK_OK;
}
