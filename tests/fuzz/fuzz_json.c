/* fuzz_json.c - libFuzzer target for the JSON reader and writer.
 *
 * For each input, each of the three readers (grammar only, response,
 * params) must give the same verdict, offset, field and mapped structs
 * whole, one byte at a time and cut in two; the mapping readers must agree
 * with the grammar; what maps must write and read back (json_check.h).
 * The input as a C string must also be written as a name exactly when it
 * is valid UTF-8 (checked here by a separate decoder), and read back equal.
 * Any disagreement aborts, which libFuzzer reports as a crash. */
#define TNX_NO_TLS
#define TELNYX_PORTING_IMPLEMENTATION
#include "telnyx_porting.h"
#include <stdio.h>
#include "json_check.h"

static void fail(const char *what, int kind)
{
    fprintf(stderr, "fuzz_json: %s (%s reader)\n", what,
            kind >= 0 ? jc_reader_name[kind] : "-");
    abort();
}

/* UTF-8 by the book, apart from the library: scalar values only, shortest
 * form only. */
static int valid_utf8(const uint8_t *s, size_t n)
{
    static const uint32_t least[4] = { 0, 0x80, 0x800, 0x10000 };
    size_t i = 0, j, k;
    while (i < n) {
        uint32_t cp;
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        if ((s[i] & 0xE0) == 0xC0) k = 1;
        else if ((s[i] & 0xF0) == 0xE0) k = 2;
        else if ((s[i] & 0xF8) == 0xF0) k = 3;
        else return 0;
        cp = s[i] & (0x7Fu >> (k + 1));
        for (j = 1; j <= k; j++) {
            if (i + j >= n || (s[i + j] & 0xC0) != 0x80) return 0;
            cp = (cp << 6) | (s[i + j] & 0x3Fu);
        }
        if (cp < least[k] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += k + 1;
    }
    return 1;
}

/* The input up to its first NUL, as both names: written exactly when it is
 * valid UTF-8, and read back the same when it fits. */
static void check_writer(const uint8_t *data, size_t size)
{
    static char name[TNX_NAME_MAX + 64];
    static jc_sink out;
    jc_outcome back;
    tnx_params p;
    tnx_writer w;
    size_t n = 0;
    while (n < size && n < sizeof name - 1 && data[n]) n++;
    memcpy(name, data, n);
    name[n] = 0;
    p.first_name = name;
    p.last_name = name;
    memset(&out, 0, sizeof out);
    tnx_writer_init(&w, jc_sink_fn, &out);
    w.piece_max = 1 + n % 7;
    tnx_write_params(&w, &p);
    if (valid_utf8((const uint8_t *)name, n) != (w.status == TNX_OK))
        fail("writer and UTF-8 disagree", -1);
    if (w.status != TNX_OK) return;
    if (out.misuse) fail("sink got a piece of a wrong size", -1);
    jc_run(JC_PARAMS, (const uint8_t *)out.buf, out.len, 0, 0, 0, &back);
    if (back.st != TNX_OK) fail("written params do not read", -1);
    if (n < TNX_NAME_MAX && (strcmp(back.pb.first_name, name) != 0 ||
                             strcmp(back.pb.last_name, name) != 0 ||
                             back.pb.truncated != 0))
        fail("names read back differ", -1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static jc_outcome out[JC_READERS], other;
    size_t cut = size ? ((size_t)data[0] * 257u + size) % (size + 1) : 0;
    const char *why;
    int kind;

    for (kind = 0; kind < JC_READERS; kind++) {
        jc_run(kind, data, size, 0, size, 0, &out[kind]);
        jc_run(kind, data, size, 1, 0, 1, &other);
        if (!jc_same(&out[kind], &other)) fail("one byte at a time differs",
                                                kind);
        jc_run(kind, data, size, 0, cut, 1, &other);
        if (!jc_same(&out[kind], &other)) fail("cut in two differs", kind);
    }
    if ((why = jc_consistent(&out[JC_JSON], &out[JC_RESPONSE])) != NULL)
        fail(why, JC_RESPONSE);
    if ((why = jc_consistent(&out[JC_JSON], &out[JC_PARAMS])) != NULL)
        fail(why, JC_PARAMS);
    if (out[JC_RESPONSE].st == TNX_OK &&
        (why = jc_round_trip_response(&out[JC_RESPONSE].ar)) != NULL)
        fail(why, JC_RESPONSE);
    if (out[JC_PARAMS].st == TNX_OK && out[JC_PARAMS].pb.present == 3 &&
        (why = jc_round_trip_params(&out[JC_PARAMS].pb)) != NULL)
        fail(why, JC_PARAMS);
    check_writer(data, size);
    return 0;
}
