/* test_json.c - the JSON reader and writer on their own: mapping of the
 * spec's example, null/absent/empty, unknown fields, truncation, errors
 * bodies, any chunking, and the writer's escapes. */
#define TELNYX_PORTING_IMPLEMENTATION
#include "telnyx_porting.h"
#include "tnx_test.h"

/* The example answer of the API page, with an unknown field added. */
static const char example[] =
    "{\"data\":{\"id\":\"6a09cdc3-8948-47f0-aa62-74ac943d6c58\","
    "\"record_type\":\"porting_action_requirement\","
    "\"porting_order_id\":\"12ade33a-21c0-473b-b055-b3c836e1c292\","
    "\"requirement_type_id\":\"53970723-fbff-4f46-a975-f62be6c1a585\","
    "\"action_type\":\"document_upload\","
    "\"action_url\":\"https://example.com/action\",\"status\":\"created\","
    "\"cancel_reason\":null,\"created_at\":\"2018-02-02T22:25:27.521Z\","
    "\"updated_at\":\"2018-02-02T22:25:27.521Z\","
    "\"extra\":[1,{\"a\":[true,false,null,-1.5e+3,\"\\u00e9\\ud83d\\ude00\"]}]"
    "}}";

/* Feeds doc in pieces of `step` bytes (0: whole). */
static tnx_status read_response(const char *doc, size_t step,
                                tnx_action_requirement *ar, tnx_error *e,
                                tnx_reader *r)
{
    size_t n = strlen(doc), i;
    memset(e, 0, sizeof *e);
    tnx_reader_response(r, ar, e);
    if (step == 0) step = n ? n : 1;
    for (i = 0; i < n; i += step)
        tnx_reader_feed(r, doc + i, n - i < step ? n - i : step);
    return tnx_reader_end(r);
}

TEST(maps_all_ten_fields_of_the_example)
{
    tnx_action_requirement ar;
    tnx_error e;
    tnx_reader r;
    CHECK_INT(read_response(example, 0, &ar, &e, &r), TNX_OK);
    CHECK_STR(ar.id, "6a09cdc3-8948-47f0-aa62-74ac943d6c58");
    CHECK_STR(ar.record_type, "porting_action_requirement");
    CHECK_STR(ar.porting_order_id, "12ade33a-21c0-473b-b055-b3c836e1c292");
    CHECK_STR(ar.requirement_type_id, "53970723-fbff-4f46-a975-f62be6c1a585");
    CHECK_STR(ar.action_type, "document_upload");
    CHECK_STR(ar.action_url, "https://example.com/action");
    CHECK_STR(ar.status_raw, "created");
    CHECK_INT(ar.status, TNX_AR_CREATED);
    CHECK_STR(ar.cancel_reason, "");
    CHECK_STR(ar.created_at, "2018-02-02T22:25:27.521Z");
    CHECK_STR(ar.updated_at, "2018-02-02T22:25:27.521Z");
    CHECK_INT(ar.present, 0x3FF);
    CHECK_INT(ar.is_null, 1 << TNX_F_CANCEL_REASON);
    CHECK_INT(ar.truncated, 0);
}

TEST(same_result_for_every_chunking)
{
    tnx_action_requirement whole, part;
    tnx_error e;
    tnx_reader r;
    size_t n = strlen(example), cut;
    char a[sizeof example], b[sizeof example];
    read_response(example, 0, &whole, &e, &r);
    CHECK_INT(read_response(example, 1, &part, &e, &r), TNX_OK);
    CHECK(memcmp(&whole, &part, sizeof whole) == 0);
    for (cut = 1; cut < n; cut++) {
        tnx_status st;
        memcpy(a, example, cut);
        memcpy(b, example + cut, n - cut);
        memset(&e, 0, sizeof e);
        tnx_reader_response(&r, &part, &e);
        tnx_reader_feed(&r, a, cut);
        tnx_reader_feed(&r, b, n - cut);
        st = tnx_reader_end(&r);
        if (st != TNX_OK || memcmp(&whole, &part, sizeof whole) != 0) {
            TT_REPORT(0, "split at %zu gives %s", cut, tnx_status_name(st));
            return;
        }
    }
    CHECK_INT(cut, n);
}

TEST(null_absent_and_empty_are_told_apart)
{
    tnx_action_requirement ar;
    tnx_error e;
    tnx_reader r;
    CHECK_INT(read_response("{\"data\":{\"action_url\":\"\",\"cancel_reason\""
                            ":null,\"status\":\"pending\"}}", 1, &ar, &e, &r),
              TNX_OK);
    CHECK_INT(ar.present, (1 << TNX_F_ACTION_URL) |
                              (1 << TNX_F_CANCEL_REASON) |
                              (1 << TNX_F_STATUS));
    CHECK_INT(ar.is_null, 1 << TNX_F_CANCEL_REASON);
    CHECK_STR(ar.action_url, "");
    CHECK_INT(ar.status, TNX_AR_PENDING);
}

TEST(unknown_status_keeps_its_text)
{
    tnx_action_requirement ar;
    tnx_error e;
    tnx_reader r;
    CHECK_INT(read_response("{\"data\":{\"status\":\"on_hold_new\"}}", 0, &ar,
                            &e, &r), TNX_OK);
    CHECK_INT(ar.status, TNX_AR_UNKNOWN);
    CHECK_STR(ar.status_raw, "on_hold_new");
}

TEST(long_string_is_cut_on_a_character_and_flagged)
{
    char doc[600];
    tnx_action_requirement ar;
    tnx_error e;
    tnx_reader r;
    size_t i, n;
    /* "é" is two bytes: 40 of them cannot fit in TNX_TEXT_MAX (40). */
    n = (size_t)sprintf(doc, "{\"data\":{\"action_type\":\"");
    for (i = 0; i < 40; i++) n += (size_t)sprintf(doc + n, "\xc3\xa9");
    sprintf(doc + n, "\",\"id\":\"x\"}}");
    CHECK_INT(read_response(doc, 1, &ar, &e, &r), TNX_OK);
    CHECK_INT(strlen(ar.action_type), 38);
    CHECK_INT(ar.truncated, 1 << TNX_F_ACTION_TYPE);
    CHECK_STR(ar.id, "x");
}

TEST(escaped_nul_in_a_field_is_flagged)
{
    tnx_action_requirement ar;
    tnx_error e;
    tnx_reader r;
    CHECK_INT(read_response("{\"data\":{\"id\":\"ab\\u0000cd\"}}", 0, &ar, &e,
                            &r), TNX_OK);
    CHECK_STR(ar.id, "ab");
    CHECK_INT(ar.truncated, 1 << TNX_F_ID);
}

TEST(decodes_escapes_and_surrogate_pairs)
{
    tnx_action_requirement ar;
    tnx_error e;
    tnx_reader r;
    CHECK_INT(read_response("{\"data\":{\"cancel_reason\":\"a\\\"b\\\\c\\/d"
                            "\\n\\u00e9\\ud83d\\ude00\"}}", 1, &ar, &e, &r),
              TNX_OK);
    CHECK_STR(ar.cancel_reason, "a\"b\\c/d\n\xc3\xa9\xf0\x9f\x98\x80");
}

TEST(errors_body_keeps_first_two_and_counts_all)
{
    tnx_action_requirement ar;
    tnx_error e;
    tnx_reader r;
    const char *doc =
        "{\"errors\":[{\"code\":\"10015\",\"title\":\"Invalid value\","
        "\"detail\":\"first_name is required\",\"source\":{\"pointer\":"
        "\"/params/first_name\"},\"meta\":{\"url\":\"https://x\","
        "\"retryable\":false}},{\"code\":\"10009\",\"title\":\"T\"},"
        "{\"code\":\"3\"}]}";
    CHECK_INT(read_response(doc, 1, &ar, &e, &r), TNX_OK);
    CHECK_INT(e.count, 3);
    CHECK_STR(e.errors[0].code, "10015");
    CHECK_STR(e.errors[0].title, "Invalid value");
    CHECK_STR(e.errors[0].detail, "first_name is required");
    CHECK_STR(e.errors[0].pointer, "/params/first_name");
    CHECK_INT(e.errors[0].retryable, 0);
    CHECK_STR(e.errors[1].code, "10009");
    CHECK_INT(e.errors[1].retryable, -1);
    CHECK_INT(ar.present, 0);
}

TEST(wrong_types_name_the_field)
{
    tnx_action_requirement ar;
    tnx_error e;
    tnx_reader r;
    CHECK_INT(read_response("{\"data\":{\"status\":1}}", 0, &ar, &e, &r),
              TNX_E_SCHEMA);
    CHECK_STR(tnx_reader_where(&r), "data.status");
    CHECK_INT(read_response("{\"data\":[]}", 0, &ar, &e, &r), TNX_E_SCHEMA);
    CHECK_STR(tnx_reader_where(&r), "data");
    CHECK_INT(read_response("{\"data\":{\"id\":null}}", 0, &ar, &e, &r),
              TNX_E_SCHEMA);
    CHECK_STR(tnx_reader_where(&r), "data.id");
    CHECK_INT(read_response("[]", 0, &ar, &e, &r), TNX_E_SCHEMA);
    CHECK_STR(tnx_reader_where(&r), "top-level value");
}

TEST(malformed_json_is_refused_with_its_offset)
{
    tnx_action_requirement ar;
    tnx_error e;
    tnx_reader r;
    CHECK_INT(read_response("{\"a\":01}", 0, &ar, &e, &r), TNX_E_JSON);
    CHECK_INT(tnx_reader_offset(&r), 6);
    CHECK_INT(read_response("{\"a\":[1,]}", 1, &ar, &e, &r), TNX_E_JSON);
    CHECK_INT(tnx_reader_offset(&r), 8);
    CHECK_INT(read_response("{\"a\":1} x", 0, &ar, &e, &r), TNX_E_JSON);
    CHECK_INT(read_response("{\"data\":{\"id\":\"x\"}", 0, &ar, &e, &r),
              TNX_E_JSON);
    CHECK_INT(read_response("{\"a\":\"\\ud800\"}", 0, &ar, &e, &r),
              TNX_E_JSON);
    CHECK_INT(read_response("{\"a\":\"\xc0\xaf\"}", 0, &ar, &e, &r),
              TNX_E_JSON);
    CHECK_INT(read_response("{\"a\":tru}", 0, &ar, &e, &r), TNX_E_JSON);
}

TEST(deep_nesting_fails_cleanly)
{
    static char doc[100002];
    tnx_action_requirement ar;
    tnx_error e;
    tnx_reader r;
    doc[0] = '{';
    memcpy(doc + 1, "\"x\":", 4);
    memset(doc + 5, '[', 99990);
    doc[99995] = 0;
    CHECK_INT(read_response(doc, 0, &ar, &e, &r), TNX_E_DEPTH);
}

/* {"params":...} for the two names, written afresh into out; returns the
 * writer's status, and in *count the bytes it counted. */
static tnx_status write_params(char *out, size_t cap, const char *first,
                               const char *last, size_t *count)
{
    tnx_buf_sink bs;
    tnx_writer w;
    tnx_params p;
    tnx_status st;
    bs.buf = out;
    bs.cap = cap;
    bs.len = 0;
    out[0] = 0;
    p.first_name = first;
    p.last_name = last;
    tnx_writer_init(&w, tnx_sink_buf, &bs);
    st = tnx_write_params(&w, &p);
    if (count) *count = w.count;
    return st;
}

TEST(writer_escapes_and_counts)
{
    char out[256];
    size_t count;
    CHECK_INT(write_params(out, sizeof out, "John", "Doe", &count), TNX_OK);
    CHECK_STR(out, "{\"params\":{\"first_name\":\"John\",\"last_name\":\"Doe\"}}");
    CHECK_INT(count, 50);

    CHECK_INT(write_params(out, sizeof out, "a\"b\\c\x01\x1f\n\t",
                           "\xc3\xa9\x7f", NULL), TNX_OK);
    CHECK_STR(out, "{\"params\":{\"first_name\":\"a\\\"b\\\\c\\u0001\\u001f"
                   "\\n\\t\",\"last_name\":\"\xc3\xa9\x7f\"}}");
}

TEST(writer_refuses_invalid_utf8)
{
    static const char *const bad[] = {
        "\xed\xa0\x80", /* an encoded surrogate */
        "\xc3",
        /* Cut by the end of the string: found by fuzz_json (and review). */
        "ok\xe2\x82", "\xf0\x9f\x98", "\xf0\x9f",
    };
    char out[256];
    size_t i;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_INT(write_params(out, sizeof out, "ok", bad[i], NULL),
                  TNX_E_UTF8);
    CHECK_INT(write_params(out, sizeof out, "ok",
                           "\xf0\x9f\x98\x80\xe2\x82\xac", NULL), TNX_OK);
}

TEST(action_requirement_round_trips)
{
    tnx_action_requirement a, b;
    tnx_error e;
    tnx_reader r;
    char out[1024], wrapped[1100];
    tnx_buf_sink bs;
    tnx_writer w;
    read_response(example, 0, &a, &e, &r);
    bs.buf = out;
    bs.cap = sizeof out;
    bs.len = 0;
    tnx_writer_init(&w, tnx_sink_buf, &bs);
    CHECK_INT(tnx_write_action_requirement(&w, &a), TNX_OK);
    sprintf(wrapped, "{\"data\":%s}", out);
    CHECK_INT(read_response(wrapped, 1, &b, &e, &r), TNX_OK);
    CHECK(memcmp(&a, &b, sizeof a) == 0);
}

TEST(params_are_read_by_the_same_reader)
{
    tnx_params_buf pb;
    tnx_reader r;
    const char *doc = "{\"params\":{\"first_name\":\"J\\u00f6rg\","
                      "\"last_name\":\"Doe\",\"x\":[{}]}}";
    tnx_reader_params(&r, &pb);
    tnx_reader_feed(&r, doc, strlen(doc));
    CHECK_INT(tnx_reader_end(&r), TNX_OK);
    CHECK_STR(pb.first_name, "J\xc3\xb6rg");
    CHECK_STR(pb.last_name, "Doe");
    CHECK_INT(pb.present, 3);
}

/* ---- reader: exact values ---------------------------------------------- */

/* Reads doc with the response reader both whole and one byte at a time;
 * both must give `want`; returns the whole run's result in ar/e/r. */
static tnx_status read_both(const char *doc, tnx_action_requirement *ar,
                            tnx_error *e, tnx_reader *r)
{
    static tnx_action_requirement ar1;
    static tnx_error e1;
    static tnx_reader r1;
    tnx_status st1 = read_response(doc, 1, &ar1, &e1, &r1);
    tnx_status st = read_response(doc, 0, ar, e, r);
    TT_REPORT(st == st1 && memcmp(ar, &ar1, sizeof ar1) == 0 &&
              e->count == e1.count &&
              memcmp(e->errors, e1.errors, sizeof e1.errors) == 0 &&
              tnx_reader_offset(r) == tnx_reader_offset(&r1) &&
              tnx_reader_where(r) == tnx_reader_where(&r1),
              "whole and byte by byte differ for %s", doc);
    return st;
}

TEST(plain_scan_stops_at_the_first_byte_that_is_not_plain)
{
    uint8_t buf[24];
    int b, at, len, bad = 0, checks = 0;
    /* Every byte value at every place of two words (16 bytes: the word
     * test) and of 13 bytes (a word and a byte-by-byte tail), in plain
     * text, then with a quote five bytes further on. */
    for (len = 13; len <= 16; len += 3) {
        for (b = 0; b < 256; b++) {
            for (at = 0; at < len; at++) {
                int q = at + 5 < len ? at + 5 : len - 1;
                const uint8_t *want;
                memset(buf, 'a', sizeof buf);
                buf[at] = (uint8_t)b;
                want = tnx__js_plain_tab[b] ? buf + len : buf + at;
                bad += tnx__js_plain(buf, buf + len) != want;
                buf[q] = '"';
                if (tnx__js_plain_tab[b] || q < at) want = buf + q;
                if (q == at) want = buf + at;
                bad += tnx__js_plain(buf, buf + len) != want;
                checks += 2;
            }
        }
    }
    CHECK_INT(bad, 0);
    CHECK_INT(checks, 256 * (13 + 16) * 2);
    /* The table: printable ASCII but the quote and the backslash. */
    CHECK_INT(tnx__js_plain_tab[0x1F], 0);
    CHECK_INT(tnx__js_plain_tab[' '], 1);
    CHECK_INT(tnx__js_plain_tab['"'], 0);
    CHECK_INT(tnx__js_plain_tab['\\'], 0);
    CHECK_INT(tnx__js_plain_tab[0x7F], 1);
    CHECK_INT(tnx__js_plain_tab[0x80], 0);
}

TEST(decodes_every_escape_exactly)
{
    tnx_action_requirement ar;
    tnx_error e;
    tnx_reader r;
    CHECK_INT(read_both("{\"data\":{\"cancel_reason\":\"\\\"\\\\\\/\\b\\f\\n\\r"
                        "\\t\\u0041\\u00e9\\u00E9\\u20ac\\uFFFF\\ud83d\\ude00"
                        "\\uDBFF\\uDFFF\"}}", &ar, &e, &r), TNX_OK);
    CHECK_STR(ar.cancel_reason, "\"\\/\b\f\n\r\tA\xc3\xa9\xc3\xa9\xe2\x82\xac"
                                "\xef\xbf\xbf\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf");
    CHECK_INT(ar.truncated, 0);
}

TEST(raw_utf8_is_kept_as_is)
{
    tnx_action_requirement ar;
    tnx_error e;
    tnx_reader r;
    CHECK_INT(read_both("{\"data\":{\"action_type\":\"\xc2\x80\xdf\xbf"
                        "\xe0\xa0\x80\xef\xbf\xbf\xf0\x90\x80\x80\xf4\x8f\xbf"
                        "\xbf\"}}", &ar, &e, &r), TNX_OK);
    CHECK_STR(ar.action_type, "\xc2\x80\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf"
                              "\xf0\x90\x80\x80\xf4\x8f\xbf\xbf");
}

TEST(an_escaped_key_maps_like_a_plain_one)
{
    tnx_action_requirement ar;
    tnx_error e;
    tnx_reader r;
    CHECK_INT(read_both("{\"d\\u0061ta\":{\"\\u0069d\":\"x\",\"st\\u0061tus\":"
                        "\"failed\"}}", &ar, &e, &r), TNX_OK);
    CHECK_STR(ar.id, "x");
    CHECK_INT(ar.status, TNX_AR_FAILED);
    CHECK_INT(ar.present, (1 << TNX_F_ID) | (1 << TNX_F_STATUS));
}

TEST(unknown_keys_are_skipped_at_every_depth)
{
    tnx_action_requirement ar;
    tnx_error e;
    tnx_reader r;
    CHECK_INT(read_both("{\"id\":\"top\",\"data\":{\"x\":{\"id\":\"inner\","
                        "\"data\":{\"id\":\"deeper\"}},\"idx\":\"no\","
                        "\"id\":\"yes\",\"big\":[1e999999,-0.0,true,null,"
                        "[[{}]]]},\"z\":{\"status\":\"failed\"}}", &ar, &e,
                        &r), TNX_OK);
    CHECK_STR(ar.id, "yes");
    CHECK_INT(ar.present, 1 << TNX_F_ID);
    CHECK_INT(ar.status, TNX_AR_ABSENT);
}

TEST(errors_map_url_and_flag_each_cut_string)
{
    tnx_action_requirement ar;
    tnx_error e;
    tnx_reader r;
    char doc[512];
    sprintf(doc, "{\"errors\":[{\"code\":\"10015\",\"meta\":{\"url\":"
                 "\"https://developers.telnyx.com/docs/errors/10015\","
                 "\"retryable\":true}},{\"code\":\"12345678901234567890\","
                 "\"meta\":{\"url\":\"https://example.com/%s\"}}]}",
            "0123456789012345678901234567890123456789012345678901234567890");
    CHECK_INT(read_both(doc, &ar, &e, &r), TNX_OK);
    CHECK_INT(e.count, 2);
    CHECK_STR(e.errors[0].url, "https://developers.telnyx.com/docs/errors/"
                               "10015");
    CHECK_INT(e.errors[0].retryable, 1);
    CHECK_INT(e.errors[0].truncated, 0);
    CHECK_STR(e.errors[1].code, "123456789012345");
    CHECK_INT(strlen(e.errors[1].url), TNX_ERR_URL_MAX - 1);
    CHECK_INT(e.errors[1].truncated, (1 << TNX_EF_CODE) | (1 << TNX_EF_URL));
    CHECK_INT(e.errors[1].retryable, -1);
}

TEST(wrong_types_name_every_field)
{
    static const struct { const char *doc, *where; } cases[] = {
        { "{\"data\":\"x\"}", "data" },
        { "{\"data\":null}", "data" },
        { "{\"data\":{\"id\":1}}", "data.id" },
        { "{\"data\":{\"record_type\":true}}", "data.record_type" },
        { "{\"data\":{\"porting_order_id\":[]}}", "data.porting_order_id" },
        { "{\"data\":{\"requirement_type_id\":{}}}",
          "data.requirement_type_id" },
        { "{\"data\":{\"action_type\":null}}", "data.action_type" },
        { "{\"data\":{\"action_url\":0}}", "data.action_url" },
        { "{\"data\":{\"status\":1}}", "data.status" },
        { "{\"data\":{\"status\":null}}", "data.status" },
        { "{\"data\":{\"cancel_reason\":false}}", "data.cancel_reason" },
        { "{\"data\":{\"created_at\":1.5}}", "data.created_at" },
        { "{\"data\":{\"updated_at\":[\"x\"]}}", "data.updated_at" },
        { "{\"errors\":{}}", "errors" },
        { "{\"errors\":[\"x\"]}", "errors[]" },
        { "{\"errors\":[{\"code\":10015}]}", "errors[].code" },
        { "{\"errors\":[{\"title\":null}]}", "errors[].title" },
        { "{\"errors\":[{\"detail\":[]}]}", "errors[].detail" },
        { "{\"errors\":[{\"source\":\"/x\"}]}", "errors[].source" },
        { "{\"errors\":[{\"source\":{\"pointer\":1}}]}",
          "errors[].source.pointer" },
        { "{\"errors\":[{\"meta\":[]}]}", "errors[].meta" },
        { "{\"errors\":[{\"meta\":{\"url\":{}}}]}", "errors[].meta.url" },
        { "{\"errors\":[{\"meta\":{\"retryable\":\"yes\"}}]}",
          "errors[].meta.retryable" },
        { "{\"errors\":[{},{},{},{\"code\":3}]}", "errors[].code" },
        { "\"data\"", "top-level value" },
    };
    tnx_action_requirement ar;
    tnx_error e;
    tnx_reader r;
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tnx_status st = read_both(cases[i].doc, &ar, &e, &r);
        TT_REPORT(st == TNX_E_SCHEMA && tnx_reader_where(&r) &&
                  strcmp(tnx_reader_where(&r), cases[i].where) == 0,
                  "%s gives %s at %s, want %s", cases[i].doc,
                  tnx_status_name(st),
                  tnx_reader_where(&r) ? tnx_reader_where(&r) : "-",
                  cases[i].where);
    }
}

TEST(wrong_types_in_params_name_the_field)
{
    static const struct { const char *doc, *where; } cases[] = {
        { "[]", "top-level value" },
        { "{\"params\":[]}", "params" },
        { "{\"params\":{\"first_name\":1}}", "params.first_name" },
        { "{\"params\":{\"last_name\":null}}", "params.last_name" },
    };
    tnx_params_buf pb;
    tnx_reader r;
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tnx_reader_params(&r, &pb);
        tnx_reader_feed(&r, cases[i].doc, strlen(cases[i].doc));
        CHECK_INT(tnx_reader_end(&r), TNX_E_SCHEMA);
        CHECK_STR(tnx_reader_where(&r), cases[i].where);
    }
}

TEST(a_schema_error_stops_before_a_later_syntax_error)
{
    tnx_action_requirement ar;
    tnx_error e;
    tnx_reader r;
    const char *doc = "{\"data\":{\"status\":1,}}";
    /* The mapping reader stops at the value of the wrong type... */
    CHECK_INT(read_both(doc, &ar, &e, &r), TNX_E_SCHEMA);
    CHECK_STR(tnx_reader_where(&r), "data.status");
    CHECK_INT(tnx_reader_offset(&r), 18);
    /* ...the grammar reader finds the trailing comma. */
    tnx_reader_json(&r);
    tnx_reader_feed(&r, doc, strlen(doc));
    CHECK_INT(tnx_reader_end(&r), TNX_E_JSON);
    CHECK_INT(tnx_reader_offset(&r), 20);
    CHECK(tnx_reader_where(&r) == NULL);
}

TEST(grammar_reader_takes_any_top_level_value)
{
    static const char *const ok[] = {
        "0", "-0.5e+7", "\"\"", "true", "null", "[]", " {} ", "[{\"a\":[]}]"
    };
    tnx_reader r;
    size_t i;
    for (i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        tnx_reader_json(&r);
        tnx_reader_feed(&r, ok[i], strlen(ok[i]));
        CHECK_INT(tnx_reader_end(&r), TNX_OK);
    }
    tnx_reader_json(&r);
    CHECK_INT(tnx_reader_end(&r), TNX_E_JSON); /* nothing at all */
    CHECK_INT(tnx_reader_offset(&r), 0);
}

TEST(repeated_keys_last_value_wins)
{
    tnx_action_requirement ar;
    tnx_error e;
    tnx_reader r;
    char doc[256];
    sprintf(doc, "{\"data\":{\"id\":\"%s\",\"id\":\"short\","
                 "\"action_url\":\"https://a\",\"action_url\":null,"
                 "\"cancel_reason\":null,\"cancel_reason\":\"later\","
                 "\"status\":\"created\",\"status\":\"failed\"}}",
            "0123456789012345678901234567890123456789012345678901");
    CHECK_INT(read_both(doc, &ar, &e, &r), TNX_OK);
    CHECK_STR(ar.id, "short");
    CHECK_INT(ar.truncated, 0); /* the first id was cut, the last was not */
    CHECK_STR(ar.action_url, "");
    CHECK(ar.action_url[1] == 0); /* no byte of "https://a" stays */
    CHECK_INT(ar.is_null, 1 << TNX_F_ACTION_URL);
    CHECK_STR(ar.cancel_reason, "later");
    CHECK_INT(ar.status, TNX_AR_FAILED);
    CHECK_STR(ar.status_raw, "failed");
}

TEST(repeated_objects_and_arrays_add_up)
{
    tnx_action_requirement ar;
    tnx_error e;
    tnx_reader r;
    tnx_params_buf pb;
    const char *params = "{\"params\":{\"first_name\":\"A\",\"first_name\":"
                         "\"B\",\"last_name\":\"C\"},\"params\":{\"last_name\""
                         ":\"D\"}}";
    CHECK_INT(read_both("{\"data\":{\"id\":\"A\",\"status\":\"pending\"},"
                        "\"data\":{\"status\":\"failed\"}}", &ar, &e, &r),
              TNX_OK);
    CHECK_STR(ar.id, "A");
    CHECK_INT(ar.status, TNX_AR_FAILED);
    CHECK_INT(read_both("{\"errors\":[{\"code\":\"a\"}],\"errors\":[{\"code\":"
                        "\"b\"},{\"code\":\"c\"}]}", &ar, &e, &r), TNX_OK);
    CHECK_INT(e.count, 3);
    CHECK_STR(e.errors[0].code, "a");
    CHECK_STR(e.errors[1].code, "b");
    tnx_reader_params(&r, &pb);
    tnx_reader_feed(&r, params, strlen(params));
    CHECK_INT(tnx_reader_end(&r), TNX_OK);
    CHECK_STR(pb.first_name, "B");
    CHECK_STR(pb.last_name, "D");
    CHECK_INT(pb.present, 3);
}

TEST(params_cut_then_whole_clears_the_flag)
{
    tnx_params_buf pb;
    tnx_reader r;
    char doc[400];
    char longname[200];
    memset(longname, 'n', sizeof longname - 1);
    longname[sizeof longname - 1] = 0;
    sprintf(doc, "{\"params\":{\"first_name\":\"%s\"}}", longname);
    tnx_reader_params(&r, &pb);
    tnx_reader_feed(&r, doc, strlen(doc));
    CHECK_INT(tnx_reader_end(&r), TNX_OK);
    CHECK_INT(pb.truncated, 1);
    CHECK_INT(strlen(pb.first_name), TNX_NAME_MAX - 1);
    sprintf(doc, "{\"params\":{\"first_name\":\"%s\",\"first_name\":\"x\"}}",
            longname);
    tnx_reader_params(&r, &pb);
    tnx_reader_feed(&r, doc, strlen(doc));
    CHECK_INT(tnx_reader_end(&r), TNX_OK);
    CHECK_INT(pb.truncated, 0);
    CHECK_STR(pb.first_name, "x");
}

TEST(deep_nesting_fails_cleanly_in_any_chunking)
{
    static char doc[100001];
    tnx_reader r;
    size_t i;
    memset(doc, '[', 100000);
    /* Whole, one byte at a time, and cut in two. */
    tnx_reader_json(&r);
    CHECK_INT(tnx_reader_feed(&r, doc, 100000), TNX_E_DEPTH);
    CHECK_INT(tnx_reader_offset(&r), TNX_JSON_DEPTH_MAX);
    tnx_reader_json(&r);
    for (i = 0; i < 100000; i++) tnx_reader_feed(&r, doc + i, 1);
    CHECK_INT(tnx_reader_end(&r), TNX_E_DEPTH);
    CHECK_INT(tnx_reader_offset(&r), TNX_JSON_DEPTH_MAX);
    tnx_reader_json(&r);
    tnx_reader_feed(&r, doc, 20);
    tnx_reader_feed(&r, doc + 20, 100000 - 20);
    CHECK_INT(tnx_reader_end(&r), TNX_E_DEPTH);
    /* Exactly at the limit is fine. */
    memset(doc, '[', TNX_JSON_DEPTH_MAX);
    memset(doc + TNX_JSON_DEPTH_MAX, ']', TNX_JSON_DEPTH_MAX);
    tnx_reader_json(&r);
    tnx_reader_feed(&r, doc, 2 * TNX_JSON_DEPTH_MAX);
    CHECK_INT(tnx_reader_end(&r), TNX_OK);
}

TEST(key_length_masks_match_the_children)
{
    const tnx__node *n = tnx__response_nodes;
    size_t i, j, bad = 0;
    for (i = 0; i < TNX__COUNT(tnx__response_nodes); i++) {
        uint32_t lens = 0;
        if (n[i].kind == TNX__K_ARR) continue; /* its item has no key */
        for (j = n[i].first; j < (size_t)n[i].first + n[i].count; j++) {
            lens |= (uint32_t)1 << (n[j].key_len & 31);
            bad += n[j].parent != i || n[j].key_len != strlen(n[j].key);
        }
        bad += lens != n[i].lens;
    }
    CHECK_INT(bad, 0);
    CHECK_STR(n[TNX__NODE_DATA].key, "data");
    CHECK_STR(n[TNX__NODE_FIELDS + TNX_F_UPDATED_AT].key, "updated_at");
    n = tnx__params_nodes;
    CHECK_INT(n[1].lens, (1u << 10) | (1u << 9));
}

/* ---- writer ------------------------------------------------------------ */

typedef struct piece_sink {
    char buf[4096];
    size_t len, max;
    int bad_piece;
} piece_sink;

static int piece_fn(void *ctx, const char *bytes, size_t len)
{
    piece_sink *s = (piece_sink *)ctx;
    if (len == 0 || len > s->max) s->bad_piece = 1;
    if (len > sizeof s->buf - 1 - s->len) return TNX_E_ARG;
    memcpy(s->buf + s->len, bytes, len);
    s->len += len;
    s->buf[s->len] = 0;
    return 0;
}

TEST(writer_gives_the_same_bytes_for_every_piece_size)
{
    static char one[4096];
    static piece_sink s;
    tnx_action_requirement ar;
    tnx_error e;
    tnx_reader r;
    tnx_buf_sink bs;
    tnx_writer w;
    tnx_params p;
    size_t k;
    int bad = 0;
    read_response(example, 0, &ar, &e, &r);
    strcpy(ar.cancel_reason, "tab\there \"quoted\" \\ \x01 \xc3\xa9");
    ar.is_null = 0;
    bs.buf = one;
    bs.cap = sizeof one;
    bs.len = 0;
    tnx_writer_init(&w, tnx_sink_buf, &bs);
    CHECK_INT(tnx_write_action_requirement(&w, &ar), TNX_OK);
    CHECK_INT(w.count, bs.len);
    for (k = 1; k <= 16; k++) {
        memset(&s, 0, sizeof s);
        s.max = k;
        tnx_writer_init(&w, piece_fn, &s);
        w.piece_max = k;
        tnx_write_action_requirement(&w, &ar);
        bad += w.status != TNX_OK || s.bad_piece || strcmp(s.buf, one) != 0;
    }
    CHECK_INT(bad, 0);
    p.first_name = "J\xc3\xb6rg \"Jo\"";
    p.last_name = "D\\oe\n";
    bs.len = 0;
    tnx_writer_init(&w, tnx_sink_buf, &bs);
    tnx_write_params(&w, &p);
    for (k = 1; k <= 16; k++) {
        memset(&s, 0, sizeof s);
        s.max = k;
        tnx_writer_init(&w, piece_fn, &s);
        w.piece_max = k;
        tnx_write_params(&w, &p);
        bad += w.status != TNX_OK || s.bad_piece || strcmp(s.buf, one) != 0;
    }
    CHECK_INT(bad, 0);
}

TEST(writer_escapes_every_control_character)
{
    static const char *const want[32] = {
        "", "\\u0001", "\\u0002", "\\u0003", "\\u0004", "\\u0005",
        "\\u0006", "\\u0007", "\\b", "\\t", "\\n", "\\u000b", "\\f", "\\r",
        "\\u000e", "\\u000f", "\\u0010", "\\u0011", "\\u0012", "\\u0013",
        "\\u0014", "\\u0015", "\\u0016", "\\u0017", "\\u0018", "\\u0019",
        "\\u001a", "\\u001b", "\\u001c", "\\u001d", "\\u001e", "\\u001f"
    };
    char out[256], name[4], expect[256];
    tnx_buf_sink bs;
    tnx_writer w;
    tnx_params p;
    int c, bad = 0;
    for (c = 1; c < 32; c++) {
        name[0] = (char)c;
        name[1] = 0;
        p.first_name = name;
        p.last_name = "\"\\\x7f/";
        bs.buf = out;
        bs.cap = sizeof out;
        bs.len = 0;
        tnx_writer_init(&w, tnx_sink_buf, &bs);
        tnx_write_params(&w, &p);
        sprintf(expect, "{\"params\":{\"first_name\":\"%s\",\"last_name\":"
                        "\"\\\"\\\\\x7f/\"}}", want[c]);
        bad += w.status != TNX_OK || strcmp(out, expect) != 0;
    }
    CHECK_INT(bad, 0);
}

TEST(writer_leaves_absent_fields_out_and_writes_null)
{
    char out[512];
    tnx_action_requirement ar;
    tnx_buf_sink bs;
    tnx_writer w;
    memset(&ar, 0, sizeof ar);
    bs.buf = out;
    bs.cap = sizeof out;
    bs.len = 0;
    tnx_writer_init(&w, tnx_sink_buf, &bs);
    CHECK_INT(tnx_write_action_requirement(&w, &ar), TNX_OK);
    CHECK_STR(out, "{}");
    strcpy(ar.id, "AR");
    strcpy(ar.status_raw, "pending");
    ar.present = (1 << TNX_F_ID) | (1 << TNX_F_STATUS) |
                 (1 << TNX_F_CANCEL_REASON);
    ar.is_null = 1 << TNX_F_CANCEL_REASON;
    bs.len = 0;
    tnx_writer_init(&w, tnx_sink_buf, &bs);
    CHECK_INT(tnx_write_action_requirement(&w, &ar), TNX_OK);
    CHECK_STR(out, "{\"id\":\"AR\",\"status\":\"pending\","
                   "\"cancel_reason\":null}");
}

TEST(writer_stops_at_a_failing_sink)
{
    char out[20];
    tnx_buf_sink bs;
    tnx_writer w;
    tnx_params p;
    p.first_name = "John";
    p.last_name = "Doe";
    bs.buf = out;
    bs.cap = sizeof out;
    bs.len = 0;
    tnx_writer_init(&w, tnx_sink_buf, &bs);
    CHECK_INT(tnx_write_params(&w, &p), TNX_E_ARG);
    /* {"params":{ and the opening quote fit; first_name does not. */
    CHECK_INT(w.count, 12);
    CHECK_STR(out, "{\"params\":{\"");
    CHECK_INT(tnx_write_params(&w, &p), TNX_E_ARG); /* the error sticks */
    CHECK_INT(w.count, 12);
}

TEST(params_round_trip)
{
    char out[512];
    tnx_buf_sink bs;
    tnx_writer w;
    tnx_params p;
    tnx_params_buf pb;
    tnx_reader r;
    p.first_name = "J\xc3\xb6rg \"\\\x01\xf0\x9f\x98\x80";
    p.last_name = "";
    bs.buf = out;
    bs.cap = sizeof out;
    bs.len = 0;
    tnx_writer_init(&w, tnx_sink_buf, &bs);
    CHECK_INT(tnx_write_params(&w, &p), TNX_OK);
    tnx_reader_params(&r, &pb);
    tnx_reader_feed(&r, out, bs.len);
    CHECK_INT(tnx_reader_end(&r), TNX_OK);
    CHECK_STR(pb.first_name, p.first_name);
    CHECK_STR(pb.last_name, "");
    CHECK_INT(pb.present, 3);
    CHECK_INT(pb.truncated, 0);
}

TEST(status_names_cover_every_code)
{
    int s;
    for (s = 0; s < TNX_STATUS_COUNT; s++)
        CHECK(strncmp(tnx_status_name((tnx_status)s), "TNX_", 4) == 0);
    CHECK_STR(tnx_status_name(TNX_E_TIMEOUT), "TNX_E_TIMEOUT");
    CHECK_STR(tnx_status_text(TNX_E_DNS), "host name did not resolve");
    CHECK_STR(tnx_status_name((tnx_status)999), "?");
}

int main(void)
{
    RUN(maps_all_ten_fields_of_the_example);
    RUN(same_result_for_every_chunking);
    RUN(null_absent_and_empty_are_told_apart);
    RUN(unknown_status_keeps_its_text);
    RUN(long_string_is_cut_on_a_character_and_flagged);
    RUN(escaped_nul_in_a_field_is_flagged);
    RUN(decodes_escapes_and_surrogate_pairs);
    RUN(errors_body_keeps_first_two_and_counts_all);
    RUN(wrong_types_name_the_field);
    RUN(malformed_json_is_refused_with_its_offset);
    RUN(deep_nesting_fails_cleanly);
    RUN(writer_escapes_and_counts);
    RUN(writer_refuses_invalid_utf8);
    RUN(action_requirement_round_trips);
    RUN(params_are_read_by_the_same_reader);
    RUN(plain_scan_stops_at_the_first_byte_that_is_not_plain);
    RUN(decodes_every_escape_exactly);
    RUN(raw_utf8_is_kept_as_is);
    RUN(an_escaped_key_maps_like_a_plain_one);
    RUN(unknown_keys_are_skipped_at_every_depth);
    RUN(errors_map_url_and_flag_each_cut_string);
    RUN(wrong_types_name_every_field);
    RUN(wrong_types_in_params_name_the_field);
    RUN(a_schema_error_stops_before_a_later_syntax_error);
    RUN(grammar_reader_takes_any_top_level_value);
    RUN(repeated_keys_last_value_wins);
    RUN(repeated_objects_and_arrays_add_up);
    RUN(params_cut_then_whole_clears_the_flag);
    RUN(deep_nesting_fails_cleanly_in_any_chunking);
    RUN(key_length_masks_match_the_children);
    RUN(writer_gives_the_same_bytes_for_every_piece_size);
    RUN(writer_escapes_every_control_character);
    RUN(writer_leaves_absent_fields_out_and_writes_null);
    RUN(writer_stops_at_a_failing_sink);
    RUN(params_round_trip);
    RUN(status_names_cover_every_code);
    return tt_summary();
}
