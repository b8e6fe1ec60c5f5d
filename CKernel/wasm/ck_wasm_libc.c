/* ck_wasm_libc.c — the C library subset a freestanding wasm32 build of CKernel needs: memory
   functions (lowered to bulk-memory instructions) and a small first-fit allocator over linear
   memory. Only compiled into converge.wasm / converge-scalar.wasm, never into the native library.

   The allocator: every block carries a 64-byte header (size, free-list link), so payloads are
   64-byte aligned as the kernel's arenas want (larger alignments are served at 64: there are no
   huge pages in wasm). A freed block at the top of the heap returns to it; any other goes to a
   free list searched first fit (no splitting, no coalescing: a kernel allocates a handful of
   arenas at creation and nothing while planning). The heap grows with memory.grow. Allocation fails
   (NULL) when memory cannot grow: the kernel turns that into CK_ERR_OUT_OF_MEMORY. */
#define CKW_LIBC_IMPLEMENTATION 1 /* the functions themselves, not the builtin macros */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <stdlib.h>

void *memset(void *dst, int c, size_t n) {
    __builtin_memset(dst, c, n); /* memory.fill with +bulk-memory */
    return dst;
}

void *memcpy(void *restrict dst, const void *restrict src, size_t n) {
    __builtin_memcpy(dst, src, n); /* memory.copy */
    return dst;
}

void *memmove(void *dst, const void *src, size_t n) {
    __builtin_memmove(dst, src, n); /* memory.copy handles overlap */
    return dst;
}

int memcmp(const void *a, const void *b, size_t n) {
    const unsigned char *x = a, *y = b;
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
    return 0;
}

int strcmp(const char *a, const char *b) {
    while (*a && *a == *b) { a++; b++; }
    return (unsigned char)*a - (unsigned char)*b;
}

size_t strlen(const char *s) {
    size_t n = 0;
    while (s[n]) n++;
    return n;
}

void abort(void) { __builtin_trap(); }

#define CKW_HEADER 64u
#define CKW_PAGE 65536u

typedef struct ckw_block {
    size_t size;             /* payload bytes (a multiple of 64) */
    struct ckw_block *next;  /* free list link while free */
    uint32_t free;
} ckw_block_t;

extern unsigned char __heap_base;
static uintptr_t heap_top;   /* end of the carved heap */
static ckw_block_t *free_list;

static ckw_block_t *block_of(void *p) { return (ckw_block_t *)((unsigned char *)p - CKW_HEADER); }

void *malloc(size_t n) {
    if (n == 0) n = 1;
    if (n > SIZE_MAX - 2u * CKW_HEADER) return NULL;
    size_t size = (n + 63u) & ~(size_t)63u;
    ckw_block_t **link = &free_list;
    for (ckw_block_t *b = free_list; b != NULL; link = &b->next, b = b->next) {
        if (b->size >= size) {
            *link = b->next;
            b->free = 0;
            b->next = NULL;
            return (unsigned char *)b + CKW_HEADER;
        }
    }
    if (heap_top == 0) heap_top = ((uintptr_t)&__heap_base + 63u) & ~(uintptr_t)63u;
    uintptr_t end = heap_top + CKW_HEADER + size;
    if (end < heap_top) return NULL;
    uintptr_t have = (uintptr_t)__builtin_wasm_memory_size(0) * CKW_PAGE;
    if (end > have) {
        uintptr_t pages = (end - have + CKW_PAGE - 1u) / CKW_PAGE;
        if (__builtin_wasm_memory_grow(0, pages) == (size_t)-1) return NULL;
    }
    ckw_block_t *b = (ckw_block_t *)heap_top;
    b->size = size;
    b->next = NULL;
    b->free = 0;
    heap_top = end;
    return (unsigned char *)b + CKW_HEADER;
}

void *aligned_alloc(size_t align, size_t n) {
    (void)align; /* every payload is 64-byte aligned; wasm has no larger page to align to */
    return malloc(n);
}

void *calloc(size_t count, size_t n) {
    if (n != 0 && count > SIZE_MAX / n) return NULL;
    void *p = malloc(count * n);
    if (p != NULL) memset(p, 0, count * n);
    return p;
}

void free(void *p) {
    if (p == NULL) return;
    ckw_block_t *b = block_of(p);
    if (b->free) return;
    /* the top block goes back to the heap; otherwise the block joins the free list */
    if ((uintptr_t)p + b->size == heap_top) {
        heap_top = (uintptr_t)b;
        return;
    }
    b->free = 1;
    b->next = free_list;
    free_list = b;
}

void *realloc(void *p, size_t n) {
    if (p == NULL) return malloc(n);
    ckw_block_t *b = block_of(p);
    if (n <= b->size) return p;
    void *q = malloc(n);
    if (q == NULL) return NULL;
    memcpy(q, p, b->size);
    free(p);
    return q;
}
