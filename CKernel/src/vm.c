/* vm.c — L3: bytecode verification and loading (ck_kernel_load_code), the one-by-one VM and
   lane batches (docs/bytecode.md). Values follow JavaScript: ToNumber / ToBoolean coercions,
   IEEE-754 doubles throughout, fmod for %, Math.round's halves toward +Infinity. */
#include "ck_vm.h"
#include "ck_js.h"

#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- JavaScript semantics */

double ck_fmod(double x, double y) {
    const uint64_t ux = bits_of(x), uy = bits_of(y);
    const uint64_t sign = ux & 0x8000000000000000u;
    const uint64_t ax = ux & 0x7FFFFFFFFFFFFFFFu, ay = uy & 0x7FFFFFFFFFFFFFFFu;
    const uint64_t inf = 0x7FF0000000000000u;
    if (ay == 0 || ax >= inf || ay > inf) return CK_NAN; /* y == 0, x infinite or NaN, y NaN */
    if (ax < ay) return x;                                /* |x| < |y| (y may be infinite) */
    if (ax == ay) return double_of(sign);                 /* +-0 with x's sign */
    /* |x| > |y|, both finite and non-zero: value = m * 2^e with m normalized to [2^52, 2^53) */
    const uint64_t hidden = (uint64_t)1 << 52;
    int ex = (int)(ax >> 52), ey = (int)(ay >> 52);
    uint64_t mx = ax & (hidden - 1u), my = ay & (hidden - 1u);
    if (ex == 0) { ex = 1; while (mx < hidden) { mx <<= 1; ex--; } } else mx |= hidden;
    if (ey == 0) { ey = 1; while (my < hidden) { my <<= 1; ey--; } } else my |= hidden;
    /* long division of the mantissas, one bit of the exponent difference at a time; exact */
    for (; ex > ey; ex--) {
        if (mx >= my) mx -= my;
        mx <<= 1;
    }
    if (mx >= my) mx -= my;
    if (mx == 0) return double_of(sign);
    while (mx < hidden) { mx <<= 1; ey--; }
    if (ey >= 1) return double_of(sign | ((uint64_t)ey << 52) | (mx & (hidden - 1u)));
    /* subnormal result: the shifted-out bits are zero (the remainder is a multiple of y's ulp) */
    return double_of(sign | (mx >> (1 - ey)));
}

/* ---------------------------------------------------------------- the one-by-one VM */

uint8_t ck_vm_run(const ck_kernel_t *k, uint32_t s, double *out_value) {
    uint8_t rt[CK_VM_MAX_REGS];
    double rv[CK_VM_MAX_REGS];
    const ck_insn_t *restrict code = k->code_insns;
    const uint8_t *restrict st = k->slot_tags;
    const double *restrict sv = k->slot_values;
    const uint32_t end = k->code_offsets[s + 1];
    for (uint32_t pc = k->code_offsets[s]; pc < end; pc++) {
        const ck_insn_t in = code[pc];
        switch (in.op) {
        case CK_OP_LDDEP: rt[in.a] = st[in.imm]; rv[in.a] = sv[in.imm]; break;
        case CK_OP_LDNUM: rt[in.a] = CK_TAG_NUMBER; rv[in.a] = k->code_consts[in.imm]; break;
        case CK_OP_LDLIT: rt[in.a] = in.b; rv[in.a] = (double)in.c; break;
        case CK_OP_NOT: rv[in.a] = to_boolean(rt[in.b], rv[in.b]) ? 0.0 : 1.0; rt[in.a] = CK_TAG_BOOLEAN; break;
        case CK_OP_TONUM: case CK_OP_NEG: case CK_OP_ABS: case CK_OP_FLOOR: case CK_OP_CEIL:
        case CK_OP_ROUND: case CK_OP_TRUNC: case CK_OP_SIGN: case CK_OP_SQRT:
            rv[in.a] = math1(in.op, to_number(rt[in.b], rv[in.b]));
            rt[in.a] = CK_TAG_NUMBER;
            break;
        case CK_OP_ADD: case CK_OP_SUB: case CK_OP_MUL: case CK_OP_DIV: case CK_OP_MOD:
        case CK_OP_MAX: case CK_OP_MIN:
            rv[in.a] = arith(in.op, to_number(rt[in.b], rv[in.b]), to_number(rt[in.c], rv[in.c]));
            rt[in.a] = CK_TAG_NUMBER;
            break;
        case CK_OP_SEQ: case CK_OP_SNE: {
            bool eq = strict_equal(rt[in.b], rv[in.b], rt[in.c], rv[in.c]);
            rv[in.a] = eq == (in.op == CK_OP_SEQ) ? 1.0 : 0.0;
            rt[in.a] = CK_TAG_BOOLEAN;
            break;
        }
        case CK_OP_LT: case CK_OP_LE: case CK_OP_GT: case CK_OP_GE:
            rv[in.a] = compare(in.op, to_number(rt[in.b], rv[in.b]), to_number(rt[in.c], rv[in.c])) ? 1.0 : 0.0;
            rt[in.a] = CK_TAG_BOOLEAN;
            break;
        case CK_OP_SEL: {
            const uint32_t from = to_boolean(rt[in.b], rv[in.b]) ? in.c : in.imm;
            rt[in.a] = rt[from];
            rv[in.a] = rv[from];
            break;
        }
        case CK_OP_SELN: {
            const uint32_t from = rt[in.b] <= CK_TAG_NULL ? in.c : in.b;
            rt[in.a] = rt[from];
            rv[in.a] = rv[from];
            break;
        }
        default: /* CK_OP_RET: the verifier makes it the last instruction */
            *out_value = rv[in.a];
            return rt[in.a];
        }
    }
    *out_value = 0.0; /* unreachable: every verified program ends with RET */
    return CK_TAG_UNDEFINED;
}

/* ---------------------------------------------------------------- lane batches */

/* Each instruction of the run's shape is applied to every lane before the next one: registers are
   [reg][lane] arrays, so the loops below are plain element-wise loops the compiler vectorizes.
   `num[r]` records that every lane of register r holds a number (LDNUM, arithmetic results, an
   LDDEP that found only numbers): operators on such registers skip ToNumber and run as straight
   double loops; the others take the general (per-lane coercion) loops. */
#define NUM_LOOP(EXPR)                                                                              \
    do {                                                                                            \
        if (num[in.b] && num[in.c]) {                                                               \
            for (uint32_t l = 0; l < n; l++) { const double x = bv[l], y = cv[l]; av[l] = (EXPR); } \
        } else if (num[in.c]) {                                                                     \
            for (uint32_t l = 0; l < n; l++) { const double x = to_number(bt[l], bv[l]), y = cv[l]; av[l] = (EXPR); } \
        } else if (num[in.b]) {                                                                     \
            for (uint32_t l = 0; l < n; l++) { const double x = bv[l], y = to_number(ct[l], cv[l]); av[l] = (EXPR); } \
        } else {                                                                                    \
            for (uint32_t l = 0; l < n; l++) {                                                      \
                const double x = to_number(bt[l], bv[l]), y = to_number(ct[l], cv[l]);             \
                av[l] = (EXPR);                                                                     \
            }                                                                                       \
        }                                                                                           \
        memset(at, CK_TAG_NUMBER, n);                                                               \
        num[in.a] = 1;                                                                              \
    } while (0)

uint32_t ck_vm_run_batch(ck_kernel_t *k, const uint32_t *steps, uint32_t n) {
    const ck_insn_t *restrict code = k->code_insns;
    const uint32_t *restrict offs = k->code_offsets;
    const uint8_t *restrict st = k->slot_tags;
    const double *restrict sv = k->slot_values;
    const uint32_t first = offs[steps[0]], end = offs[steps[0] + 1];
    uint8_t num[CK_VM_MAX_REGS];
    for (uint32_t pc = first; pc < end; pc++) {
        const ck_insn_t in = code[pc];
        uint8_t *restrict at = k->lane_tags + (size_t)in.a * CK_VM_LANES;
        double *restrict av = k->lane_values + (size_t)in.a * CK_VM_LANES;
        const uint8_t *bt = k->lane_tags + (size_t)in.b * CK_VM_LANES;
        const double *bv = k->lane_values + (size_t)in.b * CK_VM_LANES;
        const uint8_t *ct = k->lane_tags + (size_t)in.c * CK_VM_LANES;
        const double *cv = k->lane_values + (size_t)in.c * CK_VM_LANES;
        switch (in.op) {
        case CK_OP_LDDEP: {
            /* a run's programs lie back to back with one length: lane l's instruction is at
               pc + (steps[l] - steps[0]) * len */
            const ck_insn_t *restrict at_pc = code + pc;
            const uint32_t s0 = steps[0], len = end - first;
            uint8_t other = 0;
            for (uint32_t l = 0; l < n; l++) {
                const uint32_t slot = at_pc[(size_t)(steps[l] - s0) * len].imm;
                const uint8_t t = st[slot];
                at[l] = t;
                av[l] = sv[slot];
                other |= (uint8_t)(t ^ CK_TAG_NUMBER);
            }
            num[in.a] = other == 0;
            break;
        }
        case CK_OP_LDNUM: {
            const double v = k->code_consts[in.imm]; /* one shape: the same value in every lane */
            for (uint32_t l = 0; l < n; l++) av[l] = v;
            memset(at, CK_TAG_NUMBER, n);
            num[in.a] = 1;
            break;
        }
        case CK_OP_LDLIT:
            for (uint32_t l = 0; l < n; l++) { at[l] = in.b; av[l] = (double)in.c; }
            num[in.a] = 0;
            break;
        case CK_OP_NOT:
            for (uint32_t l = 0; l < n; l++) { av[l] = to_boolean(bt[l], bv[l]) ? 0.0 : 1.0; at[l] = CK_TAG_BOOLEAN; }
            num[in.a] = 0;
            break;
        case CK_OP_TONUM: case CK_OP_NEG: case CK_OP_ABS: case CK_OP_FLOOR: case CK_OP_CEIL:
        case CK_OP_ROUND: case CK_OP_TRUNC: case CK_OP_SIGN: case CK_OP_SQRT:
            if (num[in.b]) {
                for (uint32_t l = 0; l < n; l++) av[l] = math1(in.op, bv[l]);
            } else {
                for (uint32_t l = 0; l < n; l++) av[l] = math1(in.op, to_number(bt[l], bv[l]));
            }
            memset(at, CK_TAG_NUMBER, n);
            num[in.a] = 1;
            break;
        case CK_OP_ADD: NUM_LOOP(x + y); break;
        case CK_OP_SUB: NUM_LOOP(x - y); break;
        case CK_OP_MUL: NUM_LOOP(x * y); break;
        case CK_OP_DIV: NUM_LOOP(x / y); break;
        case CK_OP_MOD: NUM_LOOP(ck_fmod(x, y)); break;
        case CK_OP_MAX: NUM_LOOP(js_max(x, y)); break;
        case CK_OP_MIN: NUM_LOOP(js_min(x, y)); break;
        case CK_OP_SEQ: case CK_OP_SNE: {
            const bool want = in.op == CK_OP_SEQ;
            for (uint32_t l = 0; l < n; l++) {
                av[l] = strict_equal(bt[l], bv[l], ct[l], cv[l]) == want ? 1.0 : 0.0;
                at[l] = CK_TAG_BOOLEAN;
            }
            num[in.a] = 0;
            break;
        }
        case CK_OP_LT: case CK_OP_LE: case CK_OP_GT: case CK_OP_GE:
            for (uint32_t l = 0; l < n; l++) {
                av[l] = compare(in.op, to_number(bt[l], bv[l]), to_number(ct[l], cv[l])) ? 1.0 : 0.0;
                at[l] = CK_TAG_BOOLEAN;
            }
            num[in.a] = 0;
            break;
        case CK_OP_SEL: {
            const uint8_t *et = k->lane_tags + (size_t)in.imm * CK_VM_LANES;
            const double *ev = k->lane_values + (size_t)in.imm * CK_VM_LANES;
            for (uint32_t l = 0; l < n; l++) {
                const bool yes = to_boolean(bt[l], bv[l]);
                const uint8_t t = yes ? ct[l] : et[l];
                const double v = yes ? cv[l] : ev[l];
                at[l] = t;
                av[l] = v;
            }
            num[in.a] = (uint8_t)(num[in.c] && num[in.imm]);
            break;
        }
        case CK_OP_SELN:
            for (uint32_t l = 0; l < n; l++) {
                const bool nullish = bt[l] <= CK_TAG_NULL;
                const uint8_t t = nullish ? ct[l] : bt[l];
                const double v = nullish ? cv[l] : bv[l];
                at[l] = t;
                av[l] = v;
            }
            num[in.a] = (uint8_t)(num[in.b] && num[in.c]);
            break;
        default: /* CK_OP_RET */
            return in.a;
        }
    }
    return 0; /* unreachable: every verified program ends with RET */
}
#undef NUM_LOOP

/* ---------------------------------------------------------------- verification */

static inline ck_status_t code_fault(ck_error_t *error, ck_code_fault_t fault, ck_table_id_t table,
                                     uint64_t index, uint64_t value) {
    ck_fail(error, CK_ERR_BAD_CODE, table, index, value);
    if (error != NULL) error->fault = fault;
    return CK_ERR_BAD_CODE;
}

/* Operand use per opcode: which of b, c, imm are registers read, which must be zero. */
enum { USE_ZERO = 0, USE_REG = 1, USE_OTHER = 2 };
typedef struct op_shape {
    uint8_t b, c, imm;
    bool writes_a;
} op_shape_t;

static bool shape_of(uint8_t op, op_shape_t *o) {
    switch (op) {
    case CK_OP_LDDEP: case CK_OP_LDNUM: *o = (op_shape_t){USE_ZERO, USE_ZERO, USE_OTHER, true}; return true;
    case CK_OP_LDLIT: *o = (op_shape_t){USE_OTHER, USE_OTHER, USE_ZERO, true}; return true;
    case CK_OP_TONUM: case CK_OP_NEG: case CK_OP_NOT: case CK_OP_ABS: case CK_OP_FLOOR: case CK_OP_CEIL:
    case CK_OP_ROUND: case CK_OP_TRUNC: case CK_OP_SIGN: case CK_OP_SQRT:
        *o = (op_shape_t){USE_REG, USE_ZERO, USE_ZERO, true}; return true;
    case CK_OP_ADD: case CK_OP_SUB: case CK_OP_MUL: case CK_OP_DIV: case CK_OP_MOD: case CK_OP_SEQ:
    case CK_OP_SNE: case CK_OP_LT: case CK_OP_LE: case CK_OP_GT: case CK_OP_GE: case CK_OP_MAX:
    case CK_OP_MIN: case CK_OP_SELN:
        *o = (op_shape_t){USE_REG, USE_REG, USE_ZERO, true}; return true;
    case CK_OP_SEL: *o = (op_shape_t){USE_REG, USE_REG, USE_REG, true}; return true;
    case CK_OP_RET: *o = (op_shape_t){USE_ZERO, USE_ZERO, USE_ZERO, false}; return true;
    default: return false;
    }
}

static inline bool reg_set(const uint64_t set[4], uint32_t r) { return (set[r >> 6] >> (r & 63u)) & 1u; }

/* Checks one operand: a register in range and written before, or zero when unused. */
static ck_status_t check_operand(uint8_t use, uint32_t value, uint32_t regs, const uint64_t defined[4],
                                 uint32_t at, ck_error_t *error) {
    if (use == USE_ZERO && value != 0) return code_fault(error, CK_FAULT_RESERVED, CK_TABLE_CODE_INSNS, at, value);
    if (use == USE_REG) {
        if (value >= regs) return code_fault(error, CK_FAULT_REGISTER, CK_TABLE_CODE_INSNS, at, value);
        if (!reg_set(defined, value)) return code_fault(error, CK_FAULT_UNSET_REGISTER, CK_TABLE_CODE_INSNS, at, value);
    }
    return CK_OK;
}

static ck_status_t verify_program(const ck_kernel_t *k, const ck_code_t *c, uint32_t s, ck_error_t *error) {
    const uint32_t begin = c->step_offsets[s], end = c->step_offsets[s + 1];
    const uint32_t regs = c->step_regs[s];
    uint64_t defined[4] = {0, 0, 0, 0};
    for (uint32_t at = begin; at < end; at++) {
        const ck_insn_t in = c->insns[at];
        op_shape_t o;
        if (!shape_of(in.op, &o)) return code_fault(error, CK_FAULT_OPCODE, CK_TABLE_CODE_INSNS, at, in.op);
        if (in.a >= regs) return code_fault(error, CK_FAULT_REGISTER, CK_TABLE_CODE_INSNS, at, in.a);
        ck_status_t st;
        if ((st = check_operand(o.b, in.b, regs, defined, at, error))) return st;
        if ((st = check_operand(o.c, in.c, regs, defined, at, error))) return st;
        if ((st = check_operand(o.imm, in.imm, regs, defined, at, error))) return st;
        switch (in.op) {
        case CK_OP_LDDEP: {
            bool found = false;
            for (uint32_t j = k->dep_offsets[s]; j < k->dep_offsets[s + 1] && !found; j++) found = k->dep_paths[j] == in.imm;
            if (!found) return code_fault(error, CK_FAULT_SLOT, CK_TABLE_CODE_INSNS, at, in.imm);
            break;
        }
        case CK_OP_LDNUM:
            if (in.imm >= c->const_count) return code_fault(error, CK_FAULT_CONST, CK_TABLE_CODE_INSNS, at, in.imm);
            break;
        case CK_OP_LDLIT:
            if (!((in.b == CK_TAG_BOOLEAN && in.c <= 1u) || ((in.b == CK_TAG_UNDEFINED || in.b == CK_TAG_NULL) && in.c == 0u)))
                return code_fault(error, CK_FAULT_LITERAL, CK_TABLE_CODE_INSNS, at, (uint32_t)in.b << 8 | in.c);
            break;
        case CK_OP_RET:
            if (!reg_set(defined, in.a)) return code_fault(error, CK_FAULT_UNSET_REGISTER, CK_TABLE_CODE_INSNS, at, in.a);
            if (at + 1u != end) return code_fault(error, CK_FAULT_NO_RET, CK_TABLE_CODE_INSNS, at, in.op);
            break;
        default: break;
        }
        if (o.writes_a) defined[in.a >> 6] |= (uint64_t)1 << (in.a & 63u);
    }
    if (c->insns[end - 1u].op != CK_OP_RET) return code_fault(error, CK_FAULT_NO_RET, CK_TABLE_CODE_INSNS, end - 1u, c->insns[end - 1u].op);
    return CK_OK;
}

static ck_status_t verify(const ck_kernel_t *k, const ck_code_t *c, uint32_t *max_regs, ck_error_t *error) {
    if (c->step_count != k->step_count) return code_fault(error, CK_FAULT_STEP_COUNT, CK_TABLE_NONE, 0, c->step_count);
    if (c->step_offsets == NULL) return ck_fail(error, CK_ERR_NULL_ARGUMENT, CK_TABLE_CODE_OFFSETS, 0, 0);
    const uint32_t n = c->step_count;
    if (n > 0 && c->step_regs == NULL) return ck_fail(error, CK_ERR_NULL_ARGUMENT, CK_TABLE_CODE_REGS, 0, 0);
    if (c->step_offsets[0] != 0) return code_fault(error, CK_FAULT_OFFSETS, CK_TABLE_CODE_OFFSETS, 0, c->step_offsets[0]);
    for (uint32_t s = 0; s < n; s++) {
        if (c->step_offsets[s + 1] < c->step_offsets[s])
            return code_fault(error, CK_FAULT_OFFSETS, CK_TABLE_CODE_OFFSETS, s + 1u, c->step_offsets[s + 1]);
    }
    if ((uint64_t)c->step_offsets[n] > CK_MAX_EDGES) return ck_fail(error, CK_ERR_TOO_LARGE, CK_TABLE_CODE_OFFSETS, n, c->step_offsets[n]);
    if (c->step_offsets[n] > 0 && c->insns == NULL) return ck_fail(error, CK_ERR_NULL_ARGUMENT, CK_TABLE_CODE_INSNS, 0, 0);
    if (c->const_count > CK_VM_MAX_CONSTS) return code_fault(error, CK_FAULT_TOO_MANY_CONSTS, CK_TABLE_CODE_CONSTS, 0, c->const_count);
    if (c->const_count > 0 && c->consts == NULL) return ck_fail(error, CK_ERR_NULL_ARGUMENT, CK_TABLE_CODE_CONSTS, 0, 0);
    uint32_t most = 0;
    for (uint32_t s = 0; s < n; s++) {
        const uint32_t len = c->step_offsets[s + 1] - c->step_offsets[s];
        const uint32_t regs = c->step_regs[s];
        if (len == 0) {
            if (regs != 0) return code_fault(error, CK_FAULT_REG_COUNT, CK_TABLE_CODE_REGS, s, regs);
            continue;
        }
        if (k->step_flags[s] & CK_STEP_LINK) return code_fault(error, CK_FAULT_LINK_CODE, CK_TABLE_CODE_OFFSETS, s, len);
        if (len > CK_VM_MAX_PROGRAM) return code_fault(error, CK_FAULT_TOO_LONG, CK_TABLE_CODE_OFFSETS, s, len);
        if (regs == 0 || regs > CK_VM_MAX_REGS) return code_fault(error, CK_FAULT_REG_COUNT, CK_TABLE_CODE_REGS, s, regs);
        ck_status_t st = verify_program(k, c, s, error);
        if (st != CK_OK) return st;
        if (regs > most) most = regs;
    }
    *max_regs = most;
    return CK_OK;
}

/* ---------------------------------------------------------------- loading */

/* Same program shape: same registers and instructions, slots aside; LDNUM by constant value. */
static bool same_shape(const ck_kernel_t *k, uint32_t s, uint32_t t) {
    const uint32_t bs = k->code_offsets[s], bt = k->code_offsets[t];
    const uint32_t len = k->code_offsets[s + 1] - bs;
    if (k->code_offsets[t + 1] - bt != len || k->code_regs[s] != k->code_regs[t]) return false;
    for (uint32_t i = 0; i < len; i++) {
        const ck_insn_t x = k->code_insns[bs + i], y = k->code_insns[bt + i];
        if (x.op != y.op || x.a != y.a || x.b != y.b || x.c != y.c) return false;
        if (x.op == CK_OP_LDNUM) {
            if (bits_of(k->code_consts[x.imm]) != bits_of(k->code_consts[y.imm])) return false;
        } else if (x.op != CK_OP_LDDEP && x.imm != y.imm) {
            return false;
        }
    }
    return true;
}

/* Runs: maximal ranges of consecutive compiled steps with one shape where no step reads the out
   of an earlier step of the range (its barrier lies before the range). */
static void build_runs(ck_kernel_t *k, ck_code_info_t *info) {
    const uint32_t n = k->step_count;
    uint32_t s = 0;
    while (s < n) {
        if (!ck_vm_compiled(k, s)) {
            k->code_run_end[s] = s + 1u;
            s++;
            continue;
        }
        uint32_t t = s + 1u;
        while (t < n && ck_vm_compiled(k, t) && (k->step_barrier[t] == CK_NONE || k->step_barrier[t] < s) &&
               same_shape(k, s, t))
            t++;
        for (uint32_t u = s; u < t; u++) k->code_run_end[u] = t;
        info->runs++;
        if (t - s > info->longest_run) info->longest_run = t - s;
        s = t;
    }
}

/* The fused pipeline's opcodes (vm_fused.h): loads, number operators, RET. */
static bool fusable(uint8_t op) {
    switch (op) {
    case CK_OP_LDDEP: case CK_OP_LDNUM: case CK_OP_RET:
    case CK_OP_ADD: case CK_OP_SUB: case CK_OP_MUL: case CK_OP_DIV: case CK_OP_MOD: case CK_OP_MAX: case CK_OP_MIN:
    case CK_OP_TONUM: case CK_OP_NEG: case CK_OP_ABS: case CK_OP_FLOOR: case CK_OP_CEIL: case CK_OP_ROUND:
    case CK_OP_TRUNC: case CK_OP_SIGN: case CK_OP_SQRT:
        return true;
    default:
        return false;
    }
}

/* A column's kind from what it found: every slot at base + i, or every slot the same. */
static inline uint8_t column_kind(bool contig, bool same) {
    return contig ? CK_COL_CONTIG : same ? CK_COL_SAME : CK_COL_GATHER;
}

void ck_vm_classify(ck_kernel_t *k) {
    const uint32_t n = k->step_count;
    uint32_t s = 0;
    k->code_info.fused_runs = 0;
    k->code_info.contiguous_runs = 0;
    while (s < n) {
        const uint32_t end = k->code_run_end[s];
        if (!ck_vm_compiled(k, s)) {
            k->code_out_col[s] = CK_COL_GATHER;
            s = end;
            continue;
        }
        const uint32_t first = k->code_offsets[s], len = k->code_offsets[s + 1] - first;
        bool fused = true, regular = true;
        for (uint32_t i = 0; i < len; i++) {
            const ck_insn_t in = k->code_insns[first + i];
            fused &= fusable(in.op);
            if (in.op != CK_OP_LDDEP) continue;
            /* the run's programs lie back to back with one length: step t's insn i is at
               first + (t - s) * len + i */
            const uint32_t base = k->code_insns[first + i].imm;
            bool contig = true, same = end - s > 1u;
            for (uint32_t t = s + 1u; t < end; t++) {
                const uint32_t slot = k->code_insns[first + (t - s) * len + i].imm;
                contig &= slot == base + (t - s);
                same &= slot == base;
            }
            const uint8_t col = column_kind(contig, same);
            regular &= col != CK_COL_GATHER;
            for (uint32_t t = s; t < end; t++) k->code_col[first + (t - s) * len + i] = col;
        }
        bool contig = true;
        for (uint32_t t = s + 1u; t < end; t++) contig &= k->step_out_slot[t] == k->step_out_slot[s] + (t - s);
        /* two steps never write one out: the outs are contiguous or gathered */
        const uint8_t out = (uint8_t)(column_kind(contig, false) | (fused ? CK_COL_FUSED : 0u));
        for (uint32_t t = s; t < end; t++) k->code_out_col[t] = out;
        if (end - s > 1u) {
            k->code_info.fused_runs += fused ? 1u : 0u;
            k->code_info.contiguous_runs += regular && contig ? 1u : 0u;
        }
        s = end;
    }
}

void ck_vm_unload(ck_kernel_t *k) {
    ck_arena_free(&k->code_arena);
    k->code_offsets = NULL;
    k->code_regs = NULL;
    k->code_insns = NULL;
    k->code_consts = NULL;
    k->code_run_end = NULL;
    k->code_col = NULL;
    k->code_out_col = NULL;
    k->lane_tags = NULL;
    k->lane_values = NULL;
    memset(&k->code_info, 0, sizeof k->code_info);
}

ck_status_t ck_kernel_load_code(ck_kernel_t *k, const ck_code_t *c, ck_error_t *error) {
    if (error != NULL) memset(error, 0, sizeof *error);
    if (k == NULL) return ck_fail(error, CK_ERR_NULL_ARGUMENT, CK_TABLE_NONE, 0, 0);
    if (c == NULL) {
        ck_vm_unload(k);
        return CK_OK;
    }
    uint32_t max_regs = 0;
    ck_status_t st = verify(k, c, &max_regs, error);
    if (st != CK_OK) return st;
    const uint32_t n = k->step_count;
    const uint64_t insns = c->step_offsets[n];
    /* one region: offsets, regs, insns, consts, run ends, lane registers, columns */
    size_t sizes[9] = {((size_t)n + 1u) * 4u, n, (size_t)insns * sizeof(ck_insn_t), (size_t)c->const_count * 8u,
                       (size_t)n * 4u, (size_t)max_regs * CK_VM_LANES, (size_t)max_regs * CK_VM_LANES * 8u,
                       (size_t)insns, n};
    ck_carver_t dry = {NULL, 0};
    for (int i = 0; i < 9; i++) ck_carve(&dry, sizes[i]);
    ck_arena_t arena = {0};
    if (!ck_arena_alloc(&arena, dry.used + 64u)) return ck_fail(error, CK_ERR_OUT_OF_MEMORY, CK_TABLE_NONE, 0, dry.used);
    ck_vm_unload(k);
    k->code_arena = arena;
    ck_carver_t real = {(uint8_t *)arena.base, 0};
    k->code_offsets = ck_carve(&real, sizes[0]);
    k->code_regs = ck_carve(&real, sizes[1]);
    k->code_insns = ck_carve(&real, sizes[2]);
    k->code_consts = ck_carve(&real, sizes[3]);
    k->code_run_end = ck_carve(&real, sizes[4]);
    k->lane_tags = ck_carve(&real, sizes[5]);
    k->lane_values = ck_carve(&real, sizes[6]);
    k->code_col = ck_carve(&real, sizes[7]);
    k->code_out_col = ck_carve(&real, sizes[8]);
    memcpy(k->code_offsets, c->step_offsets, sizes[0]);
    if (n > 0) memcpy(k->code_regs, c->step_regs, sizes[1]);
    if (insns > 0) memcpy(k->code_insns, c->insns, sizes[2]);
    /* LDDEP operands name slots from here on (the verifier checked them as dep path ids) */
    for (uint64_t i = 0; i < insns; i++)
        if (k->code_insns[i].op == CK_OP_LDDEP) k->code_insns[i].imm = k->slot_of_path[k->code_insns[i].imm];
    if (insns > 0) memset(k->code_col, 0, sizes[7]);
    if (c->const_count > 0) memcpy(k->code_consts, c->consts, sizes[3]);
    memset(k->lane_tags, 0, sizes[5]);
    memset(k->lane_values, 0, sizes[6]);
    ck_code_info_t info;
    memset(&info, 0, sizeof info);
    for (uint32_t s = 0; s < n; s++) info.compiled_steps += ck_vm_compiled(k, s) ? 1u : 0u;
    info.max_regs = max_regs;
    info.insn_count = insns;
    info.bytes = arena.bytes;
    build_runs(k, &info);
    k->code_info = info;
    ck_vm_classify(k);
    return CK_OK;
}

ck_status_t ck_kernel_code_info(const ck_kernel_t *k, ck_code_info_t *out) {
    if (k == NULL || out == NULL) return CK_ERR_NULL_ARGUMENT;
    *out = k->code_info;
    return CK_OK;
}

ck_status_t ck_kernel_eval_step(ck_kernel_t *k, uint32_t step, uint8_t *out_tag, double *out_value, ck_error_t *error) {
    if (k == NULL || out_tag == NULL || out_value == NULL) return ck_fail(error, CK_ERR_NULL_ARGUMENT, CK_TABLE_NONE, 0, 0);
    if (step >= k->step_count || !ck_vm_compiled(k, step)) return ck_fail(error, CK_ERR_UNKNOWN_STEP_ID, CK_TABLE_NONE, 0, step);
    *out_tag = ck_vm_run(k, step, out_value);
    return CK_OK;
}
