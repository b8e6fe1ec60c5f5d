/* floor.c — the converge workload's floor for benchmarks: the plain C loop a hand-written
   executor of d_i = b_i + 1 would run over the same state slots (docs/bytecode.md, "Floor"). */
#include "ckb_internal.h"

void ck_floor_add_one(double *values, const uint32_t *from, const uint32_t *to, uint32_t count) {
    if (values == NULL || from == NULL || to == NULL) return;
    for (uint32_t i = 0; i < count; i++) values[to[i]] = values[from[i]] + 1.0;
}

void ck_floor_write_add_one(double *values, const uint32_t *from, const uint32_t *to, uint32_t writes, uint32_t count,
                            double value) {
    if (values == NULL || from == NULL || to == NULL) return;
    for (uint32_t i = 0; i < writes; i++) values[from[i]] = value;
    for (uint32_t i = 0; i < count; i++) values[to[i]] = values[from[i]] + 1.0;
}

uint64_t ck_probe_chain(uint64_t n, uint64_t seed) {
    uint64_t x = seed;
    for (uint64_t i = 0; i < n; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull; /* each step needs the last */
    }
    return x;
}

uint64_t ck_probe_stream(uint64_t *dst, const uint64_t *src, size_t words, uint32_t passes) {
    if (dst == NULL || src == NULL) return 0;
    uint64_t acc = 0;
    for (uint32_t p = 0; p < passes; p++) {
        for (size_t i = 0; i < words; i++) {
            uint64_t v = dst[i] | (src[i] ^ p); /* load, load, store: the kernel's bitset traffic */
            dst[i] = v;
            acc ^= v;
        }
    }
    return acc;
}

/* The contiguous floor: the same loop over b[] and d[] laid side by side (what L4's layout gives
   the kernel), vectorised by the compiler for the kernel's SIMD target: the AVX2 build carries
   the target attributes of the kernel's AVX2 paths (vm_fused.c). */
static inline __attribute__((always_inline)) void contiguous_loop(double *restrict b, double *restrict d, uint32_t writes,
                                                                  uint32_t count, double value) {
    for (uint32_t i = 0; i < writes; i++) b[i] = value;
    for (uint32_t i = 0; i < count; i++) d[i] = b[i] + 1.0;
}

static void contiguous_generic(double *restrict b, double *restrict d, uint32_t writes, uint32_t count, double value) {
    contiguous_loop(b, d, writes, count, value);
}

#if (defined(__x86_64__) || defined(_M_X64)) && !defined(__wasm__)
__attribute__((target("avx2"))) static void contiguous_avx2(double *restrict b, double *restrict d, uint32_t writes,
                                                            uint32_t count, double value) {
    contiguous_loop(b, d, writes, count, value);
}
#endif

ck_status_t ck_floor_contiguous_add_one(ck_impl_t impl, double *b, double *d, uint32_t writes, uint32_t count, double value) {
    if (b == NULL || d == NULL) return CK_ERR_NULL_ARGUMENT;
    if (writes > count) return CK_ERR_BAD_ARGUMENT;
    if (impl == CK_IMPL_AUTO) impl = ck_impl_default(NULL);
    if (!ck_impl_available(impl)) return CK_ERR_IMPL_UNAVAILABLE;
#if (defined(__x86_64__) || defined(_M_X64)) && !defined(__wasm__)
    if (impl == CK_IMPL_AVX2) {
        contiguous_avx2(b, d, writes, count, value);
        return CK_OK;
    }
#endif
    contiguous_generic(b, d, writes, count, value);
    return CK_OK;
}
