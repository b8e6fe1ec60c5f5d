/* dispatch.c — choosing a SIMD implementation: CPU detection once (cached), the
   CKERNEL_FORCE_IMPL override, and the names of implementations, strategies and statuses. */
#include "ck_internal.h"

#include <stdlib.h>
#include <string.h>

static const char *const impl_names[] = {"auto", "scalar", "sse2", "avx2", "neon", "simd128"};

const char *ck_impl_name(ck_impl_t impl) {
    if ((unsigned)impl < sizeof impl_names / sizeof impl_names[0]) return impl_names[impl];
    return "unknown";
}

ck_status_t ck_impl_parse(const char *name, ck_impl_t *out) {
    if (name == NULL || out == NULL) return CK_ERR_NULL_ARGUMENT;
    for (unsigned i = 0; i < sizeof impl_names / sizeof impl_names[0]; i++) {
        if (strcmp(name, impl_names[i]) == 0) {
            *out = (ck_impl_t)i;
            return CK_OK;
        }
    }
    return CK_ERR_BAD_OPTION;
}

static int cpu_has_avx2(void) {
#if (defined(__x86_64__) || defined(_M_X64)) && !defined(__wasm__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi") &&
           __builtin_cpu_supports("popcnt");
#else
    return 0;
#endif
}

int ck_impl_available(ck_impl_t impl) {
    switch (impl) {
    case CK_IMPL_AUTO:
    case CK_IMPL_SCALAR:
    case CK_IMPL_NEON:     /* native on arm64, SIMDe-emulated elsewhere */
    case CK_IMPL_SIMD128:  /* native on wasm32+simd128, SIMDe-emulated elsewhere */
        return 1;
    case CK_IMPL_SSE2:
#if defined(__x86_64__) || defined(_M_X64)
        return 1;
#else
        return 0;
#endif
    case CK_IMPL_AVX2:
        return cpu_has_avx2();
    }
    return 0;
}

static ck_impl_t detect_best(void) {
#if defined(__wasm__)
#if defined(__wasm_simd128__)
    return CK_IMPL_SIMD128;
#else
    return CK_IMPL_SCALAR;
#endif
#elif defined(__aarch64__) || defined(_M_ARM64)
    return CK_IMPL_NEON;
#elif defined(__x86_64__) || defined(_M_X64)
    return cpu_has_avx2() ? CK_IMPL_AVX2 : CK_IMPL_SSE2;
#else
    return CK_IMPL_SCALAR;
#endif
}

/* Detection is idempotent, so a benign race between threads computing it is harmless; the
   cache is an atomic int to keep that race well defined. */
static _Atomic int cached_default = -1;
static _Atomic int cached_forced_status = CK_OK;

ck_impl_t ck_impl_default(ck_status_t *forced_status) {
    int cached = cached_default;
    if (cached < 0) {
        ck_impl_t best = detect_best();
        ck_status_t status = CK_OK;
#if defined(__wasm__)
        const char *env = NULL; /* no environment in a freestanding module: each build has one impl */
#else
        const char *env = getenv("CKERNEL_FORCE_IMPL");
#endif
        if (env != NULL && env[0] != '\0') {
            ck_impl_t forced;
            if (ck_impl_parse(env, &forced) != CK_OK) {
                status = CK_ERR_BAD_OPTION;
            } else if (forced != CK_IMPL_AUTO) {
                if (ck_impl_available(forced)) best = forced;
                else status = CK_ERR_IMPL_UNAVAILABLE;
            }
        }
        cached_forced_status = (int)status;
        cached_default = (int)best;
        cached = (int)best;
    }
    if (forced_status != NULL) *forced_status = (ck_status_t)cached_forced_status;
    return (ck_impl_t)cached;
}

const ck_bitset_ops_t *ck_ops_for(ck_impl_t impl) {
    if (impl == CK_IMPL_AUTO) impl = ck_impl_default(NULL);
    if (!ck_impl_available(impl)) return NULL;
    switch (impl) {
    case CK_IMPL_SCALAR: return &ck_ops_scalar;
    case CK_IMPL_SSE2: return ck_ops_sse2.or_into ? &ck_ops_sse2 : NULL;
    case CK_IMPL_AVX2: return ck_ops_avx2.or_into ? &ck_ops_avx2 : NULL;
    case CK_IMPL_NEON: return &ck_ops_neon;
    case CK_IMPL_SIMD128: return &ck_ops_simd128;
    case CK_IMPL_AUTO: break;
    }
    return NULL;
}

const char *ck_strategy_name(ck_strategy_t strategy) {
    switch (strategy) {
    case CK_STRATEGY_AUTO: return "auto";
    case CK_STRATEGY_ROWS: return "rows";
    case CK_STRATEGY_FRONTIER: return "frontier";
    case CK_STRATEGY_LISTS: return "lists";
    }
    return "unknown";
}

const char *ck_status_name(ck_status_t status) {
    switch (status) {
    case CK_OK: return "ok";
    case CK_ERR_NULL_ARGUMENT: return "null argument";
    case CK_ERR_BAD_TABLES: return "bad tables";
    case CK_ERR_TOO_LARGE: return "too large";
    case CK_ERR_OUT_OF_MEMORY: return "out of memory";
    case CK_ERR_UNKNOWN_PATH_ID: return "unknown path id";
    case CK_ERR_BAD_MODE: return "bad mode";
    case CK_ERR_BAD_SCOPE: return "bad scope";
    case CK_ERR_BUFFER_TOO_SMALL: return "buffer too small";
    case CK_ERR_BAD_OPTION: return "bad option";
    case CK_ERR_IMPL_UNAVAILABLE: return "implementation unavailable";
    case CK_ERR_INVARIANT: return "invariant broken";
    case CK_ERR_UNKNOWN_STEP_ID: return "unknown step id";
    case CK_ERR_NO_HOST_STEP: return "no host step";
    case CK_ERR_BAD_ARGUMENT: return "bad argument";
    case CK_ERR_BAD_CODE: return "bad code";
    case CK_ERR_BAD_ARTIFACT: return "bad artifact";
    case CK_ERR_BAD_WRITE: return "bad write";
    }
    return "unknown status";
}
