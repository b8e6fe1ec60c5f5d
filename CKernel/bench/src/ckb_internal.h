/* ckb_internal.h — what the bench entries share (not installed): the kernel's internals
   (ck_internal.h: the bitset ops, the arena, ck_fail) and the bench's own helpers. */
#ifndef CKB_INTERNAL_H
#define CKB_INTERNAL_H

#include "ck_internal.h"
#include "ckernel_bench.h"

/* bitset_entries.c: dst |= src over any number of words (a multiple of CK_WORD_BLOCK), in chunks
   that fit or_into's uint32_t count. */
void ck_or_words(const ck_bitset_ops_t *ops, uint64_t *dst, const uint64_t *src, uint64_t words);

#endif
