/* test_e2e.c - the client and the CLI against the mock Telnyx server over
 * real TLS on localhost: answers, error answers, the exact request bytes,
 * refused certificates, exit codes, and no trace of the API key.
 * Run from the top of the tree (it starts the mock_server and initiate
 * built next to it). */
#define TELNYX_PORTING_IMPLEMENTATION
#include "telnyx_porting.h"
#include "tnx_port_posix.h"
#include "tnx_test.h"
#include "tnx_e2e.h"

#define KEY "e2e-key-9f8e7d"

typedef struct run {
    tnx_posix sock;
    tnx_port port;
    tnx_client client;
    tnx_action_requirement ar;
    tnx_error err;
    unsigned char *ca;
} run;

static run R;

static tnx_status call(const e2e_mock *m, const char *ca_file, const char *key,
                       const char *base_path, const char *po, const char *id,
                       const char *first, const char *last)
{
    tnx_config cfg = tnx_config_default();
    char url[128];
    size_t ca_len;
    char *ca = e2e_slurp(ca_file, &ca_len);
    tnx_params p;
    tnx_status st;
    snprintf(url, sizeof url, "https://localhost:%u%s", m->port, base_path);
    tnx_posix_port(&R.port, &R.sock);
    cfg.base_url = url;
    cfg.api_key = key;
    cfg.ca = (const unsigned char *)ca;
    cfg.ca_len = ca_len + 1;
    cfg.port = &R.port;
    cfg.timeout_ms = 10000;
    p.first_name = first;
    p.last_name = last;
    st = tnx_client_init(&R.client, &cfg, &R.err);
    if (st == TNX_OK) st = tnx_initiate(&R.client, po, id, &p, &R.ar, &R.err);
    tnx_client_free(&R.client);
    return st;
}

TEST(initiate_over_tls_maps_the_mock_answer)
{
    e2e_mock m;
    CHECK(e2e_mock_start(&m, NULL, NULL, KEY, NULL));
    CHECK_INT(call(&m, "tests/certs/ca.pem", KEY, "/v2", "PO-123", "AR-456",
                   "John", "Doe"), TNX_OK);
    CHECK_STR(R.ar.id, "AR-456");
    CHECK_STR(R.ar.porting_order_id, "PO-123");
    CHECK_STR(R.ar.record_type, "porting_action_requirement");
    CHECK_STR(R.ar.requirement_type_id, "53970723-fbff-4f46-a975-f62be6c1a585");
    CHECK_STR(R.ar.action_type, "au_id_verification");
    CHECK_STR(R.ar.action_url, "https://example.com/action/AR-456");
    CHECK_INT(R.ar.status, TNX_AR_PENDING);
    CHECK_INT(R.ar.present, 0x3FF);
    CHECK_INT(R.ar.is_null, 1 << TNX_F_CANCEL_REASON);
    CHECK_STR(R.ar.created_at, "2018-02-02T22:25:27.521Z");
    e2e_mock_stop(&m);
}

TEST(the_request_on_the_wire_is_exact)
{
    e2e_mock m;
    char want[1024];
    CHECK(e2e_mock_start(&m, NULL, NULL, KEY, NULL));
    CHECK_INT(call(&m, "tests/certs/ca.pem", KEY, "/v2", "PO1", "AR1",
                   "John", "Doe"), TNX_OK);
    snprintf(want, sizeof want,
             "POST /v2/porting_orders/PO1/action_requirements/AR1/initiate "
             "HTTP/1.1\r\nHost: localhost:%u\r\n"
             "Authorization: Bearer " KEY "\r\n"
             "Content-Type: application/json\r\nAccept: application/json\r\n"
             "User-Agent: telnyx_porting.h/" TNX_VERSION "\r\n"
             "Content-Length: 50\r\n\r\n"
             "{\"params\":{\"first_name\":\"John\",\"last_name\":\"Doe\"}}",
             m.port);
    e2e_mock_stop(&m);
    CHECK_STR(e2e_slurp(m.record, NULL), want);
}

TEST(wrong_key_gets_401_with_errors)
{
    e2e_mock m;
    CHECK(e2e_mock_start(&m, NULL, NULL, KEY, NULL));
    CHECK_INT(call(&m, "tests/certs/ca.pem", "wrong-key", "/v2", "PO1", "AR1",
                   "John", "Doe"), TNX_E_API);
    CHECK_INT(R.err.http_status, 401);
    CHECK(R.err.count >= 1);
    CHECK_STR(R.err.errors[0].code, "10009");
    CHECK(R.err.request_id[0] != 0);
    e2e_mock_stop(&m);
}

TEST(empty_name_gets_422_naming_the_field)
{
    e2e_mock m;
    CHECK(e2e_mock_start(&m, NULL, NULL, KEY, NULL));
    CHECK_INT(call(&m, "tests/certs/ca.pem", KEY, "/v2", "PO1", "AR1", "",
                   "Doe"), TNX_E_API);
    CHECK_INT(R.err.http_status, 422);
    CHECK_STR(R.err.errors[0].pointer, "/params/first_name");
    CHECK_INT(call(&m, "tests/certs/ca.pem", KEY, "/v2", "PO1", "AR1", "John",
                   ""), TNX_E_API);
    CHECK_STR(R.err.errors[0].pointer, "/params/last_name");
    e2e_mock_stop(&m);
}

TEST(unknown_path_gets_404)
{
    e2e_mock m;
    CHECK(e2e_mock_start(&m, NULL, NULL, KEY, NULL));
    CHECK_INT(call(&m, "tests/certs/ca.pem", KEY, "/v3", "PO1", "AR1", "J",
                   "D"), TNX_E_API);
    CHECK_INT(R.err.http_status, 404);
    CHECK(R.err.count >= 1);
    e2e_mock_stop(&m);
}

TEST(chunked_and_bytewise_answers_over_tls)
{
    e2e_mock m;
    CHECK(e2e_mock_start(&m, NULL, NULL, KEY, NULL));
    CHECK_INT(call(&m, "tests/certs/ca.pem", KEY, "/v2", "PO1",
                   "mock-chunked", "J", "D"), TNX_OK);
    CHECK_STR(R.ar.id, "mock-chunked");
    CHECK_INT(call(&m, "tests/certs/ca.pem", KEY, "/v2", "PO1",
                   "mock-bytewise", "J", "D"), TNX_OK);
    CHECK_STR(R.ar.id, "mock-bytewise");
    CHECK_INT(call(&m, "tests/certs/ca.pem", KEY, "/v2", "PO1", "mock-eof",
                   "J", "D"), TNX_OK);
    CHECK_STR(R.ar.id, "mock-eof");
    CHECK_INT(call(&m, "tests/certs/ca.pem", KEY, "/v2", "PO1",
                   "mock-truncated", "J", "D"), TNX_E_CLOSED);
    CHECK_INT(call(&m, "tests/certs/ca.pem", KEY, "/v2", "PO1",
                   "mock-badjson", "J", "D"), TNX_E_JSON);
    e2e_mock_stop(&m);
}

/* Each certificate the client must refuse, and the words it gives. */
TEST(bad_certificates_are_refused_by_name)
{
    const e2e_bad_cert *cases = e2e_bad_certs;
    size_t i;
    for (i = 0; i < E2E_BAD_CERTS; i++) {
        e2e_mock m;
        CHECK(e2e_mock_start(&m, NULL, cases[i].cert, KEY, NULL));
        CHECK_INT(call(&m, cases[i].ca, KEY, "/v2", "PO1", "AR1", "J", "D"),
                  TNX_E_CERT);
        CHECK_STR(tnx_cert_problem(R.err.cert_flags), cases[i].words);
        e2e_mock_stop(&m);
        CHECK_STR(e2e_slurp(m.record, NULL), ""); /* nothing was sent */
    }
}

/* The last line of stderr: the one naming the cause (--verbose logs come
 * before it). */
static const char *err_last(void)
{
    const char *t = e2e_err();
    size_t n = strlen(t);
    if (n && t[n - 1] == '\n') n--;
    while (n && t[n - 1] != '\n') n--;
    return t + n;
}

TEST(cli_shows_server_control_bytes_escaped_on_one_line)
{
    /* The mock's control-text mode answers 422 with a line break and
     * terminal escapes in detail and pointer: the CLI's error stays one
     * line and shows those bytes as \xNN, never raw. */
    e2e_mock m;
    char url[64];
    const char *args[] = { "--base-url", url, "--ca-file",
                           "tests/certs/ca.pem", "--porting-order-id", "P",
                           "--id", "mock-control-text", "--first-name", "J",
                           "--last-name", "D", NULL };
    const char *err, *p;
    int lines = 0;
    CHECK(e2e_mock_start(&m, NULL, NULL, KEY, NULL));
    snprintf(url, sizeof url, "https://localhost:%u/v2", m.port);
    CHECK_INT(e2e_cli(KEY, args), 4);
    err = e2e_err();
    for (p = err; *p; p++) lines += *p == '\n';
    CHECK_INT(lines, 1);
    CHECK(strchr(err, 0x1b) == NULL);
    CHECK(strchr(err, 0x07) == NULL);
    CHECK(strstr(err, "one\\x0aFAKE: all good\\x1b[2J") != NULL);
    CHECK(strstr(err, "(at /params\\x1b]0;title\\x07)") != NULL);
    e2e_mock_stop(&m);
}

TEST(cli_prints_the_answer_and_exit_codes_say_why)
{
    e2e_mock m;
    char url[64];
    const char *ok[] = { "--base-url", url, "--ca-file", "tests/certs/ca.pem",
                         "--porting-order-id", "PO-1", "--id", "AR-2",
                         "--first-name", "John", "--last-name", "Doe",
                         "--verbose", NULL };
    const char *params[] = { "--base-url", url, "--ca-file",
                             "tests/certs/ca.pem", "--porting-order-id", "P",
                             "--id", "mock-500", "--params",
                             "{\"params\":{\"first_name\":\"J\","
                             "\"last_name\":\"D\"}}", NULL };
    const char *bad_ca[] = { "--base-url", url, "--ca-file",
                             "tests/certs/other-ca.pem", "--porting-order-id",
                             "P", "--id", "A", "--first-name", "J",
                             "--last-name", "D", NULL };
    const char *bad_json[] = { "--base-url", url, "--ca-file",
                               "tests/certs/ca.pem", "--porting-order-id",
                               "P", "--id", "mock-badjson", "--first-name",
                               "J", "--last-name", "D", NULL };
    const char *usage[] = { "--id", "A", NULL };
    CHECK(e2e_mock_start(&m, NULL, NULL, KEY, NULL));
    snprintf(url, sizeof url, "https://localhost:%u/v2", m.port);

    CHECK_INT(e2e_cli(KEY, ok), 0);
    CHECK_STR(e2e_out(),
              "{\"id\":\"AR-2\",\"record_type\":\"porting_action_requirement\","
              "\"porting_order_id\":\"PO-1\",\"requirement_type_id\":"
              "\"53970723-fbff-4f46-a975-f62be6c1a585\",\"action_type\":"
              "\"au_id_verification\",\"action_url\":"
              "\"https://example.com/action/AR-2\",\"status\":\"pending\","
              "\"cancel_reason\":null,\"created_at\":"
              "\"2018-02-02T22:25:27.521Z\",\"updated_at\":"
              "\"2018-02-02T22:25:27.521Z\"}\n");
    CHECK(strstr(e2e_err(), KEY) == NULL);

    CHECK_INT(e2e_cli("wrong-key-55", ok), 4);
    CHECK(strncmp(err_last(), "initiate: HTTP 401: 10009 ", 26) == 0);
    CHECK(strstr(e2e_err(), "wrong-key-55") == NULL);
    CHECK(strstr(e2e_err(), "[request id ") != NULL);

    CHECK_INT(e2e_cli(KEY, params), 5);
    CHECK(strncmp(e2e_err(), "initiate: HTTP 500", 18) == 0);
    CHECK_INT(e2e_cli(KEY, bad_ca), 3);
    CHECK_STR(e2e_err(), "initiate: TLS: server certificate was refused: "
                          "certificate is not signed by a trusted CA\n");
    CHECK_INT(e2e_cli(KEY, bad_json), 6);
    CHECK(strncmp(e2e_err(), "initiate: malformed JSON in the response body",
                  45) == 0);
    CHECK_INT(e2e_cli(KEY, usage), 2);
    CHECK_INT(e2e_cli(NULL, ok), 2);
    e2e_mock_stop(&m);
    /* Nobody listens there any more. */
    CHECK_INT(e2e_cli(KEY, ok), 3);
    CHECK(strncmp(err_last(), "initiate: could not connect", 27) == 0);
}

TEST(base_url_errors_say_what_is_wrong)
{
    tnx_config cfg = tnx_config_default();
    tnx_error e;
    tnx_posix_port(&R.port, &R.sock);
    cfg.port = &R.port;
    cfg.api_key = KEY;
    cfg.ca = (const unsigned char *)"x";
    cfg.ca_len = 2;
    cfg.base_url = "http://localhost/v2";
    CHECK_INT(tnx_client_init(&R.client, &cfg, &e), TNX_E_URL);
    CHECK(strncmp(e.where, "base_url: http:// is refused", 28) == 0);
    cfg.base_url = "https://localhost/a-base-path-far-longer-than-32-bytes";
    CHECK_INT(tnx_client_init(&R.client, &cfg, &e), TNX_E_URL);
    CHECK(strncmp(e.where, "base_url: path longer than TNX_PATH_MAX", 39) == 0);
    cfg.base_url = "https://localhost:0/v2";
    CHECK_INT(tnx_client_init(&R.client, &cfg, &e), TNX_E_URL);
    CHECK_STR(e.where, "base_url: port is not 1..65535");
}

int main(int argc, char **argv)
{
    if (!e2e_init(argc, argv)) return 1;
    RUN(initiate_over_tls_maps_the_mock_answer);
    RUN(base_url_errors_say_what_is_wrong);
    RUN(the_request_on_the_wire_is_exact);
    RUN(wrong_key_gets_401_with_errors);
    RUN(empty_name_gets_422_naming_the_field);
    RUN(unknown_path_gets_404);
    RUN(chunked_and_bytewise_answers_over_tls);
    RUN(bad_certificates_are_refused_by_name);
    RUN(cli_prints_the_answer_and_exit_codes_say_why);
    RUN(cli_shows_server_control_bytes_escaped_on_one_line);
    e2e_cleanup();
    return tt_summary();
}
