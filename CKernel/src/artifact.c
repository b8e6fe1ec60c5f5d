/* artifact.c — the AOT artifact ("CKIR", docs/artifact.md): XXH64, validation of a file in place
   (ck_artifact_open) and a kernel made from it (ck_kernel_create_from_artifact). Reads only
   through bounds-checked offsets; allocates nothing beyond ck_kernel_create / ck_kernel_load_code. */
#include "ck_internal.h"

#include <string.h>

/* ---------------------------------------------------------------- XXH64 (seed 0) */

#define P1 0x9E3779B185EBCA87u
#define P2 0xC2B2AE3D27D4EB4Fu
#define P3 0x165667B19E3779F9u
#define P4 0x85EBCA77C2B2AE63u
#define P5 0x27D4EB2F165667C5u

static inline uint64_t rotl64(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
static inline uint64_t rd64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static inline uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static inline uint64_t xround(uint64_t acc, uint64_t in) { return rotl64(acc + in * P2, 31) * P1; }
static inline uint64_t xmerge(uint64_t h, uint64_t v) { return (h ^ xround(0, v)) * P1 + P4; }

uint64_t ck_artifact_hash(const void *bytes, size_t size) {
    const uint8_t *p = (const uint8_t *)bytes, *end = p + size;
    uint64_t h;
    if (bytes == NULL) { p = end = NULL; size = 0; }
    if (size >= 32) {
        uint64_t v1 = P1 + P2, v2 = P2, v3 = 0, v4 = (uint64_t)0 - P1;
        const uint8_t *limit = end - 32;
        do {
            v1 = xround(v1, rd64(p));
            v2 = xround(v2, rd64(p + 8));
            v3 = xround(v3, rd64(p + 16));
            v4 = xround(v4, rd64(p + 24));
            p += 32;
        } while (p <= limit);
        h = rotl64(v1, 1) + rotl64(v2, 7) + rotl64(v3, 12) + rotl64(v4, 18);
        h = xmerge(h, v1);
        h = xmerge(h, v2);
        h = xmerge(h, v3);
        h = xmerge(h, v4);
    } else {
        h = P5;
    }
    h += (uint64_t)size;
    for (; p + 8 <= end; p += 8) h = rotl64(h ^ xround(0, rd64(p)), 27) * P1 + P4;
    if (p + 4 <= end) { h = rotl64(h ^ ((uint64_t)rd32(p) * P1), 23) * P2 + P3; p += 4; }
    for (; p < end; p++) h = rotl64(h ^ ((uint64_t)*p * P5), 11) * P1;
    h ^= h >> 33;
    h *= P2;
    h ^= h >> 29;
    h *= P3;
    h ^= h >> 32;
    return h;
}

/* ---------------------------------------------------------------- sections */

static const char *const section_names[CK_ARTIFACT_SEC_COUNT] = {
    "header", "path_prefix_offsets", "path_prefix_ids", "step_out_path", "step_flags", "trigger_offsets",
    "trigger_steps", "dep_offsets", "dep_paths", "input_offsets", "input_paths", "code_offsets", "code_regs",
    "insns", "consts", "state_tags", "state_values", "path_names", "step_outs", "names", "ir", "layout"};

/* element size of each section */
static const uint8_t elem_size[CK_ARTIFACT_SEC_COUNT] = {0, 4, 4, 4, 1, 4, 4, 4, 4, 4, 4, 4, 1, 8, 8, 1, 8, 4, 4, 1, 1, 4};

const char *ck_artifact_section_name(uint32_t section) {
    return section < CK_ARTIFACT_SEC_COUNT ? section_names[section] : "unknown";
}

static ck_status_t bad(ck_error_t *error, uint32_t section, uint32_t fault, uint64_t offset, uint64_t value) {
    ck_fail(error, CK_ERR_BAD_ARTIFACT, (ck_table_id_t)(CK_TABLE_ARTIFACT + section), offset, value);
    if (error != NULL) error->fault = (ck_code_fault_t)fault;
    return CK_ERR_BAD_ARTIFACT;
}

static inline uint64_t align_up(uint64_t x) { return (x + (CK_ARTIFACT_ALIGN - 1u)) & ~(uint64_t)(CK_ARTIFACT_ALIGN - 1u); }

/* One section as the table describes it. */
typedef struct sec {
    uint64_t offset, count, length;
    const uint8_t *data;
} sec_t;

/* Offsets array: [0] == first, never decreasing, [n] == last; returns the first bad position. */
static ck_status_t check_monotone(const sec_t *s, uint32_t section, uint32_t n, uint64_t first, uint64_t last,
                                  ck_error_t *error) {
    const uint32_t *o = (const uint32_t *)s->data;
    if (o[0] != first) return bad(error, section, CK_ARTIFACT_FAULT_VALUE, s->offset, o[0]);
    for (uint32_t i = 0; i < n; i++)
        if (o[i + 1] < o[i]) return bad(error, section, CK_ARTIFACT_FAULT_VALUE, s->offset + 4u * ((uint64_t)i + 1u), o[i + 1]);
    if (o[n] != last) return bad(error, section, CK_ARTIFACT_FAULT_COUNT, s->offset + 4u * (uint64_t)n, o[n]);
    return CK_OK;
}

/* Maps a ck_kernel_create / ck_kernel_load_code error onto the artifact section and byte offset. */
static ck_status_t map_error(const ck_artifact_t *a, ck_status_t st, ck_error_t *error) {
    if (error == NULL) return st == CK_ERR_OUT_OF_MEMORY ? st : CK_ERR_BAD_ARTIFACT;
    if (st == CK_ERR_OUT_OF_MEMORY || st == CK_ERR_BAD_OPTION || st == CK_ERR_IMPL_UNAVAILABLE) return st;
    uint32_t table = (uint32_t)error->table, section = CK_ARTIFACT_SEC_HEADER;
    if (table >= CK_TABLE_PATH_PREFIX_OFFSETS && table <= CK_TABLE_DEP_PATHS) section = table; /* same ids */
    else if (table >= CK_TABLE_CODE_OFFSETS && table <= CK_TABLE_CODE_CONSTS) section = table + 1u;
    uint64_t offset = section == CK_ARTIFACT_SEC_HEADER ? 32u : a->section_offset[section] + error->index * elem_size[section];
    uint32_t fault = st == CK_ERR_BAD_CODE ? (uint32_t)error->fault
                   : st == CK_ERR_TOO_LARGE ? CK_ARTIFACT_FAULT_TOO_LARGE : CK_ARTIFACT_FAULT_TABLES;
    return bad(error, section, fault, offset, error->value);
}

/* ---------------------------------------------------------------- open */

ck_status_t ck_artifact_open(const void *bytes, size_t size, ck_artifact_t *out, ck_error_t *error) {
    if (error != NULL) memset(error, 0, sizeof *error);
    if (out == NULL || bytes == NULL) return ck_fail(error, CK_ERR_NULL_ARGUMENT, CK_TABLE_NONE, out == NULL ? 2 : 0, 0);
    memset(out, 0, sizeof *out);
    if (((uintptr_t)bytes & 7u) != 0) return ck_fail(error, CK_ERR_BAD_ARGUMENT, CK_TABLE_NONE, 0, (uintptr_t)bytes & 63u);
    const uint8_t *b = (const uint8_t *)bytes;
    const uint64_t n = size;
    const uint32_t H = CK_ARTIFACT_SEC_HEADER;

    /* 1. the header: identity first (so a foreign file says so), then its checksum, then fields */
    if (n < CK_ARTIFACT_HEADER_BYTES) return bad(error, H, CK_ARTIFACT_FAULT_TRUNCATED, n, CK_ARTIFACT_HEADER_BYTES);
    if (rd32(b) != CK_ARTIFACT_MAGIC) return bad(error, H, CK_ARTIFACT_FAULT_MAGIC, 0, rd32(b));
    if (rd32(b + 8) != CK_ARTIFACT_ENDIAN) return bad(error, H, CK_ARTIFACT_FAULT_ENDIAN, 8, rd32(b + 8));
    if (rd32(b + 4) != CK_ARTIFACT_VERSION) return bad(error, H, CK_ARTIFACT_FAULT_VERSION, 4, rd32(b + 4));
    uint64_t sum = ck_artifact_hash(b, 56);
    if (rd64(b + 56) != sum) return bad(error, H, CK_ARTIFACT_FAULT_CHECKSUM, 56, sum);
    const uint32_t header_bytes = rd32(b + 12), flags = rd32(b + 16), nsec = rd32(b + 20);
    const uint64_t file_bytes = rd64(b + 24);
    const uint32_t P = rd32(b + 32), S = rd32(b + 36);
    if (header_bytes != CK_ARTIFACT_HEADER_BYTES) return bad(error, H, CK_ARTIFACT_FAULT_HEADER, 12, header_bytes);
    if (flags & ~(uint32_t)(CK_ARTIFACT_FLAG_POLICY_MUST | CK_ARTIFACT_FLAG_NAMES | CK_ARTIFACT_FLAG_IR | CK_ARTIFACT_FLAG_LAYOUT))
        return bad(error, H, CK_ARTIFACT_FAULT_HEADER, 16, flags);
    /* the sections the flags call for, in id order */
    uint32_t expect[CK_ARTIFACT_SEC_COUNT], want = 0;
    for (uint32_t id = 1; id < CK_ARTIFACT_SEC_COUNT; id++) {
        if (id >= CK_ARTIFACT_SEC_PATH_NAMES && id <= CK_ARTIFACT_SEC_NAMES && !(flags & CK_ARTIFACT_FLAG_NAMES)) continue;
        if (id == CK_ARTIFACT_SEC_IR && !(flags & CK_ARTIFACT_FLAG_IR)) continue;
        if (id == CK_ARTIFACT_SEC_LAYOUT && !(flags & CK_ARTIFACT_FLAG_LAYOUT)) continue;
        expect[want++] = id;
    }
    if (nsec != want) return bad(error, H, CK_ARTIFACT_FAULT_HEADER, 20, nsec);
    if (file_bytes > n) return bad(error, H, CK_ARTIFACT_FAULT_TRUNCATED, 24, file_bytes);
    if (file_bytes < n) return bad(error, H, CK_ARTIFACT_FAULT_OVERSIZED, 24, file_bytes);
    if (P > CK_MAX_PATHS) return bad(error, H, CK_ARTIFACT_FAULT_TOO_LARGE, 32, P);
    if (S > CK_MAX_STEPS) return bad(error, H, CK_ARTIFACT_FAULT_TOO_LARGE, 36, S);
    if (rd64(b + 40) != 0) return bad(error, H, CK_ARTIFACT_FAULT_HEADER, 40, rd64(b + 40));

    /* 2. the section table and its checksum */
    const uint64_t table_end = CK_ARTIFACT_HEADER_BYTES + (uint64_t)nsec * CK_ARTIFACT_ENTRY_BYTES;
    if (table_end > n) return bad(error, H, CK_ARTIFACT_FAULT_TRUNCATED, n, table_end);
    sum = ck_artifact_hash(b + CK_ARTIFACT_HEADER_BYTES, (size_t)(table_end - CK_ARTIFACT_HEADER_BYTES));
    if (rd64(b + 48) != sum) return bad(error, H, CK_ARTIFACT_FAULT_CHECKSUM, 48, sum);

    /* 3. each entry: id, element size, alignment, overlap, canonical place, bounds, length */
    sec_t sec[CK_ARTIFACT_SEC_COUNT];
    memset(sec, 0, sizeof sec);
    uint64_t prev_end = table_end;
    uint32_t prev_id = H;
    for (uint32_t i = 0; i < nsec; i++) {
        const uint8_t *e = b + CK_ARTIFACT_HEADER_BYTES + (uint64_t)i * CK_ARTIFACT_ENTRY_BYTES;
        const uint64_t at = CK_ARTIFACT_HEADER_BYTES + (uint64_t)i * CK_ARTIFACT_ENTRY_BYTES;
        const uint32_t id = rd32(e), esz = rd32(e + 4);
        const uint64_t off = rd64(e + 8), count = rd64(e + 16), len = rd64(e + 24);
        if (id != expect[i]) return bad(error, H, CK_ARTIFACT_FAULT_SECTION_ID, at, id);
        if (esz != elem_size[id]) return bad(error, id, CK_ARTIFACT_FAULT_ELEMENT, at + 4, esz);
        if (off % CK_ARTIFACT_ALIGN != 0) return bad(error, id, CK_ARTIFACT_FAULT_ALIGNMENT, at + 8, off);
        if (off < prev_end) return bad(error, id, CK_ARTIFACT_FAULT_OVERLAP, at + 8, off);
        if (off != align_up(prev_end)) return bad(error, id, CK_ARTIFACT_FAULT_LAYOUT, at + 8, off);
        if (off > n || len > n - off) return bad(error, id, CK_ARTIFACT_FAULT_BOUNDS, at + 24, len);
        if (len % esz != 0 || count != len / esz) return bad(error, id, CK_ARTIFACT_FAULT_ELEMENT, at + 16, count);
        for (uint64_t p = prev_end; p < off; p++)
            if (b[p] != 0) return bad(error, prev_id, CK_ARTIFACT_FAULT_PADDING, p, b[p]);
        sec[id] = (sec_t){off, count, len, b + off};
        out->section_offset[id] = off;
        out->section_bytes[id] = len;
        prev_end = off + len;
        prev_id = id;
    }
    if (prev_end != file_bytes) {
        return prev_end < file_bytes ? bad(error, prev_id, CK_ARTIFACT_FAULT_OVERSIZED, prev_end, file_bytes - prev_end)
                                     : bad(error, prev_id, CK_ARTIFACT_FAULT_TRUNCATED, prev_end, file_bytes);
    }

    /* 4. every section's checksum */
    for (uint32_t i = 0; i < nsec; i++) {
        const uint8_t *e = b + CK_ARTIFACT_HEADER_BYTES + (uint64_t)i * CK_ARTIFACT_ENTRY_BYTES;
        const uint32_t id = expect[i];
        sum = ck_artifact_hash(sec[id].data, (size_t)sec[id].length);
        if (rd64(e + 32) != sum) return bad(error, id, CK_ARTIFACT_FAULT_CHECKSUM, sec[id].offset, sum);
    }

    /* 5. counts: against the header, then CSR totals against their item sections */
    static const uint8_t per_path1[] = {CK_ARTIFACT_SEC_PATH_PREFIX_OFFSETS, CK_ARTIFACT_SEC_TRIGGER_OFFSETS, CK_ARTIFACT_SEC_PATH_NAMES};
    static const uint8_t per_step[] = {CK_ARTIFACT_SEC_STEP_OUT_PATH, CK_ARTIFACT_SEC_STEP_FLAGS, CK_ARTIFACT_SEC_CODE_REGS};
    static const uint8_t per_step1[] = {CK_ARTIFACT_SEC_DEP_OFFSETS, CK_ARTIFACT_SEC_INPUT_OFFSETS, CK_ARTIFACT_SEC_CODE_OFFSETS, CK_ARTIFACT_SEC_STEP_OUTS};
    static const uint8_t per_path[] = {CK_ARTIFACT_SEC_STATE_TAGS, CK_ARTIFACT_SEC_STATE_VALUES, CK_ARTIFACT_SEC_LAYOUT};
    for (size_t i = 0; i < sizeof per_path1; i++) {
        const sec_t *s = &sec[per_path1[i]];
        if (s->data != NULL && s->count != (uint64_t)P + 1u) return bad(error, per_path1[i], CK_ARTIFACT_FAULT_COUNT, s->offset, s->count);
    }
    for (size_t i = 0; i < sizeof per_step; i++) {
        const sec_t *s = &sec[per_step[i]];
        if (s->count != S) return bad(error, per_step[i], CK_ARTIFACT_FAULT_COUNT, s->offset, s->count);
    }
    for (size_t i = 0; i < sizeof per_step1; i++) {
        const sec_t *s = &sec[per_step1[i]];
        if (s->data != NULL && s->count != (uint64_t)S + 1u) return bad(error, per_step1[i], CK_ARTIFACT_FAULT_COUNT, s->offset, s->count);
    }
    for (size_t i = 0; i < sizeof per_path; i++) {
        const sec_t *s = &sec[per_path[i]];
        if (s->data != NULL && s->count != P) return bad(error, per_path[i], CK_ARTIFACT_FAULT_COUNT, s->offset, s->count);
    }
    /* CSR: the offsets' last entry is the item section's count (before anything reads items) */
    static const uint8_t csr[][2] = {{CK_ARTIFACT_SEC_PATH_PREFIX_OFFSETS, CK_ARTIFACT_SEC_PATH_PREFIX_IDS},
                                     {CK_ARTIFACT_SEC_TRIGGER_OFFSETS, CK_ARTIFACT_SEC_TRIGGER_STEPS},
                                     {CK_ARTIFACT_SEC_DEP_OFFSETS, CK_ARTIFACT_SEC_DEP_PATHS},
                                     {CK_ARTIFACT_SEC_INPUT_OFFSETS, CK_ARTIFACT_SEC_INPUT_PATHS},
                                     {CK_ARTIFACT_SEC_CODE_OFFSETS, CK_ARTIFACT_SEC_CODE_INSNS}};
    for (size_t i = 0; i < sizeof csr / sizeof csr[0]; i++) {
        const sec_t *o = &sec[csr[i][0]];
        const uint64_t last = ((const uint32_t *)o->data)[o->count - 1u];
        if (last != sec[csr[i][1]].count)
            return bad(error, csr[i][0], CK_ARTIFACT_FAULT_COUNT, o->offset + 4u * (o->count - 1u), last);
    }

    /* 6. the tables' invariants (ck_kernel_create's checks), errors mapped to sections */
    ck_tables_t *t = &out->tables;
    t->path_count = P;
    t->step_count = S;
    t->path_prefix_offsets = (const uint32_t *)sec[CK_ARTIFACT_SEC_PATH_PREFIX_OFFSETS].data;
    t->path_prefix_ids = (const uint32_t *)sec[CK_ARTIFACT_SEC_PATH_PREFIX_IDS].data;
    t->step_out_path = (const uint32_t *)sec[CK_ARTIFACT_SEC_STEP_OUT_PATH].data;
    t->step_flags = sec[CK_ARTIFACT_SEC_STEP_FLAGS].data;
    t->trigger_offsets = (const uint32_t *)sec[CK_ARTIFACT_SEC_TRIGGER_OFFSETS].data;
    t->trigger_steps = (const uint32_t *)sec[CK_ARTIFACT_SEC_TRIGGER_STEPS].data;
    t->dep_offsets = (const uint32_t *)sec[CK_ARTIFACT_SEC_DEP_OFFSETS].data;
    t->dep_paths = (const uint32_t *)sec[CK_ARTIFACT_SEC_DEP_PATHS].data;
    ck_status_t st = ck_validate_tables(t, error);
    if (st != CK_OK) {
        ck_status_t mapped = map_error(out, st, error);
        memset(out, 0, sizeof *out);
        return mapped;
    }
    /* every step is listed under its out's 1-segment prefix (ck_kernel_create's last table rule) */
    for (uint32_t s = 0; s < S; s++) {
        const uint32_t g = t->path_prefix_ids[t->path_prefix_offsets[t->step_out_path[s]]];
        uint32_t lo = t->trigger_offsets[g], hi = t->trigger_offsets[g + 1];
        const uint32_t first = lo;
        while (lo < hi) {
            uint32_t mid = lo + (hi - lo) / 2;
            if (t->trigger_steps[mid] < s) lo = mid + 1; else hi = mid;
        }
        if (lo == t->trigger_offsets[g + 1] || t->trigger_steps[lo] != s) {
            memset(out, 0, sizeof *out);
            return bad(error, CK_ARTIFACT_SEC_TRIGGER_STEPS, CK_ARTIFACT_FAULT_TABLES,
                       sec[CK_ARTIFACT_SEC_TRIGGER_STEPS].offset + 4u * (uint64_t)first, s);
        }
    }

    /* 7. inputs: offsets, ids, and the deps are exactly the inputs that map to a path */
    const sec_t *io = &sec[CK_ARTIFACT_SEC_INPUT_OFFSETS], *ip = &sec[CK_ARTIFACT_SEC_INPUT_PATHS];
    if ((st = check_monotone(io, CK_ARTIFACT_SEC_INPUT_OFFSETS, S, 0, ip->count, error))) { memset(out, 0, sizeof *out); return st; }
    {
        const uint32_t *ioff = (const uint32_t *)io->data, *ids = (const uint32_t *)ip->data;
        for (uint32_t s = 0; s < S; s++) {
            uint32_t d = t->dep_offsets[s];
            for (uint32_t j = ioff[s]; j < ioff[s + 1]; j++) {
                if (ids[j] == UINT32_MAX) continue;
                if (ids[j] >= P || d >= t->dep_offsets[s + 1] || t->dep_paths[d] != ids[j]) {
                    memset(out, 0, sizeof *out);
                    return bad(error, CK_ARTIFACT_SEC_INPUT_PATHS, CK_ARTIFACT_FAULT_VALUE, ip->offset + 4u * (uint64_t)j, ids[j]);
                }
                d++;
            }
            if (d != t->dep_offsets[s + 1]) {
                memset(out, 0, sizeof *out);
                return bad(error, CK_ARTIFACT_SEC_INPUT_OFFSETS, CK_ARTIFACT_FAULT_COUNT, io->offset + 4u * ((uint64_t)s + 1u), ioff[s + 1]);
            }
        }
    }

    /* 8. bytecode offsets (the program rules run in ck_kernel_load_code), state tags and values */
    const sec_t *co = &sec[CK_ARTIFACT_SEC_CODE_OFFSETS];
    if ((st = check_monotone(co, CK_ARTIFACT_SEC_CODE_OFFSETS, S, 0, sec[CK_ARTIFACT_SEC_CODE_INSNS].count, error))) {
        memset(out, 0, sizeof *out);
        return st;
    }
    if (sec[CK_ARTIFACT_SEC_CODE_CONSTS].count > CK_VM_MAX_CONSTS) {
        memset(out, 0, sizeof *out);
        return bad(error, CK_ARTIFACT_SEC_CODE_CONSTS, CK_ARTIFACT_FAULT_TOO_LARGE, sec[CK_ARTIFACT_SEC_CODE_CONSTS].offset,
                   sec[CK_ARTIFACT_SEC_CODE_CONSTS].count);
    }
    {
        const uint8_t *tags = sec[CK_ARTIFACT_SEC_STATE_TAGS].data;
        const double *vals = (const double *)sec[CK_ARTIFACT_SEC_STATE_VALUES].data;
        for (uint32_t p = 0; p < P; p++) {
            const uint8_t tag = tags[p];
            const double v = vals[p];
            if (tag > CK_TAG_NUMBER) {
                memset(out, 0, sizeof *out);
                return bad(error, CK_ARTIFACT_SEC_STATE_TAGS, CK_ARTIFACT_FAULT_VALUE, sec[CK_ARTIFACT_SEC_STATE_TAGS].offset + p, tag);
            }
            /* canonical form: booleans 0.0/1.0, null and undefined +0.0 */
            uint64_t bits;
            memcpy(&bits, &v, 8);
            if ((tag == CK_TAG_BOOLEAN && bits != 0 && v != 1.0) || (tag <= CK_TAG_NULL && bits != 0)) {
                memset(out, 0, sizeof *out);
                return bad(error, CK_ARTIFACT_SEC_STATE_VALUES, CK_ARTIFACT_FAULT_VALUE,
                           sec[CK_ARTIFACT_SEC_STATE_VALUES].offset + 8u * (uint64_t)p, bits);
            }
        }
    }

    /* 9. layout: slots in range (that no slot repeats is checked when a kernel takes it:
       ck_kernel_set_layout, which allocates) */
    if (flags & CK_ARTIFACT_FLAG_LAYOUT) {
        const sec_t *ls = &sec[CK_ARTIFACT_SEC_LAYOUT];
        const uint32_t *slots = (const uint32_t *)ls->data;
        for (uint32_t p = 0; p < P; p++) {
            if (slots[p] >= P) {
                memset(out, 0, sizeof *out);
                return bad(error, CK_ARTIFACT_SEC_LAYOUT, CK_ARTIFACT_FAULT_VALUE, ls->offset + 4u * (uint64_t)p, slots[p]);
            }
        }
        out->layout = slots;
    }

    /* 10. names: path names from 0, step outs after them, ending at the blob's end */
    if (flags & CK_ARTIFACT_FLAG_NAMES) {
        const sec_t *pn = &sec[CK_ARTIFACT_SEC_PATH_NAMES], *so = &sec[CK_ARTIFACT_SEC_STEP_OUTS];
        const uint32_t *pno = (const uint32_t *)pn->data;
        if ((st = check_monotone(pn, CK_ARTIFACT_SEC_PATH_NAMES, P, 0, pno[P], error)) ||
            (st = check_monotone(so, CK_ARTIFACT_SEC_STEP_OUTS, S, pno[P], sec[CK_ARTIFACT_SEC_NAMES].count, error))) {
            memset(out, 0, sizeof *out);
            return st;
        }
        out->path_name_offsets = pno;
        out->step_out_offsets = (const uint32_t *)so->data;
        out->names = sec[CK_ARTIFACT_SEC_NAMES].data;
        out->names_bytes = sec[CK_ARTIFACT_SEC_NAMES].count;
    }
    if (flags & CK_ARTIFACT_FLAG_IR) {
        out->ir = sec[CK_ARTIFACT_SEC_IR].data;
        out->ir_bytes = sec[CK_ARTIFACT_SEC_IR].count;
    }

    out->version = CK_ARTIFACT_VERSION;
    out->flags = flags;
    out->file_bytes = file_bytes;
    out->input_offsets = (const uint32_t *)io->data;
    out->input_paths = (const uint32_t *)ip->data;
    out->input_count = ip->count;
    out->code.step_count = S;
    out->code.step_offsets = (const uint32_t *)co->data;
    out->code.step_regs = sec[CK_ARTIFACT_SEC_CODE_REGS].data;
    out->code.insns = (const ck_insn_t *)sec[CK_ARTIFACT_SEC_CODE_INSNS].data;
    out->code.consts = (const double *)sec[CK_ARTIFACT_SEC_CODE_CONSTS].data;
    out->code.const_count = (uint32_t)sec[CK_ARTIFACT_SEC_CODE_CONSTS].count;
    out->state_tags = sec[CK_ARTIFACT_SEC_STATE_TAGS].data;
    out->state_values = (const double *)sec[CK_ARTIFACT_SEC_STATE_VALUES].data;
    return CK_OK;
}

/* ---------------------------------------------------------------- a kernel from an artifact */

ck_status_t ck_kernel_create_from_artifact(const ck_artifact_t *a, const ck_options_t *options,
                                           ck_kernel_t **out_kernel, ck_error_t *error) {
    return ck_kernel_create_from_artifact_ex(a, options, 0, out_kernel, error);
}

ck_status_t ck_kernel_create_from_artifact_ex(const ck_artifact_t *a, const ck_options_t *options, uint32_t load_flags,
                                              ck_kernel_t **out_kernel, ck_error_t *error) {
    if (error != NULL) memset(error, 0, sizeof *error);
    if (out_kernel == NULL) return ck_fail(error, CK_ERR_NULL_ARGUMENT, CK_TABLE_NONE, 2, 0);
    *out_kernel = NULL;
    if (a == NULL || a->version != CK_ARTIFACT_VERSION) return ck_fail(error, CK_ERR_NULL_ARGUMENT, CK_TABLE_NONE, 0, 0);
    ck_kernel_t *k = NULL;
    ck_status_t st = ck_kernel_create(&a->tables, options, &k, error);
    if (st != CK_OK) return map_error(a, st, error);
    const uint32_t S = a->tables.step_count, P = a->tables.path_count;
    if (S > 0 && a->code.step_offsets[S] > 0) {
        st = ck_kernel_load_code(k, &a->code, error);
        if (st != CK_OK) {
            ck_kernel_free(k);
            return map_error(a, st, error);
        }
    }
    ck_state_view_t view;
    ck_kernel_state(k, &view);
    if (P > 0) {
        memcpy(view.tags, a->state_tags, P);
        memcpy(view.values, a->state_values, (size_t)P * 8u);
    }
    if ((load_flags & CK_ARTIFACT_LOAD_LAYOUT) && a->layout != NULL) {
        st = ck_kernel_set_layout(k, a->layout, P, error);
        if (st != CK_OK) {
            ck_kernel_free(k);
            if (st != CK_ERR_BAD_TABLES) return st;
            /* open checked the range: a refused layout repeats a slot */
            return bad(error, CK_ARTIFACT_SEC_LAYOUT, CK_ARTIFACT_FAULT_REPEATED,
                       a->section_offset[CK_ARTIFACT_SEC_LAYOUT] + 4u * (error != NULL ? error->index : 0u),
                       error != NULL ? error->value : 0u);
        }
    }
    *out_kernel = k;
    return CK_OK;
}
