/* artifact_fuzz.c — libFuzzer target for the AOT artifact loader (docs/artifact.md, "Fuzzing").
 *
 * Input: one mode byte, then the file. Mode bit 0: recompute every checksum the file declares
 * (sections, table, header) before opening, so that mutations reach the validation behind the
 * checksums; bit 1: also set the header's file size to the input's. Whatever opens is then made
 * into a kernel (tables + bytecode verifier), planned and committed (bytecode steps run in the
 * VM, host steps return a number), and validated. Any crash, sanitizer report or failed
 * invariant is a finding; an error status is the expected outcome for most inputs.
 *
 * Build and run: scripts/fuzz-artifact.sh [seconds] (clang -fsanitize=fuzzer,address,undefined).
 */
#include "ckernel.h"

#include <stdlib.h>
#include <string.h>

static uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t rd64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static void wr64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

static void fix_up(uint8_t *b, size_t n, int set_size) {
    if (n < CK_ARTIFACT_HEADER_BYTES) return;
    uint32_t ns = rd32(b + 20);
    if (ns > CK_ARTIFACT_MAX_SECTIONS) return;
    size_t table_end = CK_ARTIFACT_HEADER_BYTES + (size_t)ns * CK_ARTIFACT_ENTRY_BYTES;
    if (table_end > n) return;
    for (uint32_t i = 0; i < ns; i++) {
        uint8_t *e = b + CK_ARTIFACT_HEADER_BYTES + (size_t)i * CK_ARTIFACT_ENTRY_BYTES;
        uint64_t off = rd64(e + 8), len = rd64(e + 24);
        if (off <= n && len <= n - off) wr64(e + 32, ck_artifact_hash(b + off, (size_t)len));
    }
    if (set_size) wr64(b + 24, n);
    wr64(b + 48, ck_artifact_hash(b + CK_ARTIFACT_HEADER_BYTES, table_end - CK_ARTIFACT_HEADER_BYTES));
    wr64(b + 56, ck_artifact_hash(b, 56));
}

static int host_steps(void *context, const uint32_t *steps, uint32_t count, uint8_t *out_tags, double *out_values,
                      uint32_t *out_completed) {
    (void)context;
    for (uint32_t i = 0; i < count; i++) {
        out_tags[i] = CK_TAG_NUMBER;
        out_values[i] = (double)steps[i];
    }
    *out_completed = count;
    return CK_HOST_OK;
}

static void abort_if(int bad) {
    if (bad) abort(); /* a finding: libFuzzer reports the input */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    const uint8_t mode = data[0];
    size_t n = size - 1;
    uint8_t *b = aligned_alloc(64, (n + 64) & ~(size_t)63); /* the loader wants an 8-byte aligned buffer */
    if (b == NULL) return 0;
    memcpy(b, data + 1, n);
    if (mode & 1u) fix_up(b, n, (mode & 2u) != 0);

    ck_artifact_t a;
    ck_error_t err;
    ck_status_t st = ck_artifact_open(b, n, &a, &err);
    if (st != CK_OK) {
        abort_if(st != CK_ERR_BAD_ARTIFACT || err.table < CK_TABLE_ARTIFACT || err.index > n + 64);
        free(b);
        return 0;
    }
    ck_kernel_t *k = NULL;
    st = ck_kernel_create_from_artifact_ex(&a, NULL, CK_ARTIFACT_LOAD_LAYOUT, &k, &err); /* the layout too (L4) */
    if (st != CK_OK) {
        abort_if(st != CK_ERR_BAD_ARTIFACT && st != CK_ERR_OUT_OF_MEMORY);
        abort_if(k != NULL);
        free(b);
        return 0;
    }
    const uint32_t S = a.tables.step_count, P = a.tables.path_count;
    uint32_t *plan = malloc(((size_t)S + 1) * 4);
    uint32_t dirty[4];
    uint32_t dirty_count = 0;
    for (uint32_t i = 0; i < 4 && P > 0; i++) dirty[dirty_count++] = (uint32_t)((mode >> 2) * 2654435761u + i * 40503u) % P;
    if (plan != NULL) {
        ck_plan_result_t pr;
        ck_exec_result_t xr;
        ck_exec_options_t xo;
        ck_exec_options_init(&xo);
        xo.host_steps = host_steps;
        for (int m = 0; m < 2; m++) {
            st = ck_kernel_plan(k, dirty, dirty_count, (ck_mode_t)m, CK_SCOPE_ALL, 0, plan, S + 1, &pr, &err);
            abort_if(st != CK_OK);
            st = ck_kernel_commit(k, dirty, dirty_count, (ck_mode_t)m, CK_SCOPE_ALL, 0, plan, S + 1, &xo, &pr, &xr, &err);
            abort_if(st != CK_OK);
        }
        abort_if(ck_kernel_validate(k, &err) != CK_OK);
        free(plan);
    }
    ck_kernel_free(k);
    free(b);
    return 0;
}
