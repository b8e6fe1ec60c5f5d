/* memory.c — the one arena each kernel instance owns: on the local NUMA node via libnuma when
   numa_available() says so, else 64-byte aligned memory from the C library. */
#include "ck_internal.h"

#include <stdlib.h>
#include <string.h>
#if defined(__linux__) && !defined(__wasm__)
#include <sys/mman.h>
#endif

/* Large arenas ask for transparent huge pages: the planner walks big tables in data-dependent
   order, and 4 KiB pages turn that into TLB misses. Advice only; failure is harmless. */
static void advise_huge(void *p, size_t bytes) {
#if defined(__linux__) && !defined(__wasm__) && defined(MADV_HUGEPAGE)
    if (bytes >= ((size_t)4 << 20)) (void)madvise(p, bytes, MADV_HUGEPAGE);
#else
    (void)p;
    (void)bytes;
#endif
}

#if defined(__linux__) && !defined(__wasm__) && defined(__has_include)
#if __has_include(<numa.h>)
#include <numa.h>
#define CK_HAVE_NUMA 1
#endif
#endif

#ifndef CK_HAVE_NUMA
#define CK_HAVE_NUMA 0
#endif

#if CK_HAVE_NUMA
static int ck_numa_usable(void) {
    static int cached = -2;
    if (cached == -2) cached = numa_available() >= 0 ? 1 : 0;
    return cached;
}
#endif

bool ck_arena_alloc(ck_arena_t *arena, size_t bytes) {
    arena->base = NULL;
    arena->numa = 0;
    if (bytes == 0) bytes = 64;
    bytes = (bytes + 63u) & ~(size_t)63u;
    arena->bytes = bytes;
#if CK_HAVE_NUMA
    if (ck_numa_usable()) {
        void *p = numa_alloc_local(bytes);
        if (p != NULL) {
            advise_huge(p, bytes);
            memset(p, 0, bytes);
            arena->base = p;
            arena->numa = 1;
            return true;
        }
    }
#endif
    size_t align = bytes >= ((size_t)4 << 20) ? ((size_t)2 << 20) : 64u;
    bytes = (bytes + align - 1u) & ~(align - 1u);
    arena->bytes = bytes;
    void *p = aligned_alloc(align, bytes);
    if (p == NULL) return false;
    advise_huge(p, bytes);
    memset(p, 0, bytes);
    arena->base = p;
    return true;
}

void ck_arena_free(ck_arena_t *arena) {
    if (arena->base == NULL) return;
#if CK_HAVE_NUMA
    if (arena->numa) {
        numa_free(arena->base, arena->bytes);
        arena->base = NULL;
        return;
    }
#endif
    free(arena->base);
    arena->base = NULL;
}
