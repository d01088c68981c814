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

TEST(writer_escapes_and_counts)
{
    char out[256];
    tnx_buf_sink bs;
    tnx_writer w;
    tnx_params p;
    bs.buf = out;
    bs.cap = sizeof out;
    bs.len = 0;
    p.first_name = "John";
    p.last_name = "Doe";
    tnx_writer_init(&w, tnx_sink_buf, &bs);
    CHECK_INT(tnx_write_params(&w, &p), TNX_OK);
    CHECK_STR(out, "{\"params\":{\"first_name\":\"John\",\"last_name\":\"Doe\"}}");
    CHECK_INT(w.count, 50);

    bs.len = 0;
    p.first_name = "a\"b\\c\x01\x1f\n\t";
    p.last_name = "\xc3\xa9\x7f";
    tnx_writer_init(&w, tnx_sink_buf, &bs);
    CHECK_INT(tnx_write_params(&w, &p), TNX_OK);
    CHECK_STR(out, "{\"params\":{\"first_name\":\"a\\\"b\\\\c\\u0001\\u001f"
                   "\\n\\t\",\"last_name\":\"\xc3\xa9\x7f\"}}");
}

TEST(writer_refuses_invalid_utf8)
{
    char out[256];
    tnx_buf_sink bs;
    tnx_writer w;
    tnx_params p;
    bs.buf = out;
    bs.cap = sizeof out;
    bs.len = 0;
    p.first_name = "ok";
    p.last_name = "\xed\xa0\x80"; /* an encoded surrogate */
    tnx_writer_init(&w, tnx_sink_buf, &bs);
    CHECK_INT(tnx_write_params(&w, &p), TNX_E_UTF8);
    p.last_name = "\xc3";
    tnx_writer_init(&w, tnx_sink_buf, &bs);
    CHECK_INT(tnx_write_params(&w, &p), TNX_E_UTF8);
    p.last_name = "ab\xe2\x82"; /* ends inside a three-byte character */
    tnx_writer_init(&w, tnx_sink_buf, &bs);
    CHECK_INT(tnx_write_params(&w, &p), TNX_E_UTF8);
    p.last_name = "\xf0\x9f";
    tnx_writer_init(&w, tnx_sink_buf, &bs);
    CHECK_INT(tnx_write_params(&w, &p), TNX_E_UTF8);
    p.last_name = "\xf0\x9f\x98\x80\xe2\x82\xac";
    tnx_writer_init(&w, tnx_sink_buf, &bs);
    CHECK_INT(tnx_write_params(&w, &p), TNX_OK);
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
    RUN(status_names_cover_every_code);
    return tt_summary();
}
