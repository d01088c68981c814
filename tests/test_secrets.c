/* test_secrets.c - the API key stays secret: no log line, error or CLI
 * output holds it or any 6-byte piece of it, through a whole run against
 * the mock over TLS (answers, errors, reconnections, a refused certificate);
 * after a call neither the client struct nor mbedTLS's record buffers hold
 * it; and what reaches the server is exactly what was asked for (path
 * parameters encoded, names escaped), read from the mock's --record.
 * Run from the top of the tree. */
/* To read mbedTLS's record buffers, which 3.x marks private. */
#define MBEDTLS_ALLOW_PRIVATE_ACCESS
#define TELNYX_PORTING_IMPLEMENTATION
#include "telnyx_porting.h"
#include "tnx_port_posix.h"
#include "tnx_test.h"
#include "tnx_e2e.h"

#define KEY "Sk-5ecret-7f3a9b2c1d0e"
#define OTHER_KEY "Wr0ng-k3y-88e1f0"

/* Does buf[0..n) hold any 6 consecutive bytes of key (so any prefix,
 * suffix or middle part of 6 or more)?  Returns the offset, or -1. */
static long trace_of(const void *buf, size_t n, const char *key)
{
    const uint8_t *b = (const uint8_t *)buf;
    size_t kn = strlen(key), i, j;
    for (i = 0; i + 6 <= n; i++)
        for (j = 0; j + 6 <= kn; j++)
            if (memcmp(b + i, key + j, 6) == 0) return (long)i;
    return -1;
}

static long text_trace(const char *text, const char *key)
{
    return trace_of(text, strlen(text), key);
}

typedef struct client {
    tnx_posix sock;
    tnx_port port;
    tnx_client c;
    tnx_action_requirement ar;
    tnx_error err;
    char url[96];
    char ca[4096];
} client;

static client K;

static tnx_status open_client(const e2e_mock *m, const char *key)
{
    tnx_config cfg = tnx_config_default();
    size_t n = e2e_read("tests/certs/ca.pem", K.ca, sizeof K.ca);
    snprintf(K.url, sizeof K.url, "https://localhost:%u/v2", m->port);
    tnx_posix_port(&K.port, &K.sock);
    cfg.base_url = K.url;
    cfg.api_key = key;
    cfg.ca = (const unsigned char *)K.ca;
    cfg.ca_len = n + 1;
    cfg.port = &K.port;
    cfg.timeout_ms = 10000;
    cfg.log = e2e_log;
    cfg.log_level = TNX_LOG_DEBUG;
    return tnx_client_init(&K.c, &cfg, &K.err);
}

static tnx_status call(const char *po, const char *id, const char *first,
                       const char *last)
{
    tnx_params p;
    p.first_name = first;
    p.last_name = last;
    return tnx_initiate(&K.c, po, id, &p, &K.ar, &K.err);
}

/* Every text a tnx_error carries, appended to the log buffer. */
static void log_error_texts(const tnx_error *e)
{
    unsigned i;
    char line[600];
    snprintf(line, sizeof line, "%s %s %s %s %s", tnx_status_name(e->status),
             tnx_status_text(e->status), e->where ? e->where : "",
             e->request_id, tnx_cert_problem(e->cert_flags));
    e2e_log(NULL, 0, line);
    for (i = 0; i < e->count && i < TNX_ERRORS_MAX; i++) {
        const tnx_api_error *a = &e->errors[i];
        snprintf(line, sizeof line, "%s %s %s %s", a->code, a->title,
                 a->detail, a->pointer);
        e2e_log(NULL, 0, line);
    }
}

TEST(the_trace_finder_finds_pieces_of_six_bytes)
{
    CHECK_INT(text_trace("abc" KEY "def", KEY), 3);
    CHECK_INT(text_trace("xx Sk-5ec yy", KEY), 3);         /* a prefix */
    CHECK_INT(text_trace("x 2c1d0e", KEY), 2);            /* a suffix */
    CHECK_INT(text_trace("Sk-5e", KEY), -1);              /* 5 bytes */
    CHECK_INT(text_trace("Bearer <redacted>", KEY), -1);
}

TEST(the_key_is_in_no_log_line_or_error_of_a_whole_run)
{
    e2e_mock m;
    e2e_log_clear();
    CHECK(e2e_mock_start(&m, NULL, NULL, KEY, NULL));
    CHECK_INT(open_client(&m, KEY), TNX_OK);
    CHECK_INT(call("PO1", "AR1", "John", "Doe"), TNX_OK);
    log_error_texts(&K.err);
    CHECK_INT(call("PO1", "mock-close", "John", "Doe"), TNX_OK);
    CHECK_INT(call("PO1", "mock-chunked", "John", "Doe"), TNX_OK);
    CHECK_INT(call("PO1", "mock-500", "John", "Doe"), TNX_E_API);
    log_error_texts(&K.err);
    CHECK_INT(call("PO1", "AR1", "", "Doe"), TNX_E_API);
    log_error_texts(&K.err);
    CHECK_INT(call("PO1", "mock-badjson", "John", "Doe"), TNX_E_JSON);
    log_error_texts(&K.err);
    tnx_client_free(&K.c);

    /* A wrong key: the server's 401 and its words. */
    CHECK_INT(open_client(&m, OTHER_KEY), TNX_OK);
    CHECK_INT(call("PO1", "AR1", "John", "Doe"), TNX_E_API);
    CHECK_INT(K.err.http_status, 401);
    log_error_texts(&K.err);
    tnx_client_free(&K.c);
    e2e_mock_stop(&m);

    /* A refused certificate. */
    CHECK(e2e_mock_start(&m, NULL, "expired", KEY, NULL));
    CHECK_INT(open_client(&m, KEY), TNX_OK);
    CHECK_INT(call("PO1", "AR1", "John", "Doe"), TNX_E_CERT);
    log_error_texts(&K.err);
    tnx_client_free(&K.c);
    e2e_mock_stop(&m);

    /* What was captured is a real log: requests, answers, TLS. */
    CHECK(strstr(e2e_log_buf, "[3] request POST /v2/porting_orders/PO1/"
                 "action_requirements/AR1/initiate\n") != NULL);
    CHECK(strstr(e2e_log_buf, "Authorization Bearer <redacted>") != NULL);
    CHECK(strstr(e2e_log_buf, "[3] answer 401, request id ") != NULL);
    CHECK(strstr(e2e_log_buf, ", resumed, ") != NULL);
    CHECK(strstr(e2e_log_buf, "tls certificate refused") != NULL);
    CHECK_INT(text_trace(e2e_log_buf, KEY), -1);
    CHECK_INT(text_trace(e2e_log_buf, OTHER_KEY), -1);
}

TEST(the_key_is_in_no_cli_output_of_a_whole_run)
{
    char url[64];
    static char all[1 << 15];
    size_t n = 0;
    const char *ok[] = { "--base-url", url, "--ca-file", "tests/certs/ca.pem",
                         "--porting-order-id", "PO-1", "--id", "AR-2",
                         "--first-name", "John", "--last-name", "Doe",
                         "--verbose", NULL, NULL, NULL };
    const char *const ids[] = { "AR-2", "mock-500", "mock-badjson",
                                "mock-close" };
    e2e_mock m;
    size_t i;
    CHECK(e2e_mock_start(&m, NULL, NULL, KEY, NULL));
    snprintf(url, sizeof url, "https://localhost:%u/v2", m.port);
    for (i = 0; i < 4; i++) {
        ok[7] = ids[i];
        CHECK_INT(e2e_cli(KEY, ok), i == 0 || i == 3 ? 0 : i == 1 ? 5 : 6);
        n += (size_t)snprintf(all + n, sizeof all - n, "%s%s", e2e_out(),
                              e2e_err());
    }
    ok[7] = "AR-2";
    /* The key on the command line, and a wrong one. */
    ok[13] = "--api-key";
    ok[14] = OTHER_KEY;
    CHECK_INT(e2e_cli(NULL, ok), 4);
    n += (size_t)snprintf(all + n, sizeof all - n, "%s%s", e2e_out(),
                          e2e_err());
    ok[14] = KEY;
    CHECK_INT(e2e_cli(NULL, ok), 0);
    n += (size_t)snprintf(all + n, sizeof all - n, "%s%s", e2e_out(),
                          e2e_err());
    /* An unprintable key is refused without being shown. */
    ok[14] = KEY "\n";
    CHECK_INT(e2e_cli(NULL, ok), 2);
    CHECK_STR(e2e_err(), "initiate: API key is empty or has a non-printable "
              "character (api_key)\n");
    n += (size_t)snprintf(all + n, sizeof all - n, "%s%s", e2e_out(),
                          e2e_err());
    e2e_mock_stop(&m);

    CHECK(e2e_mock_start(&m, NULL, "selfsigned", KEY, NULL));
    snprintf(url, sizeof url, "https://localhost:%u/v2", m.port);
    ok[13] = NULL;
    ok[14] = NULL;
    CHECK_INT(e2e_cli(KEY, ok), 3);
    n += (size_t)snprintf(all + n, sizeof all - n, "%s%s", e2e_out(),
                          e2e_err());
    ok[13] = "--insecure-skip-tls-verify";
    CHECK_INT(e2e_cli(KEY, ok), 0);
    n += (size_t)snprintf(all + n, sizeof all - n, "%s%s", e2e_out(),
                          e2e_err());
    e2e_mock_stop(&m);

    CHECK(n < sizeof all - 1);
    CHECK(strstr(all, "initiate: [info] request POST ") != NULL);
    CHECK(strstr(all, "initiate: [debug] request headers: ") != NULL);
    CHECK(strstr(all, "initiate: HTTP 401: 10009 ") != NULL);
    CHECK(strstr(all, "initiate: WARNING: TLS certificate verification is "
                 "OFF") != NULL);
    CHECK_INT(text_trace(all, KEY), -1);
    CHECK_INT(text_trace(all, OTHER_KEY), -1);
}

/* After a call (connection kept open), after an error answer, after
 * tnx_client_free, and after a call that got no answer: no piece of the
 * key in the client, nor in mbedTLS's record buffers, whose plaintext was
 * encrypted in place. */
TEST(the_key_is_wiped_from_the_library_after_each_call)
{
    e2e_mock m;
    CHECK(e2e_mock_start(&m, NULL, NULL, KEY, NULL));
    CHECK_INT(open_client(&m, KEY), TNX_OK);
    CHECK_INT(call("PO1", "AR1", "John", "Doe"), TNX_OK);
    CHECK_INT(K.c.connected, 1);
    CHECK_INT(trace_of(&K.c, sizeof K.c, KEY), -1);
    CHECK(K.c.ssl.out_buf != NULL);
    if (K.c.ssl.out_buf)
        CHECK_INT(trace_of(K.c.ssl.out_buf, MBEDTLS_SSL_OUT_CONTENT_LEN, KEY),
                  -1);
    if (K.c.ssl.in_buf)
        CHECK_INT(trace_of(K.c.ssl.in_buf, MBEDTLS_SSL_IN_CONTENT_LEN, KEY),
                  -1);
    /* A second call on the same connection, and an error answer. */
    CHECK_INT(call("PO1", "mock-500", "John", "Doe"), TNX_E_API);
    CHECK_INT(trace_of(&K.c, sizeof K.c, KEY), -1);
    if (K.c.ssl.out_buf)
        CHECK_INT(trace_of(K.c.ssl.out_buf, MBEDTLS_SSL_OUT_CONTENT_LEN, KEY),
                  -1);
    tnx_client_free(&K.c);
    CHECK_INT(trace_of(&K.c, sizeof K.c, KEY), -1);
    /* No answer at all: nothing overwrote the request in the I/O buffer,
     * only the wipe can have removed the key. */
    CHECK_INT(open_client(&m, KEY), TNX_OK);
    CHECK_INT(call("PO1", "mock-reset-0", "John", "Doe"), TNX_E_CLOSED);
    CHECK_STR(K.err.where, "no response");
    CHECK_INT(trace_of(&K.c, sizeof K.c, KEY), -1);
    if (K.c.ssl.out_buf)
        CHECK_INT(trace_of(K.c.ssl.out_buf, MBEDTLS_SSL_OUT_CONTENT_LEN, KEY),
                  -1);
    tnx_client_free(&K.c);
    e2e_mock_stop(&m);
    /* The key did go out: the mock recorded it, so the finder could see
     * it had it stayed. */
    CHECK(text_trace(e2e_slurp(m.record, NULL), KEY) > 0);
}

TEST(ids_and_names_reach_the_server_exactly_as_given)
{
    static const char id[] = "a/b?c#d e%\r\nX: y\x01\xc3\xa9";
    char want[1024];
    const char *rec;
    e2e_mock m;
    CHECK(e2e_mock_start(&m, NULL, NULL, KEY, NULL));
    CHECK_INT(open_client(&m, KEY), TNX_OK);
    CHECK_INT(call("..x", id, "Jo\"hn\\", "\x01\t\n\xc3\xa9"), TNX_OK);
    /* The mock decodes the segments and names them back in its answer. */
    CHECK_STR(K.ar.id, id);
    CHECK_STR(K.ar.porting_order_id, "..x");
    CHECK_STR(K.ar.action_url, "https://example.com/action/"
              "a%2Fb%3Fc%23d%20e%25%0D%0AX%3A%20y%01%C3%A9");
    tnx_client_free(&K.c);
    e2e_mock_stop(&m);
    snprintf(want, sizeof want,
             "POST /v2/porting_orders/..x/action_requirements/"
             "a%%2Fb%%3Fc%%23d%%20e%%25%%0D%%0AX%%3A%%20y%%01%%C3%%A9/initiate"
             " HTTP/1.1\r\nHost: localhost:%u\r\n"
             "Authorization: Bearer " KEY "\r\n"
             "Content-Type: application/json\r\nAccept: application/json\r\n"
             "User-Agent: telnyx_porting.h/" TNX_VERSION "\r\n"
             "Content-Length: 63\r\n\r\n"
             "{\"params\":{\"first_name\":\"Jo\\\"hn\\\\\","
             "\"last_name\":\"\\u0001\\t\\n\xc3\xa9\"}}", m.port);
    rec = e2e_slurp(m.record, NULL);
    CHECK_STR(rec, want);
}

int main(int argc, char **argv)
{
    if (!e2e_init(argc, argv)) return 1;
    RUN(the_trace_finder_finds_pieces_of_six_bytes);
    RUN(the_key_is_in_no_log_line_or_error_of_a_whole_run);
    RUN(the_key_is_in_no_cli_output_of_a_whole_run);
    RUN(the_key_is_wiped_from_the_library_after_each_call);
    RUN(ids_and_names_reach_the_server_exactly_as_given);
    e2e_cleanup();
    return tt_summary();
}
