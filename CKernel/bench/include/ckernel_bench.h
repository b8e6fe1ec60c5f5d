/*
 * ckernel_bench.h — what benchmarks measure the kernel against, kept out of the kernel's API
 * (target CKernelBench; the kernel never calls it): the converge workload's floors (the plain C
 * loop over the same data), the machine probe, and the memory-bandwidth probe. Same conventions
 * as ckernel.h: statuses and ck_error_t, no aborts, no prints.
 */
#ifndef CKERNEL_BENCH_H
#define CKERNEL_BENCH_H

#include "ckernel.h"

#ifdef __cplusplus
extern "C" {
#endif

/* --- bitset primitives */

/*
 * The bitset primitives the planner uses, on caller-owned bitsets, with one implementation
 * (CK_IMPL_AUTO = ck_impl_default). For benchmarks and the tests that compare implementations: the
 * planner never goes through these. Both allocate nothing and check their arguments first (nothing is written on error).
 * - words is a multiple of CK_BITSET_WORD_BLOCK (8 words = 512 bits); the bitsets are 64-byte
 *   aligned and do not overlap.
 * Errors (error may be NULL; error->index = the argument's position, value = the argument):
 * CK_ERR_BAD_OPTION (impl is no ck_impl_t), CK_ERR_IMPL_UNAVAILABLE (it does not run here),
 * CK_ERR_NULL_ARGUMENT, CK_ERR_BAD_ARGUMENT (words not a multiple of 8, a misaligned bitset),
 * CK_ERR_TOO_LARGE (scan: words beyond CK_BITSET_SCAN_MAX_WORDS).
 */
#define CK_BITSET_WORD_BLOCK 8u
#define CK_BITSET_SCAN_MAX_WORDS ((uint64_t)1 << 25)  /* 2^31 bits: ids and counts fit uint32_t */

/* dst[i] |= src[i] for i < words (`impl`'s SIMD OR, the one closure rows are merged with). */
ck_status_t ck_bitset_or(ck_impl_t impl, uint64_t *dst, const uint64_t *src, uint64_t words,
                         ck_error_t *error);

/*
 * Writes the index of every set bit of bits[0..words) to out, ascending, clears those words, and
 * sets *out_count (`impl`'s scan: the planner's last phase). out_capacity >= words * 64 needs no
 * check; a smaller capacity costs one popcount pass first, and CK_ERR_BUFFER_TOO_SMALL
 * (error->value = the set bits) when the bits do not fit (bits unchanged).
 */
ck_status_t ck_bitset_scan_clear(ck_impl_t impl, uint64_t *bits, uint64_t words, uint32_t *out,
                                 uint64_t out_capacity, uint32_t *out_count, ck_error_t *error);

/*
 * The converge workload's floor, for benchmarks: values[to[i]] = values[from[i]] + 1.0 for
 * i < count — what a plain C loop over the same slots costs (no tags, no Object.is check, no undo
 * log), measured beside L3 in the same run. NULL pointers make it a no-op. Allocates nothing.
 */
void ck_floor_add_one(double *values, const uint32_t *from, const uint32_t *to, uint32_t count);

/* The same with the transaction's reducer writes first: values[from[i]] = value for i < writes
   (writes <= count), then the loop — the floor of a transaction that writes k roots and runs
   `count` steps. */
void ck_floor_write_add_one(double *values, const uint32_t *from, const uint32_t *to, uint32_t writes, uint32_t count,
                            double value);

/*
 * The contiguous floor (L4's target, docs/bytecode.md "Floor"): b[0 … writes) = value, then
 * d[i] = b[i] + 1.0 for i < count, over two separate arrays, compiled for the SIMD target `impl`
 * names (CK_IMPL_AVX2: the kernel's AVX2 target attributes; CK_IMPL_AUTO: ck_impl_default).
 * Errors: CK_ERR_NULL_ARGUMENT, CK_ERR_BAD_ARGUMENT (writes > count), CK_ERR_IMPL_UNAVAILABLE.
 */
ck_status_t ck_floor_contiguous_add_one(ck_impl_t impl, double *b, double *d, uint32_t writes, uint32_t count, double value);

/* The machine probe of benchmarks: n iterations of a dependent 64-bit multiply-add chain from
   `seed` (no memory traffic), returning the last value so that the work cannot be dropped. Its
   time depends on the core's speed and on what shares it, not on the process's memory layout:
   the bench times it beside every sample to tell a slower machine from a slower kernel
   (`machine.probeMs`, docs/perf-diff.md). */
uint64_t ck_probe_chain(uint64_t n, uint64_t seed);

/* The memory probe of benchmarks: `passes` passes of dst[i] |= src[i] ^ pass over `words` words
   (two loads and a store per word, a fixed buffer the caller keeps), returning an xor of the
   values stored so that the work cannot be dropped; 0 when a buffer is NULL. Unlike the chain it
   slows when another tenant of the machine contends for the core's caches and load/store ports,
   as the kernel does (`machine.memProbeMs`, docs/perf-diff.md). */
uint64_t ck_probe_stream(uint64_t *dst, const uint64_t *src, size_t words, uint32_t passes);


/* ---------------------------------------------------------------- bandwidth probe */

/*
 * The memory-bandwidth probe ("physical limit"): two buffers of `bytes` each (src, dst) in one
 * region from the kernel's memory layer (local NUMA node when libnuma reports NUMA, else 64-byte
 * aligned, huge-page advice from 4 MiB), filled with a fixed pattern, then dst |= src streamed
 * with `impl`'s bitset OR (ck_bitset_or), repeated until at least `min_passes` passes and
 * `min_ns` nanoseconds have been timed (at least one sample). One untimed warm-up sample first.
 *
 * Conventions
 * - A pass is one OR over the whole buffers. It moves 3 * bytes: src read, dst read, dst written
 *   (write-allocate traffic is not counted). GB = 10^9 bytes.
 * - Passes are timed in samples of passes_per_sample passes (ck_now_ns around each sample), so
 *   that a sample moves at least 1 MiB per buffer and clock reads do not dominate small buffers.
 * - gb_per_s_best = 3 * bytes / best_pass_ns; gb_per_s_mean = bytes_moved / elapsed_ns.
 * - The pattern: word i of src is output 2i+1, and word i of dst output 2i+2, of SplitMix64 seeded
 *   with 0 (outputs numbered from 1). After the probe dst[i] == src[i] | old dst[i];
 *   checksum is FNV-1a over dst's words: h = 0xcbf29ce484222325, h = (h ^ word) * 0x100000001b3.
 *
 * Errors (nothing allocated; error may be NULL; error->index = the argument's position):
 * CK_ERR_NULL_ARGUMENT (out, index 4), CK_ERR_BAD_ARGUMENT (bytes 0 or not a multiple of 64,
 * index 1), CK_ERR_TOO_LARGE (2 * bytes does not fit a size_t, index 1), CK_ERR_BAD_OPTION /
 * CK_ERR_IMPL_UNAVAILABLE (impl, index 0), CK_ERR_OUT_OF_MEMORY. The buffers are freed before
 * returning. Not for hot paths: it allocates 2 * bytes.
 */
typedef struct ck_bandwidth_result {
    ck_impl_t impl;               /* the implementation that ran (never CK_IMPL_AUTO) */
    int numa;                     /* 1 when the buffers came from libnuma */
    uint64_t bytes;               /* bytes of each buffer */
    uint64_t passes;              /* timed passes */
    uint64_t passes_per_sample;
    uint64_t samples;             /* timed samples (passes = samples * passes_per_sample) */
    uint64_t bytes_moved;         /* 3 * bytes * passes */
    uint64_t elapsed_ns;          /* sum of the samples' times */
    uint64_t best_sample_ns;      /* the fastest sample */
    double best_pass_ns;          /* best_sample_ns / passes_per_sample */
    double gb_per_s_best;
    double gb_per_s_mean;
    uint64_t checksum;            /* FNV-1a of dst after the probe (see above) */
} ck_bandwidth_result_t;

ck_status_t ck_bandwidth_probe(ck_impl_t impl, size_t bytes, uint32_t min_passes, uint64_t min_ns,
                               ck_bandwidth_result_t *out, ck_error_t *error);

#ifdef __cplusplus
}
#endif

#endif /* CKERNEL_BENCH_H */
