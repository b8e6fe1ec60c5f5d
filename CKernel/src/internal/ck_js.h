/* ck_js.h — JavaScript's value semantics on tagged slots, shared by the one-by-one VM, the lane
   batches (vm.c) and the fused pipeline (vm_fused.h): ToNumber / ToBoolean coercions, ===,
   IEEE-754 doubles throughout, fmod for %, Math.round's halves toward +Infinity. */
#ifndef CK_JS_H
#define CK_JS_H

#include "ck_internal.h"

#include <string.h>

#define CK_NAN __builtin_nan("")

static inline uint64_t bits_of(double d) {
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

static inline double double_of(uint64_t u) {
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

/* ToNumber of a tagged value: undefined (and any unknown tag) -> NaN, null -> 0, booleans -> 0/1. */
static inline double to_number(uint8_t t, double v) {
    return t == CK_TAG_NUMBER ? v : t == CK_TAG_BOOLEAN ? (v != 0.0 ? 1.0 : 0.0) : t == CK_TAG_NULL ? 0.0 : CK_NAN;
}

/* ToBoolean: undefined, null, false, +-0 and NaN are falsy. */
static inline bool to_boolean(uint8_t t, double v) {
    return t == CK_TAG_NUMBER ? (v == v && v != 0.0) : t == CK_TAG_BOOLEAN ? v != 0.0 : false;
}

/* IsStrictlyEqual (===): same type; numbers by value (NaN differs from itself, +0 equals -0). */
static inline bool strict_equal(uint8_t ta, double a, uint8_t tb, double b) {
    if (ta != tb) return false;
    if (ta == CK_TAG_NUMBER) return a == b;
    if (ta == CK_TAG_BOOLEAN) return (a != 0.0) == (b != 0.0);
    return true;
}

/* JavaScript's % on doubles (exact, like fmod; vm.c). */
double ck_fmod(double x, double y);

/* JavaScript's Math.round: the nearest integer, halves toward +Infinity; -0 for -0 and [-0.5, 0). */
static inline double js_round(double x) {
    if (!(x - x == 0.0)) return x; /* NaN, +-Infinity */
    const double down = __builtin_floor(x);
    double r = x - down >= 0.5 ? down + 1.0 : down; /* x - floor(x) is exact */
    if (r == 0.0 && __builtin_signbit(x)) r = -0.0;
    return r;
}

static inline double js_sign(double x) {
    if (x != x || x == 0.0) return x;
    return x > 0.0 ? 1.0 : -1.0;
}

static inline double js_max(double x, double y) {
    if (x != x || y != y) return CK_NAN;
    if (x > y) return x;
    if (y > x) return y;
    return __builtin_signbit(x) ? y : x; /* equal: +0 beats -0 */
}

static inline double js_min(double x, double y) {
    if (x != x || y != y) return CK_NAN;
    if (x < y) return x;
    if (y < x) return y;
    return __builtin_signbit(x) ? x : y; /* equal: -0 beats +0 */
}

/* The number operators on ToNumber'd operands. */
static inline double arith(uint8_t op, double x, double y) {
    switch (op) {
    case CK_OP_ADD: return x + y;
    case CK_OP_SUB: return x - y;
    case CK_OP_MUL: return x * y;
    case CK_OP_DIV: return x / y;
    case CK_OP_MOD: return ck_fmod(x, y);
    case CK_OP_MAX: return js_max(x, y);
    case CK_OP_MIN: return js_min(x, y);
    default: return CK_NAN; /* unreachable: verified */
    }
}

static inline bool compare(uint8_t op, double x, double y) {
    switch (op) {
    case CK_OP_LT: return x < y;
    case CK_OP_LE: return x <= y;
    case CK_OP_GT: return x > y;
    default: return x >= y; /* CK_OP_GE */
    }
}

static inline double math1(uint8_t op, double x) {
    switch (op) {
    case CK_OP_TONUM: return x;
    case CK_OP_NEG: return -x;
    case CK_OP_ABS: return __builtin_fabs(x);
    case CK_OP_FLOOR: return __builtin_floor(x);
    case CK_OP_CEIL: return __builtin_ceil(x);
    case CK_OP_ROUND: return js_round(x);
    case CK_OP_TRUNC: return __builtin_trunc(x);
    case CK_OP_SIGN: return js_sign(x);
    default: return __builtin_sqrt(x); /* CK_OP_SQRT */
    }
}

#endif
