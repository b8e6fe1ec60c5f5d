/* bandwidth.c — the memory-bandwidth probe: dst |= src streamed over two buffers with one
   implementation's bitset OR, timed in samples, reported as bytes moved and GB/s (best sample and
   mean). The "physical limit" the perf report sets the planner's achieved bytes/s against.
   Portable C: the buffers come from memory.c, the clock is ck_now_ns (the host's on wasm32). */
#include "ckb_internal.h"

#include <string.h>

/* dst starts this many bytes past src's end, so that src[i] and dst[i] do not share their low
   12 address bits (4K aliasing stalls loads behind stores on x86) — for every size the probe
   uses (powers of two, or multiples of 4 KiB); a size ≡ 3840 mod 4096 would alias. */
#define CK_DST_GAP 256u

/* A sample times enough passes to stream at least this many bytes per buffer. */
#define CK_SAMPLE_BYTES ((size_t)1 << 20)

/* SplitMix64's output for the state after `n` steps from seed 0 (n >= 1). */
static uint64_t splitmix_output(uint64_t n) {
    uint64_t z = n * 0x9E3779B97F4A7C15u;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

ck_status_t ck_bandwidth_probe(ck_impl_t impl, size_t bytes, uint32_t min_passes, uint64_t min_ns,
                               ck_bandwidth_result_t *out, ck_error_t *error) {
    if (out == NULL) return ck_fail(error, CK_ERR_NULL_ARGUMENT, CK_TABLE_NONE, 4, 0);
    memset(out, 0, sizeof *out);
    if ((unsigned)impl > (unsigned)CK_IMPL_SIMD128)
        return ck_fail(error, CK_ERR_BAD_OPTION, CK_TABLE_NONE, 0, (uint64_t)(unsigned)impl);
    if (bytes == 0 || bytes % 64u != 0) return ck_fail(error, CK_ERR_BAD_ARGUMENT, CK_TABLE_NONE, 1, (uint64_t)bytes);
    /* room for both buffers, the gap, and memory.c rounding the arena up to 2 MiB (32-bit targets) */
    if (bytes > (SIZE_MAX - CK_DST_GAP - ((size_t)4 << 20)) / 2u) return ck_fail(error, CK_ERR_TOO_LARGE, CK_TABLE_NONE, 1, (uint64_t)bytes);
    const ck_bitset_ops_t *ops = ck_ops_for(impl);
    if (ops == NULL) return ck_fail(error, CK_ERR_IMPL_UNAVAILABLE, CK_TABLE_NONE, 0, (uint64_t)impl);

    ck_arena_t arena;
    if (!ck_arena_alloc(&arena, 2u * bytes + CK_DST_GAP)) return ck_fail(error, CK_ERR_OUT_OF_MEMORY, CK_TABLE_NONE, 1, (uint64_t)bytes);
    const uint64_t words = (uint64_t)bytes / 8u;
    uint64_t *src = (uint64_t *)arena.base;
    uint64_t *dst = src + words + CK_DST_GAP / 8u;
    for (uint64_t i = 0; i < words; i++) {
        src[i] = splitmix_output(2u * i + 1u);
        dst[i] = splitmix_output(2u * i + 2u);
    }

    const uint64_t per_sample = bytes >= CK_SAMPLE_BYTES ? 1u : (CK_SAMPLE_BYTES + bytes - 1u) / bytes;
    for (uint64_t p = 0; p < per_sample; p++) ck_or_words(ops, dst, src, words); /* warm-up */
    uint64_t samples = 0, elapsed = 0, best = UINT64_MAX;
    while (samples == 0 || samples * per_sample < min_passes || elapsed < min_ns) {
        const uint64_t t0 = ck_now_ns();
        for (uint64_t p = 0; p < per_sample; p++) ck_or_words(ops, dst, src, words);
        uint64_t t = ck_now_ns() - t0;
        if (t == 0) t = 1; /* a clock coarser than the sample: count it as 1 ns, never divide by 0 */
        elapsed += t;
        if (t < best) best = t;
        samples++;
    }

    uint64_t h = 0xcbf29ce484222325u;
    for (uint64_t i = 0; i < words; i++) h = (h ^ dst[i]) * 0x100000001b3u;

    out->impl = ops->impl;
    out->numa = arena.numa;
    out->bytes = (uint64_t)bytes;
    out->passes_per_sample = per_sample;
    out->samples = samples;
    out->passes = samples * per_sample;
    out->bytes_moved = 3u * (uint64_t)bytes * out->passes;
    out->elapsed_ns = elapsed;
    out->best_sample_ns = best;
    out->best_pass_ns = (double)best / (double)per_sample;
    out->gb_per_s_best = 3.0 * (double)bytes / out->best_pass_ns;
    out->gb_per_s_mean = (double)out->bytes_moved / (double)elapsed;
    out->checksum = h;
    ck_arena_free(&arena);
    return CK_OK;
}
