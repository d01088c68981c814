/* test_http_framing.c - the response parser against RFC 9112's framing
 * rules, one rule per test, through the scripted in-memory port: lengths,
 * chunks, close-delimited bodies, codings, interim answers, header lines,
 * versions, connection reuse, and the headers that reach the caller. */
#define TNX_NO_TLS
#define TELNYX_PORTING_IMPLEMENTATION
#include "telnyx_porting.h"
#include "tnx_test.h"
#include "mem_fixture.h"

/* Buffers for the answers of one test; the script borrows them. */
static char A[4][4096];

typedef struct bad_case {
    const char *text;
    tnx_status want;
    const char *where;
} bad_case;

/* Each text alone, then the peer closes: the status and where it failed. */
static void run_bad(const bad_case *cases, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        tnx_status got;
        mf_setup();
        mf_data(cases[i].text, 0);
        mf_close();
        got = mf_call();
        TT_REPORT(got == cases[i].want && F.err.where &&
                  strcmp(F.err.where, cases[i].where) == 0,
                  "case %zu: %s at \"%s\", want %s at \"%s\"", i,
                  tnx_status_name(got), F.err.where ? F.err.where : "",
                  tnx_status_name(cases[i].want), cases[i].where);
        tnx_client_free(&F.client);
    }
}

/* The answer `text` once, then close: TNX_OK with the fixture's body? */
static tnx_status run_ok(const char *text)
{
    tnx_status st;
    mf_setup();
    mf_data(text, 0);
    mf_close();
    st = mf_call();
    return st;
}

#define LEN_BODY "289" /* strlen(mf_ok_body) */

TEST(content_length_is_digits_only_and_overflow_checked)
{
    static const bad_case bad[] = {
        { "HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\n", TNX_E_HTTP,
          "content-length" },
        { "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", TNX_E_HTTP,
          "content-length" },
        { "HTTP/1.1 200 OK\r\nContent-Length: 0x5\r\n\r\n", TNX_E_HTTP,
          "content-length" },
        { "HTTP/1.1 200 OK\r\nContent-Length: 5 5\r\n\r\n", TNX_E_HTTP,
          "content-length" },
        { "HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\n", TNX_E_HTTP,
          "content-length" },
        { "HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n", TNX_E_HTTP,
          "content-length" },
        { "HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551616\r\n\r\n",
          TNX_E_HTTP, "content-length" },
        /* 2^64 - 1 is a length; the body then ends early. */
        { "HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551615\r\n\r\n{",
          TNX_E_CLOSED, "response" },
        { "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n",
          TNX_E_HTTP, "content-length twice" },
    };
    run_bad(bad, sizeof bad / sizeof bad[0]);
    CHECK_INT(strlen(mf_ok_body), 289);
    /* The same value twice is one length. */
    CHECK_INT(run_ok(mf_ok(A[0], "Content-Length: " LEN_BODY "\r\n")), TNX_OK);
    CHECK_STR(F.ar.id, "AR1");
    tnx_client_free(&F.client);
}

TEST(chunked_extensions_and_trailers_are_skipped)
{
    static const char text[] =
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        "A;a=1;b=\"x;y\"\r\n{\"data\":{\r\n"
        "0000b \t;ext\r\n\"id\":\"ARC\"}\r\n"
        "1\r\n}\r\n"
        "0;last=yes\r\nX-Trailer: 1\r\nX-Other: two\r\n\r\n";
    CHECK_INT(run_ok(text), TNX_OK);
    CHECK_STR(F.ar.id, "ARC");
    CHECK_INT(F.client.connected, 1);
    tnx_client_free(&F.client);
}

TEST(chunked_framing_errors)
{
    static const bad_case bad[] = {
        /* 17 hex digits overflow 64 bits; 16 do not (the body ends). */
        { "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
          "10000000000000000\r\n{", TNX_E_HTTP, "chunk size" },
        { "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
          "FFFFFFFFFFFFFFFF\r\n{", TNX_E_CLOSED, "response" },
        /* chunk data not followed by CRLF */
        { "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
          "2\r\n{}X\r\n0\r\n\r\n", TNX_E_HTTP, "chunk end" },
        /* a bare CRLF where the last chunk should be */
        { "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
          "2\r\n{}\r\n\r\n", TNX_E_HTTP, "chunk size" },
        { "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
          "2\r\n{}\r\n", TNX_E_CLOSED, "response" },
        { "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
          "2\r\n{}\r\n0\r\n", TNX_E_CLOSED, "response" },
        { "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
          "2\r\n{}\r\n0\r\nX-T: 1\r\n", TNX_E_CLOSED, "response" },
        { "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
          " 2\r\n{}\r\n0\r\n\r\n", TNX_E_HTTP, "chunk size" },
        { "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
          "2x\r\n{}\r\n0\r\n\r\n", TNX_E_HTTP, "chunk size" },
    };
    run_bad(bad, sizeof bad / sizeof bad[0]);
}

TEST(no_length_means_the_body_ends_at_close)
{
    sprintf(A[0], "HTTP/1.1 200 OK\r\n\r\n%s", mf_ok_body);
    CHECK_INT(run_ok(A[0]), TNX_OK);
    CHECK_STR(F.ar.id, "AR1");
    CHECK_INT(F.client.connected, 0);
    CHECK_INT(F.mem.closes, 1);
    tnx_client_free(&F.client);
}

TEST(chunked_wins_over_content_length_and_the_connection_is_dropped)
{
    static const char *const heads[] = {
        "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n",
        "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n",
    };
    size_t i;
    for (i = 0; i < 2; i++) {
        sprintf(A[0], "HTTP/1.1 200 OK\r\n%s\r\n%x\r\n%s\r\n0\r\n\r\n",
                heads[i], (unsigned)strlen(mf_ok_body), mf_ok_body);
        CHECK_INT(run_ok(A[0]), TNX_OK);
        CHECK_STR(F.ar.id, "AR1");
        CHECK_INT(F.client.connected, 0);
        tnx_client_free(&F.client);
    }
}

TEST(transfer_codings_other_than_chunked_are_refused)
{
    static const bad_case bad[] = {
        { "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
          TNX_E_HTTP, "transfer-encoding other than chunked" },
        { "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
          TNX_E_HTTP, "transfer-encoding other than chunked" },
        { "HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\n\r\n",
          TNX_E_HTTP, "transfer-encoding other than chunked" },
        { "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
          "Transfer-Encoding: chunked\r\n\r\n",
          TNX_E_HTTP, "transfer-encoding other than chunked" },
    };
    run_bad(bad, sizeof bad / sizeof bad[0]);
}

TEST(interim_answers_are_skipped_and_leave_nothing_behind)
{
    static const bad_case bad[] = {
        { "HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n",
          TNX_E_HTTP, "101 switching protocols" },
    };
    char ok[1024];
    sprintf(A[0], "HTTP/1.1 100 Continue\r\n\r\n"
                  "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n"
                  "X-Request-Id: early\r\nx-ratelimit-limit: 9\r\n\r\n%s",
            mf_ok(ok, ""));
    CHECK_INT(run_ok(A[0]), TNX_OK);
    CHECK_STR(F.ar.id, "AR1");
    CHECK_STR(F.err.request_id, "");
    CHECK_INT(F.err.ratelimit_limit, -1);
    CHECK_INT(F.err.http_status, 200);
    tnx_client_free(&F.client);
    run_bad(bad, 1);
}

TEST(answers_204_and_304_have_no_body)
{
    char ok[1024];
    /* Were the 304's length or the 204's close-delimiting obeyed, the
     * next answer on the connection would be eaten. */
    mf_setup();
    strcpy(A[0], "HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n");
    mf_data(A[0], 0);
    mf_data(mf_ok(ok, ""), 0);
    CHECK_INT(mf_call(), TNX_E_API);
    CHECK_INT(F.err.http_status, 304);
    CHECK_INT(F.client.connected, 1);
    CHECK_INT(mf_call(), TNX_OK);
    CHECK_STR(F.ar.id, "AR1");
    CHECK_INT(F.mem.connects, 1);
    tnx_client_free(&F.client);

    mf_setup();
    strcpy(A[1], "HTTP/1.1 204 No Content\r\n\r\n");
    mf_data(A[1], 0);
    mf_data(ok, 0);
    CHECK_INT(mf_call(), TNX_E_JSON); /* a 2xx without the JSON asked for */
    CHECK_INT(F.err.http_status, 204);
    CHECK_INT(mf_call(), TNX_OK);
    CHECK_STR(F.ar.id, "AR1");
    tnx_client_free(&F.client);
}

TEST(header_names_ignore_case_and_values_are_trimmed)
{
    sprintf(A[0], "HTTP/1.1 200 OK\r\nx-REQUEST-id:\t r-9 \t\r\n"
                  "CONTENT-LENGTH:" LEN_BODY "\r\n"
                  "cOnNeCtIoN:  CLOSE \r\n\r\n%s", mf_ok_body);
    CHECK_INT(run_ok(A[0]), TNX_OK);
    CHECK_STR(F.err.request_id, "r-9");
    CHECK_INT(F.client.connected, 0);
    tnx_client_free(&F.client);

    sprintf(A[1], "HTTP/1.1 200 OK\r\ntransfer-ENCODING:  Chunked \t\r\n\r\n"
                  "%x\r\n%s\r\n0\r\n\r\n", (unsigned)strlen(mf_ok_body),
            mf_ok_body);
    CHECK_INT(run_ok(A[1]), TNX_OK);
    CHECK_STR(F.ar.id, "AR1");
    tnx_client_free(&F.client);
}

TEST(malformed_header_lines_are_refused)
{
    static const bad_case bad[] = {
        { "HTTP/1.1 200 OK\r\nX-A: b\r\n c\r\nContent-Length: 2\r\n\r\n{}",
          TNX_E_HTTP, "obsolete header folding" },
        { "HTTP/1.1 200 OK\r\nX-A: b\r\n\tc\r\nContent-Length: 2\r\n\r\n{}",
          TNX_E_HTTP, "obsolete header folding" },
        { "HTTP/1.1 200 OK\r\nContent-Length : 2\r\n\r\n{}", TNX_E_HTTP,
          "header name" },
        { "HTTP/1.1 200 OK\r\nX-A: b\rc\r\n\r\n", TNX_E_HTTP, "bare CR" },
        { "HTTP/1.1 200 OK\r\nnocolonhere\r\n\r\n", TNX_E_HTTP,
          "header line" },
        { "HTTP/1.1 200 OK\r\n: empty name\r\n\r\n", TNX_E_HTTP,
          "header line" },
        { "http/1.1 200 OK\r\n\r\n", TNX_E_HTTP, "status line" },
        { "HTTP/1.2 200 OK\r\n\r\n", TNX_E_HTTP, "status line" },
        { "HTTP/1.1 2000 OK\r\n\r\n", TNX_E_HTTP, "status line" },
    };
    run_bad(bad, sizeof bad / sizeof bad[0]);
}

/* `n` bytes of ch, NUL-terminated, at p; returns p. */
static char *fill(char *p, char ch, size_t n)
{
    memset(p, ch, n);
    p[n] = 0;
    return p;
}

TEST(long_header_lines_are_skipped_unless_needed)
{
    char pad[512], ok[1024];
    bad_case bad[3];
    char t[3][1024];
    size_t i;

    /* An unknown header with a long value, one with a long name, and a
     * long reason phrase: skipped. */
    sprintf(A[0], "HTTP/1.1 200 %s\r\nX-Long: %s\r\n", fill(pad, 'r', 300),
            fill(pad + 301, 'v', 200));
    sprintf(A[0] + strlen(A[0]), "%s: 1\r\n", fill(pad, 'n', 300));
    strcat(A[0], mf_ok(ok, "") + strlen("HTTP/1.1 200 OK\r\n"));
    CHECK_INT(run_ok(A[0]), TNX_OK);
    CHECK_STR(F.ar.id, "AR1");
    tnx_client_free(&F.client);

    /* A long x-request-id is kept cut to its field. */
    sprintf(A[1], "HTTP/1.1 200 OK\r\nX-Request-Id: %s\r\n%s",
            fill(pad, 'q', 200), mf_ok(ok, "") + 17);
    CHECK_INT(run_ok(A[1]), TNX_OK);
    CHECK_STR(F.err.request_id, fill(pad, 'q', TNX_REQUEST_ID_MAX - 1));
    tnx_client_free(&F.client);

    /* The three headers that frame the body must be read whole. */
    fill(pad, ' ', TNX_LINE_MAX);
    sprintf(t[0], "HTTP/1.1 200 OK\r\nContent-Length:%s2\r\n\r\n{}", pad);
    sprintf(t[1], "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked%s\r\n\r\n",
            pad);
    sprintf(t[2], "HTTP/1.1 200 OK\r\nConnection: close%s\r\n\r\n", pad);
    for (i = 0; i < 3; i++) {
        bad[i].text = t[i];
        bad[i].want = TNX_E_HEADER;
    }
    bad[0].where = "content-length";
    bad[1].where = "transfer-encoding";
    bad[2].where = "connection";
    run_bad(bad, 3);
}

TEST(http10_and_a_missing_reason_phrase_are_accepted)
{
    static const char *const lines[] = { "HTTP/1.0 200", "HTTP/1.1 200",
                                         "HTTP/1.1 200 " };
    static const int kept[] = { 0, 1, 1 };
    size_t i;
    for (i = 0; i < 3; i++) {
        sprintf(A[0], "%s\r\nContent-Length: " LEN_BODY "\r\n\r\n%s", lines[i],
                mf_ok_body);
        CHECK_INT(run_ok(A[0]), TNX_OK);
        CHECK_STR(F.ar.id, "AR1");
        CHECK_INT(F.client.connected, kept[i]);
        tnx_client_free(&F.client);
    }
    /* HTTP/1.0 may ask to keep the connection. */
    sprintf(A[0], "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n"
                  "Content-Length: " LEN_BODY "\r\n\r\n%s", mf_ok_body);
    CHECK_INT(run_ok(A[0]), TNX_OK);
    CHECK_INT(F.client.connected, 1);
    tnx_client_free(&F.client);
    /* Bare LF line ends are accepted too (RFC 9112 2.2). */
    sprintf(A[0], "HTTP/1.1 200 OK\nContent-Length: " LEN_BODY "\n\n%s",
            mf_ok_body);
    CHECK_INT(run_ok(A[0]), TNX_OK);
    CHECK_STR(F.ar.id, "AR1");
    tnx_client_free(&F.client);
}

TEST(connection_reuse_follows_the_answer)
{
    char ok[1024];
    /* Connection: close among other tokens, and bytes past the answer,
     * both end the connection; keep-alive keeps it. */
    CHECK_INT(run_ok(mf_ok(A[0], "Connection: upgrade, close\r\n")), TNX_OK);
    CHECK_INT(F.client.connected, 0);
    tnx_client_free(&F.client);
    CHECK_INT(run_ok(mf_ok(A[0], "Connection: Keep-Alive\r\n")), TNX_OK);
    CHECK_INT(F.client.connected, 1);
    tnx_client_free(&F.client);
    sprintf(A[1], "%sHTTP/1.1 200", mf_ok(ok, ""));
    CHECK_INT(run_ok(A[1]), TNX_OK);
    CHECK_INT(F.client.connected, 0);
    tnx_client_free(&F.client);
}

TEST(every_answer_starts_from_a_clean_state)
{
    static const char chunked_422[] =
        "HTTP/1.1 422 Unprocessable\r\nTransfer-Encoding: chunked\r\n"
        "X-Request-Id: r-1\r\nx-ratelimit-limit: 100\r\n"
        "x-ratelimit-remaining: 7\r\nx-ratelimit-reset: 30\r\n\r\n"
        "8\r\n{\"errors\r\n"
        "15\r\n\":[{\"code\":\"10015\"}]}\r\n0\r\n\r\n";
    static const char html_500[] =
        "HTTP/1.1 500 Oops\r\nContent-Length: 6\r\n\r\n<html>";
    char ok[1024];
    mf_setup();
    F.client.cfg.max_attempts = 1;
    mf_data(chunked_422, 1);
    mf_data(html_500, 0);
    mf_data(mf_ok(ok, ""), 0);
    CHECK_INT(mf_call(), TNX_E_API);
    CHECK_INT(F.err.http_status, 422);
    CHECK_INT(F.err.count, 1);
    CHECK_STR(F.err.errors[0].code, "10015");
    CHECK_STR(F.err.request_id, "r-1");
    CHECK_INT(F.err.ratelimit_remaining, 7);
    CHECK_INT(mf_call(), TNX_E_API);
    CHECK_INT(F.err.http_status, 500);
    CHECK_INT(F.err.count, 0);
    CHECK_STR(F.err.request_id, "");
    CHECK_INT(F.err.ratelimit_limit, -1);
    CHECK_INT(mf_call(), TNX_OK);
    CHECK_STR(F.ar.id, "AR1");
    CHECK_INT(F.err.http_status, 200);
    CHECK_INT(F.mem.connects, 1);
    tnx_client_free(&F.client);
}

TEST(request_id_and_rate_limits_reach_results_and_errors)
{
    static const char limits[] =
        "X-Request-Id: 6e1f-ok\r\nX-RateLimit-Limit: 120\r\n"
        "X-RateLimit-Remaining: 0\r\nX-RateLimit-Reset: 1700000000\r\n";
    static const char err_body[] = "{\"errors\":[{\"code\":\"10009\"}]}";
    CHECK_INT(run_ok(mf_ok(A[0], limits)), TNX_OK);
    CHECK_STR(F.err.request_id, "6e1f-ok");
    CHECK_INT(F.err.ratelimit_limit, 120);
    CHECK_INT(F.err.ratelimit_remaining, 0);
    CHECK_INT(F.err.ratelimit_reset, 1700000000);
    CHECK_INT(F.err.attempts, 1);
    CHECK(F.err.retry_stop == NULL);
    tnx_client_free(&F.client);

    sprintf(A[1], "HTTP/1.1 401 Unauthorized\r\nx-request-id: 6e1f-401\r\n"
                  "x-ratelimit-limit: 12x\r\nx-ratelimit-remaining: "
                  "2147483648\r\nx-ratelimit-reset: 9\r\n"
                  "Content-Length: %u\r\n\r\n%s",
            (unsigned)strlen(err_body), err_body);
    CHECK_INT(run_ok(A[1]), TNX_E_API);
    CHECK_INT(F.err.http_status, 401);
    CHECK_STR(F.err.request_id, "6e1f-401");
    CHECK_INT(F.err.ratelimit_limit, -1);     /* not a number */
    CHECK_INT(F.err.ratelimit_remaining, -1); /* above 2^31 - 1 */
    CHECK_INT(F.err.ratelimit_reset, 9);
    CHECK_STR(F.err.errors[0].code, "10009");
    CHECK_STR(F.err.retry_stop, "the answer is final");
    tnx_client_free(&F.client);
}

TEST(http_dates_in_all_three_forms)
{
    static const struct { const char *s; int ok; int64_t t; } d[] = {
        { "Sun, 06 Nov 1994 08:49:37 GMT", 1, 784111777 },
        { "Sunday, 06-Nov-94 08:49:37 GMT", 1, 784111777 },
        { "Sun Nov  6 08:49:37 1994", 1, 784111777 },
        { "Thu, 01 Jan 1970 00:00:00 GMT", 1, 0 },
        { "Tue, 29 Feb 2000 12:00:00 GMT", 1, 951825600 },
        { "Fri, 01 Mar 2024 00:00:01 GMT", 1, 1709251201 },
        { "Mon, 01 Mar 2100 00:00:00 GMT", 1, 4107542400 },
        { "Fri, 31 Dec 9999 23:59:59 GMT", 1, 253402300799 },
        { "Sun, 32 Nov 1994 08:49:37 GMT", 0, 0 },
        { "Sun, 06 Nox 1994 08:49:37 GMT", 0, 0 },
        { "Sun, 06 Nov 1994 24:00:00 GMT", 0, 0 },
        { "Sun, 06 Nov 1994 08:49 GMT", 0, 0 },
        { "Wed, 31 Dec 1969 23:59:59 GMT", 0, 0 },
        { "soon", 0, 0 },
        { "", 0, 0 },
    };
    size_t i;
    for (i = 0; i < sizeof d / sizeof d[0]; i++) {
        int64_t t = -7;
        int ok = tnx__http_date(d[i].s, strlen(d[i].s), &t);
        TT_REPORT(ok == d[i].ok && (!ok || t == d[i].t),
                  "\"%s\": %d %lld, want %d %lld", d[i].s, ok, (long long)t,
                  d[i].ok, (long long)d[i].t);
    }
}

TEST(retry_after_headers_give_the_wait_asked_for)
{
    static const struct { const char *headers; uint32_t ms; } c[] = {
        { "Retry-After: 7\r\n", 7000 },
        { "Retry-After: 7\r\nretry-after-ms: 250\r\n", 250 },
        { "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
          "Retry-After: Sun, 06 Nov 1994 08:51:37 GMT\r\n", 120000 },
        { "Retry-After: Sunday, 06-Nov-94 08:51:37 GMT\r\n"
          "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n", 120000 },
        { "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
          "Retry-After: Sun Nov  6 08:51:37 1994\r\n", 120000 },
        { "Date: Wed, 28 Feb 2024 23:59:59 GMT\r\n"
          "Retry-After: Fri, 01 Mar 2024 00:00:01 GMT\r\n", 86402000 },
        { "Date: Tue, 28 Feb 2100 23:59:59 GMT\r\n"
          "Retry-After: Mon, 01 Mar 2100 00:00:00 GMT\r\n", 1000 },
        /* a date with no Date to measure it by, a date gone, a word */
        { "Retry-After: Sun, 06 Nov 1994 08:51:37 GMT\r\n", 0 },
        { "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
          "Retry-After: Sun, 06 Nov 1994 08:48:37 GMT\r\n", 0 },
        { "Retry-After: soon\r\n", 0 },
        { "Retry-After: 99999999999\r\n", UINT32_MAX },
    };
    size_t i;
    for (i = 0; i < sizeof c / sizeof c[0]; i++) {
        sprintf(A[0], "HTTP/1.1 429 Too Many\r\n%sContent-Length: 0\r\n\r\n",
                c[i].headers);
        mf_setup();
        F.client.cfg.max_attempts = 1;
        mf_data(A[0], 0);
        TT_REPORT(mf_call() == TNX_E_API && F.err.http_status == 429 &&
                  F.err.retry_after_ms == c[i].ms,
                  "case %zu: %s %d asked %lu ms, want %lu", i,
                  tnx_status_name(F.err.status), F.err.http_status,
                  (unsigned long)F.err.retry_after_ms,
                  (unsigned long)c[i].ms);
        tnx_client_free(&F.client);
    }
    /* Advice longer than a line is dropped, not read from its start. */
    {
        char pad[TNX_LINE_MAX + 1];
        sprintf(A[0], "HTTP/1.1 429 Too Many\r\nRetry-After: 7%s\r\n"
                      "x-ratelimit-limit: 5%s\r\nContent-Length: 0\r\n\r\n",
                fill(pad, ' ', TNX_LINE_MAX), pad);
        mf_setup();
        F.client.cfg.max_attempts = 1;
        mf_data(A[0], 0);
        CHECK_INT(mf_call(), TNX_E_API);
        CHECK_INT(F.err.retry_after_ms, 0);
        CHECK_INT(F.err.ratelimit_limit, -1);
        tnx_client_free(&F.client);
    }
}

int main(void)
{
    RUN(content_length_is_digits_only_and_overflow_checked);
    RUN(chunked_extensions_and_trailers_are_skipped);
    RUN(chunked_framing_errors);
    RUN(no_length_means_the_body_ends_at_close);
    RUN(chunked_wins_over_content_length_and_the_connection_is_dropped);
    RUN(transfer_codings_other_than_chunked_are_refused);
    RUN(interim_answers_are_skipped_and_leave_nothing_behind);
    RUN(answers_204_and_304_have_no_body);
    RUN(header_names_ignore_case_and_values_are_trimmed);
    RUN(malformed_header_lines_are_refused);
    RUN(long_header_lines_are_skipped_unless_needed);
    RUN(http10_and_a_missing_reason_phrase_are_accepted);
    RUN(connection_reuse_follows_the_answer);
    RUN(every_answer_starts_from_a_clean_state);
    RUN(request_id_and_rate_limits_reach_results_and_errors);
    RUN(http_dates_in_all_three_forms);
    RUN(retry_after_headers_give_the_wait_asked_for);
    return tt_summary();
}
