/* allocation_counter.h — counts heap allocations made by the calling thread while enabled.
   Linked into the tests and the converge CLI (converge bench's allocation evidence): the executable defines malloc & co. (forwarding to glibc's __libc_* entry
   points), which interposes every allocation in the process, including the Swift runtime's. */
#ifndef ALLOCATION_COUNTER_H
#define ALLOCATION_COUNTER_H
#include <stdint.h>

/* 1 when allocations are interposed in this build (not under a sanitizer, on glibc), else 0. */
int allocation_counter_available(void);
/* Starts counting this thread's allocations from zero. */
void allocation_counter_start(void);
/* Stops counting; returns the allocations (malloc, calloc, realloc, aligned) since start. */
uint64_t allocation_counter_stop(void);
#endif
