/* json_check.h - one JSON document through the three readers of the
 * library (grammar only, response, params) cut into chunks in a chosen
 * way, and the round trips through the writer.  Shared by
 * test_json_corpus.c and fuzz/fuzz_json.c; include it after the
 * implementation of telnyx_porting.h. */
#ifndef JSON_CHECK_H
#define JSON_CHECK_H
#include <stdlib.h>
#include <string.h>

enum jc_reader { JC_JSON, JC_RESPONSE, JC_PARAMS, JC_READERS };
static const char *const jc_reader_name[] = { "json", "response", "params" };

/* Everything a reader gives back. */
typedef struct jc_outcome {
    tnx_status st;
    long offset;
    const char *where;
    tnx_action_requirement ar;
    tnx_error err;
    tnx_params_buf pb;
} jc_outcome;

/* Feeds doc[from..to) from a heap copy of exactly that size, so that
 * AddressSanitizer sees any read past the end of a chunk. */
static void jc_feed(tnx_reader *r, const uint8_t *doc, size_t from, size_t to,
                    int copy)
{
    uint8_t *piece;
    if (!copy || to == from) {
        tnx_reader_feed(r, doc + from, to - from);
        return;
    }
    piece = (uint8_t *)malloc(to - from);
    if (!piece) abort();
    memcpy(piece, doc + from, to - from);
    tnx_reader_feed(r, piece, to - from);
    free(piece);
}

/* step > 0: pieces of step bytes; step == 0: two pieces cut at `cut`
 * (0 or n: the whole document in one piece). */
static void jc_run(int kind, const uint8_t *doc, size_t n, size_t step,
                   size_t cut, int copy, jc_outcome *o)
{
    tnx_reader r;
    size_t i;
    memset(o, 0, sizeof *o);
    if (kind == JC_JSON) tnx_reader_json(&r);
    else if (kind == JC_RESPONSE) tnx_reader_response(&r, &o->ar, &o->err);
    else tnx_reader_params(&r, &o->pb);
    if (step > 0) {
        for (i = 0; i < n; i += step)
            jc_feed(&r, doc, i, n - i < step ? n : i + step, copy);
    } else {
        jc_feed(&r, doc, 0, cut, copy);
        jc_feed(&r, doc, cut, n, copy);
    }
    o->st = tnx_reader_end(&r);
    o->offset = tnx_reader_offset(&r);
    o->where = tnx_reader_where(&r);
}

/* Same verdict, same place, same mapped structs (structs were zeroed
 * whole, padding included, before the reader filled them). */
static int jc_same(const jc_outcome *a, const jc_outcome *b)
{
    return a->st == b->st && a->offset == b->offset && a->where == b->where &&
           memcmp(&a->ar, &b->ar, sizeof a->ar) == 0 &&
           a->err.count == b->err.count &&
           memcmp(a->err.errors, b->err.errors, sizeof a->err.errors) == 0 &&
           memcmp(&a->pb, &b->pb, sizeof a->pb) == 0;
}

/* A sink that takes at most `max` bytes a call, checking it is never
 * handed more or nothing, and keeps them in buf. */
typedef struct jc_sink {
    char buf[8192];
    size_t len, max;
    int misuse;
} jc_sink;

static int jc_sink_fn(void *ctx, const char *bytes, size_t len)
{
    jc_sink *s = (jc_sink *)ctx;
    if (len == 0 || (s->max && len > s->max)) s->misuse = 1;
    if (len > sizeof s->buf - s->len) return TNX_E_ARG;
    memcpy(s->buf + s->len, bytes, len);
    s->len += len;
    return 0;
}

static void jc_sink_put(jc_sink *s, const char *text)
{
    size_t len = strlen(text);
    if (len <= sizeof s->buf - s->len) memcpy(s->buf + s->len, text, len);
    s->len += len;
}

/* Writes ar as {"data":...} into s, sink pieces of at most max bytes. */
static tnx_status jc_write_response(const tnx_action_requirement *ar,
                                    jc_sink *s, size_t max)
{
    tnx_writer w;
    memset(s, 0, sizeof *s);
    s->max = max;
    tnx_writer_init(&w, jc_sink_fn, s);
    w.piece_max = max;
    jc_sink_put(s, "{\"data\":");
    if (tnx_write_action_requirement(&w, ar) != TNX_OK) return w.status;
    jc_sink_put(s, "}");
    return s->len <= sizeof s->buf ? TNX_OK : TNX_E_ARG;
}

/* Response read, written, read again: the same struct but for the
 * truncated bits (a cut string is written as kept and reads back whole).
 * Also: every piece size gives the same bytes.  Returns a reason, or
 * NULL when all holds. */
static const char *jc_round_trip_response(const tnx_action_requirement *ar)
{
    static jc_sink one, small;
    jc_outcome back;
    tnx_action_requirement want = *ar;
    size_t max;
    if (jc_write_response(ar, &one, 0) != TNX_OK) return "write failed";
    for (max = 1; max <= 9; max++) {
        if (jc_write_response(ar, &small, max) != TNX_OK)
            return "write in small pieces failed";
        if (small.misuse) return "sink got a piece of a wrong size";
        if (small.len != one.len || memcmp(small.buf, one.buf, one.len) != 0)
            return "small pieces gave other bytes";
    }
    jc_run(JC_RESPONSE, (const uint8_t *)one.buf, one.len, 0, 0, 0, &back);
    if (back.st != TNX_OK) return "written response does not read back";
    want.truncated = 0;
    if (memcmp(&want, &back.ar, sizeof want) != 0)
        return "response read back differs";
    return NULL;
}

/* Params read, written, read again (both names present). */
static const char *jc_round_trip_params(const tnx_params_buf *pb)
{
    static jc_sink one, small;
    tnx_params p;
    tnx_writer w;
    jc_outcome back;
    tnx_params_buf want = *pb;
    p.first_name = pb->first_name;
    p.last_name = pb->last_name;
    memset(&one, 0, sizeof one);
    tnx_writer_init(&w, jc_sink_fn, &one);
    if (tnx_write_params(&w, &p) != TNX_OK) return "write failed";
    if (w.count != one.len) return "writer count is wrong";
    memset(&small, 0, sizeof small);
    small.max = 3;
    tnx_writer_init(&w, jc_sink_fn, &small);
    w.piece_max = 3;
    tnx_write_params(&w, &p);
    if (small.misuse || small.len != one.len ||
        memcmp(small.buf, one.buf, one.len) != 0)
        return "small pieces gave other bytes";
    jc_run(JC_PARAMS, (const uint8_t *)one.buf, one.len, 0, 0, 0, &back);
    if (back.st != TNX_OK) return "written params do not read back";
    want.truncated = 0;
    if (memcmp(&want, &back.pb, sizeof want) != 0)
        return "params read back differ";
    return NULL;
}

/* How a mapping reader's verdict must relate to the grammar's: a schema
 * may refuse a valid document (TNX_E_SCHEMA) or stop before a grammar
 * error, but it never accepts what the grammar refuses, never refuses
 * otherwise, and finds a grammar error at the same byte. */
static const char *jc_consistent(const jc_outcome *json, const jc_outcome *m)
{
    if (m->st == TNX_OK && json->st != TNX_OK) return "maps invalid JSON";
    if (m->st == TNX_E_SCHEMA)
        return m->where ? NULL : "schema error without a field";
    if (m->st != json->st) return "verdict differs from the grammar's";
    if (m->st != TNX_OK && m->offset != json->offset)
        return "error offset differs from the grammar's";
    return NULL;
}
#endif
