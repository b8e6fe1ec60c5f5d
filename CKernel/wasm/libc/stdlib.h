/* Freestanding wasm32 build only (CKernel/wasm/README.md): the allocator the kernel's arenas use,
   implemented in ck_wasm_libc.c over linear memory (memory.grow). */
#ifndef CKW_STDLIB_H
#define CKW_STDLIB_H
#include <stddef.h>
void *malloc(size_t n);
void *aligned_alloc(size_t align, size_t n);
void *calloc(size_t count, size_t n);
void *realloc(void *p, size_t n);
void free(void *p);
void abort(void);
#endif
