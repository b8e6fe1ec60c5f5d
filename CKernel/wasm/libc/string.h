/* Freestanding wasm32 build only (CKernel/wasm/README.md): the few <string.h> functions the
   kernel uses, implemented in ck_wasm_libc.c. */
#ifndef CKW_STRING_H
#define CKW_STRING_H
#include <stddef.h>
void *memset(void *dst, int c, size_t n);
void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
int strcmp(const char *a, const char *b);
size_t strlen(const char *s);

/* -ffreestanding implies -fno-builtin: without these, a constant 8-byte memcpy (a double's bits)
   or a struct memset would be a call. As builtins they become plain loads and stores, or one
   bulk-memory instruction (memory.copy / memory.fill) for variable sizes. */
#ifndef CKW_LIBC_IMPLEMENTATION
#define memset(d, c, n) __builtin_memset((d), (c), (n))
#define memcpy(d, s, n) __builtin_memcpy((d), (s), (n))
#define memmove(d, s, n) __builtin_memmove((d), (s), (n))
#endif
#endif
