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
#endif
