/* bench_json.c - the work callgrind measures for `make bench`: parse and
 * map one response body, fed in pieces of TNX_IO_BUF_SIZE bytes as the
 * client feeds it.
 *
 *   bench_json example   the spec's example answer, compact (410 bytes)
 *   bench_json big       64 KiB made mostly of fields the schema skips
 *   bench_json example-grammar, big-grammar
 *                        the same through tnx_reader_json (no mapping)
 *   bench_json dump big  print the document instead
 *
 * Only bench_parse is counted (callgrind --toggle-collect=bench_parse), so
 * program start-up is not in the figure.  The big document comes from a
 * fixed-seed generator: the same bytes on every machine. */
#define TNX_NO_TLS
#define TELNYX_PORTING_IMPLEMENTATION
#include "telnyx_porting.h"
#include <stdio.h>
#include <stdlib.h>

#define BIG_SIZE 65536

static const char example[] =
    "{\"data\":{\"id\":\"6a09cdc3-8948-47f0-aa62-74ac943d6c58\","
    "\"record_type\":\"porting_action_requirement\","
    "\"porting_order_id\":\"12ade33a-21c0-473b-b055-b3c836e1c292\","
    "\"requirement_type_id\":\"53970723-fbff-4f46-a975-f62be6c1a585\","
    "\"action_type\":\"document_upload\","
    "\"action_url\":\"https://example.com/action\",\"status\":\"created\","
    "\"cancel_reason\":null,\"created_at\":\"2018-02-02T22:25:27.521Z\","
    "\"updated_at\":\"2018-02-02T22:25:27.521Z\"}}";

static char big[BIG_SIZE + 1];
static size_t big_len;
static uint32_t seed = 12345;

/* A small linear congruential generator: reproducible, no libc rand. */
static uint32_t rnd(uint32_t n)
{
    seed = seed * 1103515245u + 12345u;
    return (seed >> 16) % n;
}

static void put_n(const char *s, size_t n)
{
    if (big_len >= BIG_SIZE) return;
    if (n > BIG_SIZE - big_len) n = BIG_SIZE - big_len;
    memcpy(big + big_len, s, n);
    big_len += n;
}

static void put(const char *s) { put_n(s, strlen(s)); }

static void gen_key(void)
{
    static const char *const words[] = {
        "type", "name", "value", "source", "attributes", "updated",
        "phone_number", "carrier", "sub", "requirement", "x", "links"
    };
    char k[40];
    sprintf(k, "\"%s_%u\":", words[rnd(12)], rnd(100));
    put(k);
}

/* Text with, now and then, an escape or a character of 2, 3 or 4 bytes. */
static void gen_string(void)
{
    static const char *const odd[] = {
        "\\n", "\\\"", "\\\\", "\\t", "\\/", "\\u00e9", "\\ud83d\\ude00",
        "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x93\x9e", "\xc3\xbc"
    };
    uint32_t n = 4 + rnd(56), i;
    char ch[2] = { 0, 0 };
    put("\"");
    for (i = 0; i < n; i++) {
        uint32_t r = rnd(100);
        if (r < 3) {
            put(odd[rnd(7)]);
        } else if (r < 6) {
            put(odd[7 + rnd(4)]);
        } else {
            ch[0] = r < 20 ? ' ' : (char)('a' + rnd(26));
            put(ch);
        }
    }
    put("\"");
}

static void gen_number(void)
{
    char num[48];
    switch (rnd(4)) {
    case 0: sprintf(num, "%u", rnd(100000)); break;
    case 1: sprintf(num, "-%u", rnd(1000)); break;
    case 2: sprintf(num, "%u.%u", rnd(1000), rnd(100000)); break;
    default: sprintf(num, "%u.%ue-%u", rnd(10), rnd(1000), rnd(300)); break;
    }
    put(num);
}

/* Recursion is fine here: a test program, depth at most 5. */
static void gen_value(int depth)
{
    uint32_t r = rnd(100), i, n;
    if (depth >= 5 && r >= 75) r = rnd(75);
    if (r < 40) {
        gen_string();
    } else if (r < 65) {
        gen_number();
    } else if (r < 75) {
        static const char *const lit[] = { "true", "false", "null" };
        put(lit[rnd(3)]);
    } else if (r < 90) {
        n = 1 + rnd(6);
        put("{");
        for (i = 0; i < n; i++) {
            if (i) put(",");
            gen_key();
            gen_value(depth + 1);
        }
        put("}");
    } else {
        n = 1 + rnd(8);
        put("[");
        for (i = 0; i < n; i++) {
            if (i) put(",");
            gen_value(depth + 1);
        }
        put("]");
    }
}

/* {"data":{ten fields, unknown ones...},"included":[...]} of exactly
 * BIG_SIZE bytes: the last string is padded to fit. */
static void gen_big(void)
{
    size_t pad;
    put_n(example, sizeof example - 3); /* data stays open */
    while (big_len < BIG_SIZE / 2) {
        put(",");
        gen_key();
        gen_value(1);
    }
    put("},\"included\":[");
    while (big_len < BIG_SIZE - 300) {
        gen_value(1);
        put(",");
    }
    put("\"");
    pad = BIG_SIZE - big_len - 3;
    memset(big + big_len, 'p', pad);
    big_len += pad;
    put("\"]}");
}

#if defined(__GNUC__)
__attribute__((noinline))
#endif
static tnx_status bench_parse(const char *doc, size_t n, int map,
                              tnx_action_requirement *ar, tnx_error *err)
{
    tnx_reader r;
    size_t i, k;
    if (map) tnx_reader_response(&r, ar, err);
    else tnx_reader_json(&r);
    for (i = 0; i < n; i += k) {
        k = n - i < TNX_IO_BUF_SIZE ? n - i : TNX_IO_BUF_SIZE;
        tnx_reader_feed(&r, doc + i, k);
    }
    return tnx_reader_end(&r);
}

int main(int argc, char **argv)
{
    static tnx_action_requirement ar;
    static tnx_error err;
    const char *which = argc > 1 ? argv[argc - 1] : "example";
    const char *doc = example;
    size_t n = sizeof example - 1;
    int map = strstr(which, "-grammar") == NULL;
    tnx_status st;

    gen_big();
    if (strncmp(which, "big", 3) == 0) {
        doc = big;
        n = big_len;
    }
    if (argc > 2 && strcmp(argv[1], "dump") == 0) {
        fwrite(doc, 1, n, stdout);
        return 0;
    }
    st = bench_parse(doc, n, map, &ar, &err);
    /* The figure only counts when the body was read (and mapped). */
    if (st != TNX_OK || (map && ar.present != 0x3FF)) {
        fprintf(stderr, "bench_json: %s, fields 0x%x\n",
                tnx_status_name(st), (unsigned)ar.present);
        return 1;
    }
    printf("%s %lu bytes\n", which, (unsigned long)n);
    return 0;
}
