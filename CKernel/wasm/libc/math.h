/* Freestanding wasm32 build only: SIMDe may include <math.h>; the kernel itself uses no libm. */
#ifndef CKW_MATH_H
#define CKW_MATH_H
#endif
