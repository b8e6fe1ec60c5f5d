/* vm_fused.h — the fused lane pipeline, a template: vm_fused.c includes it once per SIMD target
   (the portable build, and AVX2 under a target pragma), each defining CK_FUSED_NAME. It runs one
   block of a run whose shape uses only loads, number operators and RET (CK_COL_FUSED), and
   applies the results in the same call:
   - an LDDEP column of contiguous slots (CK_COL_CONTIG) over a contiguous block is read in place:
     the register points into the state store, after one vector pass over its tags (all numbers:
     no coercion below); a column of one slot (CK_COL_SAME) and LDNUM are scalars, never spread
     over lanes; other columns are gathered;
   - operators run as straight loops over (lanes | scalar) × (lanes | scalar), ToNumber only on
     registers whose tags are not all numbers; their results are numbers (no tag arrays);
   - RET's register is compared with the outs (Object.is as one branch-free vector pass giving a
     change mask), and only changed lanes take the undo log and the write.
   Results equal the one-by-one VM's bit for bit (tests compare them on random programs). */

#if !defined(CK_FUSED_NAME) || !defined(CK_FUSED_SUFFIX)
#error "define CK_FUSED_NAME and CK_FUSED_SUFFIX before including vm_fused.h"
#endif

#ifndef CK_VM_FUSED_TYPES
#define CK_VM_FUSED_TYPES
/* A register of a block: lanes of numbers; lanes of numbers and undefined (ToNumber: the number
   or NaN, one compare); lanes of any tags; or one scalar for all lanes. */
enum { R_NUM = 0, R_MAYBE = 1, R_TAGGED = 2, R_SCALAR = 3 };
typedef struct fused_reg {
    const double *v;    /* R_NUM, R_MAYBE, R_TAGGED: [count] */
    const uint8_t *t;   /* R_MAYBE, R_TAGGED: [count] */
    double c;           /* R_SCALAR */
    uint8_t ct;         /* R_SCALAR: its tag */
    uint8_t kind;
} fused_reg_t;
static inline double ck_fused_maybe(uint8_t t, double v) { return t == CK_TAG_NUMBER ? v : CK_NAN; }
#define CK_FUSED_CAT2(a, b) a##b
#define CK_FUSED_CAT(a, b) CK_FUSED_CAT2(a, b)
#endif

/* each inclusion's helpers get their own names */
#define fused_load CK_FUSED_CAT(fused_load_, CK_FUSED_SUFFIX)
#define fused_apply CK_FUSED_CAT(fused_apply_, CK_FUSED_SUFFIX)

/* One lane loop of a binary operator: XL and YL are the ToNumber'd operands of lane l. */
#define FUSED_LOOP(XL, YL, EXPR)                                                                    \
    for (uint32_t l = 0; l < n; l++) { const double x = (XL), y = (YL); av[l] = (EXPR); }

/* ToNumber of an R_MAYBE lane: the number, or NaN for undefined (a function: both operands are
   loaded unconditionally, so the loop vectorizes with plain loads and a blend). */
#define FUSED_MAYBE(T, V) ck_fused_maybe((T), (V))

/* The four loops of one left operand kind (XL: its lane l), over the right operand's kinds. */
#define FUSED_CASES(KB, XL, EXPR)                                                                   \
    case KB * 4 + R_NUM: FUSED_LOOP(XL, cv[l], EXPR) break;                                        \
    case KB * 4 + R_MAYBE: FUSED_LOOP(XL, FUSED_MAYBE(ct[l], cv[l]), EXPR) break;                  \
    case KB * 4 + R_TAGGED: FUSED_LOOP(XL, to_number(ct[l], cv[l]), EXPR) break;                   \
    case KB * 4 + R_SCALAR: FUSED_LOOP(XL, cs, EXPR) break;

/* Lanes of a binary number operator, one straight loop per operand pair: lanes of numbers, of
   numbers and undefined, of any tags (ToNumber per lane, branch-free), or a scalar. */
#define FUSED_BINARY(EXPR)                                                                          \
    do {                                                                                            \
        const fused_reg_t B = R[in.b], C = R[in.c];                                                 \
        if (B.kind == R_SCALAR && C.kind == R_SCALAR) {                                             \
            const double x = to_number(B.ct, B.c), y = to_number(C.ct, C.c);                        \
            R[in.a] = (fused_reg_t){NULL, NULL, (EXPR), CK_TAG_NUMBER, R_SCALAR};                   \
            break;                                                                                  \
        }                                                                                           \
        double *av = k->lane_values + (size_t)in.a * CK_VM_LANES;                                   \
        const double *bv = B.v, *cv = C.v;                                                          \
        const uint8_t *bt = B.t, *ct = C.t;                                                         \
        const double bs = to_number(B.ct, B.c), cs = to_number(C.ct, C.c);                          \
        switch (B.kind * 4 + C.kind) {                                                              \
        FUSED_CASES(R_NUM, bv[l], EXPR)                                                             \
        FUSED_CASES(R_MAYBE, FUSED_MAYBE(bt[l], bv[l]), EXPR)                                       \
        FUSED_CASES(R_TAGGED, to_number(bt[l], bv[l]), EXPR)                                        \
        case R_SCALAR * 4 + R_NUM: FUSED_LOOP(bs, cv[l], EXPR) break;                               \
        case R_SCALAR * 4 + R_MAYBE: FUSED_LOOP(bs, FUSED_MAYBE(ct[l], cv[l]), EXPR) break;         \
        default: FUSED_LOOP(bs, to_number(ct[l], cv[l]), EXPR) break; /* scalar, tagged */          \
        }                                                                                           \
        R[in.a] = (fused_reg_t){av, NULL, 0.0, CK_TAG_NUMBER, R_NUM};                               \
    } while (0)

/* An LDDEP column into register a: in place, a scalar, or gathered into a's lanes. */
static inline __attribute__((always_inline)) fused_reg_t fused_load(const ck_kernel_t *k, const uint32_t *steps, uint32_t n,
                                                                    bool contiguous, uint32_t pc, uint32_t len, uint8_t a) {
    const ck_insn_t *code = k->code_insns;
    const uint8_t *st = k->slot_tags;
    const double *sv = k->slot_values;
    const uint8_t col = k->code_col[pc];
    const uint32_t base = code[pc].imm, s0 = steps[0];
    if (col == CK_COL_SAME) return (fused_reg_t){NULL, NULL, sv[base], st[base], R_SCALAR};
    if (col == CK_COL_CONTIG && contiguous) {
        /* in place: one vector pass over the tags says whether coercion is needed */
        const uint8_t *t = st + base;
        uint8_t other = 0, odd = 0;
        for (uint32_t l = 0; l < n; l++) {
            other |= (uint8_t)(t[l] ^ CK_TAG_NUMBER);
            odd |= (uint8_t)((t[l] != CK_TAG_NUMBER) & (t[l] != CK_TAG_UNDEFINED));
        }
        return (fused_reg_t){sv + base, t, 0.0, 0, other == 0 ? R_NUM : odd == 0 ? R_MAYBE : R_TAGGED};
    }
    uint8_t *restrict at = k->lane_tags + (size_t)a * CK_VM_LANES;
    double *restrict av = k->lane_values + (size_t)a * CK_VM_LANES;
    uint8_t other = 0;
    if (col == CK_COL_CONTIG) {
        for (uint32_t l = 0; l < n; l++) {
            const uint32_t slot = base + (steps[l] - s0);
            at[l] = st[slot];
            av[l] = sv[slot];
            other |= (uint8_t)(at[l] ^ CK_TAG_NUMBER);
        }
    } else {
        const ck_insn_t *restrict at_pc = code + pc;
        for (uint32_t l = 0; l < n; l++) {
            const uint32_t slot = at_pc[(size_t)(steps[l] - s0) * len].imm;
            at[l] = st[slot];
            av[l] = sv[slot];
            other |= (uint8_t)(at[l] ^ CK_TAG_NUMBER);
        }
    }
    uint8_t odd = 0;
    if (other != 0)
        for (uint32_t l = 0; l < n; l++) odd |= (uint8_t)((at[l] != CK_TAG_NUMBER) & (at[l] != CK_TAG_UNDEFINED));
    return (fused_reg_t){av, at, 0.0, 0, other == 0 ? R_NUM : odd == 0 ? R_MAYBE : R_TAGGED};
}

/* Applies lanes [0, n) of a result: Object.is against each out, then the undo log and the write
   for the lanes that differ. `rt` NULL: every lane is a number. Returns n, or the first lane
   whose tag is beyond CK_TAG_NUMBER (the lanes before it applied). */
static inline __attribute__((always_inline)) uint32_t fused_apply(ck_kernel_t *restrict k, const uint32_t *restrict steps, uint32_t n,
                                                                  bool contiguous, const double *rv, const uint8_t *rt,
                                                                  uint32_t *restrict writes) {
    uint8_t *restrict tags = k->slot_tags;
    double *restrict values = k->slot_values;
    const uint32_t s0 = steps[0];
    const bool out_contig = contiguous && (k->code_out_col[s0] & CK_COL_MASK) == CK_COL_CONTIG;
    const uint32_t obase = k->step_out_slot[s0];
    uint32_t limit = n;
    if (rt != NULL) {
        for (uint32_t l = 0; l < n; l++) {
            if (rt[l] > CK_TAG_NUMBER) { limit = l; break; }
        }
    }
    uint32_t w = *writes;
    uint32_t *restrict undo_paths = k->undo_paths;
    uint8_t *restrict undo_tags = k->undo_tags;
    double *restrict undo_values = k->undo_values;
    /* lane l's result into its out unless Object.is says it is the same: undo entry, then write */
#define FUSED_WRITE(L, SLOT, TAG)                                                                   \
    do {                                                                                            \
        const uint32_t slot_ = (SLOT);                                                              \
        const uint8_t tag_ = (TAG);                                                                 \
        if (!ck_same(tags[slot_], values[slot_], tag_, rv[L])) {                                   \
            undo_paths[w] = k->step_out_path[contiguous ? s0 + (L) : steps[L]];                     \
            undo_tags[w] = tags[slot_];                                                             \
            undo_values[w] = values[slot_];                                                         \
            w++;                                                                                    \
            tags[slot_] = tag_;                                                                     \
            values[slot_] = rv[L];                                                                  \
        }                                                                                           \
    } while (0)
    if (rt == NULL && out_contig) {
        /* numbers into contiguous outs: per chunk of 64 lanes, one branch-free vector pass (the
           outs' tags, and the values' bits) says whether any lane can change; only such chunks
           get the exact test and go lane by lane */
        const uint8_t *ot = tags + obase;
        const double *ov = values + obase;
        const uint32_t *paths = contiguous ? k->step_out_path + s0 : k->step_out_path;
        uint8_t tag_other = 0; /* the outs' tags: all numbers (the usual case), or every chunk is checked */
        for (uint32_t l = 0; l < limit; l++) tag_other |= (uint8_t)(ot[l] ^ CK_TAG_NUMBER);
        for (uint32_t c = 0; c < limit; c += 64u) {
            const uint32_t e = limit - c < 64u ? limit : c + 64u;
            /* same bits everywhere: nothing changes (the usual case, one xor per lane); else the
               exact test below, where NaN equals NaN whatever its bits */
            uint64_t differ = tag_other;
            for (uint32_t l = c; l < e; l++) {
                uint64_t nb, ob;
                const double x = rv[l], y = ov[l];
                memcpy(&nb, &x, 8);
                memcpy(&ob, &y, 8);
                differ |= nb ^ ob;
            }
            if (differ == 0) continue;
            /* the change mask, one byte per lane (a vector pass; a chunk whose bits differed
               only in NaNs has none), then only the changed lanes, found a word of 8 lanes at a
               time, take the undo entry and the write */
            uint8_t chg[64 + 8] __attribute__((aligned(8)));
            uint32_t changed = 0;
            for (uint32_t l = c; l < e; l++) {
                uint64_t nb, ob;
                const double x = rv[l], y = ov[l];
                memcpy(&nb, &x, 8);
                memcpy(&ob, &y, 8);
                const uint8_t same = (uint8_t)((ot[l] == CK_TAG_NUMBER) & ((nb == ob) | ((x != x) & (y != y))));
                chg[l - c] = (uint8_t)(same ^ 1u);
                changed += (uint32_t)(same ^ 1u);
            }
            if (changed == 0) continue;
            if (changed == e - c && contiguous) {
                /* every lane changes (a dense transaction): the undo entries and the writes as
                   block copies */
                memcpy(undo_paths + w, k->step_out_path + s0 + c, (size_t)(e - c) * 4u);
                memcpy(undo_tags + w, ot + c, e - c);
                memcpy(undo_values + w, ov + c, (size_t)(e - c) * 8u);
                w += e - c;
                memset(tags + obase + c, CK_TAG_NUMBER, e - c);
                memcpy(values + obase + c, rv + c, (size_t)(e - c) * 8u);
                continue;
            }
            const uint32_t words = (e - c + 7u) / 8u;
            for (uint32_t l = e - c; l < words * 8u; l++) chg[l] = 0;
            for (uint32_t i = 0; i < words; i++) {
                uint64_t m;
                memcpy(&m, chg + (size_t)i * 8u, 8);
                while (m != 0) {
                    const uint32_t l = c + i * 8u + (uint32_t)__builtin_ctzll(m) / 8u;
                    m &= m - 1u; /* the lane's byte holds 1: its lowest bit */
                    const uint32_t slot = obase + l;
                    undo_paths[w] = paths[contiguous ? l : steps[l]];
                    undo_tags[w] = tags[slot];
                    undo_values[w] = values[slot];
                    w++;
                    tags[slot] = CK_TAG_NUMBER;
                    values[slot] = rv[l];
                }
            }
        }
    } else {
        for (uint32_t l = 0; l < limit; l++)
            FUSED_WRITE(l, out_contig ? obase + l : k->step_out_slot[contiguous ? s0 + l : steps[l]],
                        rt != NULL ? rt[l] : CK_TAG_NUMBER);
    }
#undef FUSED_WRITE
    *writes = w;
    return limit;
}

uint32_t CK_FUSED_NAME(ck_kernel_t *k, const uint32_t *steps, uint32_t n, uint32_t *writes) {
    const ck_insn_t *code = k->code_insns;
    const uint32_t s0 = steps[0];
    const uint32_t first = k->code_offsets[s0], end = k->code_offsets[s0 + 1], len = end - first;
    const bool contiguous = steps[n - 1u] - s0 == n - 1u; /* ascending ids: no gap */
    fused_reg_t R[CK_VM_MAX_REGS];
    for (uint32_t pc = first; pc < end; pc++) {
        const ck_insn_t in = code[pc];
        switch (in.op) {
        case CK_OP_LDDEP: R[in.a] = fused_load(k, steps, n, contiguous, pc, len, in.a); break;
        case CK_OP_LDNUM: R[in.a] = (fused_reg_t){NULL, NULL, k->code_consts[in.imm], CK_TAG_NUMBER, R_SCALAR}; break;
        case CK_OP_ADD: FUSED_BINARY(x + y); break;
        case CK_OP_SUB: FUSED_BINARY(x - y); break;
        case CK_OP_MUL: FUSED_BINARY(x * y); break;
        case CK_OP_DIV: FUSED_BINARY(x / y); break;
        case CK_OP_MOD: FUSED_BINARY(ck_fmod(x, y)); break;
        case CK_OP_MAX: FUSED_BINARY(js_max(x, y)); break;
        case CK_OP_MIN: FUSED_BINARY(js_min(x, y)); break;
        case CK_OP_RET: {
            fused_reg_t r = R[in.a];
            if (r.kind == R_SCALAR) {
                /* one value for every lane (a program of constants, or a shared dep) */
                double *av = k->lane_values + (size_t)in.a * CK_VM_LANES;
                uint8_t *at = k->lane_tags + (size_t)in.a * CK_VM_LANES;
                for (uint32_t l = 0; l < n; l++) av[l] = r.c;
                if (r.ct != CK_TAG_NUMBER) for (uint32_t l = 0; l < n; l++) at[l] = r.ct;
                r = (fused_reg_t){av, at, 0.0, 0, r.ct == CK_TAG_NUMBER ? R_NUM : R_TAGGED};
            }
            return fused_apply(k, steps, n, contiguous, r.v, r.kind == R_NUM ? NULL : r.t, writes);
        }
        default: { /* the unary number operators (CK_COL_FUSED admits nothing else) */
            const fused_reg_t B = R[in.b];
            if (B.kind == R_SCALAR) {
                R[in.a] = (fused_reg_t){NULL, NULL, math1(in.op, to_number(B.ct, B.c)), CK_TAG_NUMBER, R_SCALAR};
                break;
            }
            double *av = k->lane_values + (size_t)in.a * CK_VM_LANES;
            const double *bv = B.v;
            const uint8_t *bt = B.t;
            if (B.kind == R_NUM) {
                switch (in.op) {
                case CK_OP_TONUM: for (uint32_t l = 0; l < n; l++) av[l] = bv[l]; break;
                case CK_OP_NEG: for (uint32_t l = 0; l < n; l++) av[l] = -bv[l]; break;
                case CK_OP_ABS: for (uint32_t l = 0; l < n; l++) av[l] = __builtin_fabs(bv[l]); break;
                case CK_OP_SQRT: for (uint32_t l = 0; l < n; l++) av[l] = __builtin_sqrt(bv[l]); break;
                default: for (uint32_t l = 0; l < n; l++) av[l] = math1(in.op, bv[l]); break;
                }
            } else {
                for (uint32_t l = 0; l < n; l++) av[l] = math1(in.op, to_number(bt[l], bv[l]));
            }
            R[in.a] = (fused_reg_t){av, NULL, 0.0, CK_TAG_NUMBER, R_NUM};
            break;
        }
        }
    }
    return 0; /* unreachable: every verified program ends with RET */
}

#undef FUSED_BINARY
#undef FUSED_LOOP
#undef FUSED_CASES
#undef FUSED_MAYBE
#undef fused_load
#undef fused_apply
