/* test_json_corpus.c - every document of tests/json/ (or the directory
 * given) through the three readers: whole, one byte at a time, and cut
 * in two at every byte boundary.  The name gives the verdict of the
 * grammar: accept_* must be JSON, reject_* must not (depth verdicts assume
 * TNX_JSON_DEPTH_MAX 32).  Every way of feeding must give the same
 * verdict, error offset, field name and mapped structs; the mapping
 * readers must agree with the grammar; what maps is written and read back.
 * Each of these is one counted check per document. */
#define _POSIX_C_SOURCE 200809L
#define TNX_NO_TLS
#define TELNYX_PORTING_IMPLEMENTATION
#include "telnyx_porting.h"
#include "tnx_test.h"
#include "json_check.h"
#include <dirent.h>

/* Up to this size each chunk is fed from its own heap copy (exact bounds
 * for AddressSanitizer); bigger documents are cut in place. */
#define COPY_MAX 4096

static int by_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static uint8_t *read_file(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf;
    long size;
    if (!f) return NULL;
    if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 ||
        fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return NULL;
    }
    buf = (uint8_t *)malloc(size ? (size_t)size : 1);
    if (buf && fread(buf, 1, (size_t)size, f) != (size_t)size) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *n = (size_t)size;
    return buf;
}

/* Whole, one byte at a time, every cut in two: all the same. */
static void check_chunkings(const char *name, int kind, const uint8_t *doc,
                            size_t n, jc_outcome *whole)
{
    static jc_outcome other;
    int copy = n <= COPY_MAX;
    size_t cut;
    jc_run(kind, doc, n, 0, n, copy, whole);
    jc_run(kind, doc, n, 1, 0, copy, &other);
    TT_REPORT(jc_same(whole, &other), "%s: %s reader: one byte at a time "
              "gives %s at %ld, whole gives %s at %ld", name,
              jc_reader_name[kind], tnx_status_name(other.st), other.offset,
              tnx_status_name(whole->st), whole->offset);
    for (cut = 1; cut < n; cut++) {
        jc_run(kind, doc, n, 0, cut, copy, &other);
        if (!jc_same(whole, &other)) break;
    }
    TT_REPORT(cut >= n, "%s: %s reader: cut at %lu gives %s at %ld, whole "
              "gives %s at %ld", name, jc_reader_name[kind],
              (unsigned long)cut, tnx_status_name(other.st), other.offset,
              tnx_status_name(whole->st), whole->offset);
}

static void check_document(const char *name, const uint8_t *doc, size_t n,
                           int *accepted, int *rejected)
{
    static jc_outcome json, resp, params;
    int accept = strncmp(name, "accept_", 7) == 0;
    const char *why;

    TT_REPORT(accept || strncmp(name, "reject_", 7) == 0,
              "%s: the name must start with accept_ or reject_", name);
    check_chunkings(name, JC_JSON, doc, n, &json);
    if (accept) {
        TT_REPORT(json.st == TNX_OK, "%s: refused: %s at offset %ld", name,
                  tnx_status_name(json.st), json.offset);
    } else {
        TT_REPORT(json.st == TNX_E_JSON || json.st == TNX_E_DEPTH,
                  "%s: accepted (%s)", name, tnx_status_name(json.st));
    }
    *(json.st == TNX_OK ? accepted : rejected) += 1;

    check_chunkings(name, JC_RESPONSE, doc, n, &resp);
    why = jc_consistent(&json, &resp);
    TT_REPORT(!why, "%s: response reader: %s", name, why);
    check_chunkings(name, JC_PARAMS, doc, n, &params);
    why = jc_consistent(&json, &params);
    TT_REPORT(!why, "%s: params reader: %s", name, why);

    if (resp.st == TNX_OK) {
        why = jc_round_trip_response(&resp.ar);
        TT_REPORT(!why, "%s: response round trip: %s", name, why);
    }
    if (params.st == TNX_OK && params.pb.present == 3) {
        why = jc_round_trip_params(&params.pb);
        TT_REPORT(!why, "%s: params round trip: %s", name, why);
    }
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "tests/json";
    static char *names[4096];
    size_t count = 0, i;
    int accepted = 0, rejected = 0;
    struct dirent *e;
    DIR *d = opendir(dir);

    if (!d) {
        printf("cannot open %s\n", dir);
        TT_REPORT(0, "no corpus");
        return tt_summary();
    }
    while ((e = readdir(d)) != NULL && count < 4096) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 5, ".json") != 0) continue;
        names[count] = (char *)malloc(len + 1);
        if (!names[count]) abort();
        memcpy(names[count++], e->d_name, len + 1);
    }
    closedir(d);
    qsort(names, count, sizeof names[0], by_name);

    for (i = 0; i < count; i++) {
        char path[1024];
        size_t n = 0;
        uint8_t *doc;
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        doc = read_file(path, &n);
        TT_REPORT(doc != NULL, "%s: cannot read", path);
        if (doc) check_document(names[i], doc, n, &accepted, &rejected);
        free(doc);
        free(names[i]);
    }
    TT_REPORT(count >= 150, "only %lu documents", (unsigned long)count);
    printf("%lu documents: %d JSON, %d not\n", (unsigned long)count,
           accepted, rejected);
    return tt_summary();
}
