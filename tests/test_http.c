/* test_http.c - the whole client over the in-memory port, plain HTTP
 * (TNX_NO_TLS): the exact request, answers cut at every byte, chunked
 * framing, error answers, keep-alive, truncation and path encoding. */
#define TNX_NO_TLS
#define TELNYX_PORTING_IMPLEMENTATION
#include "telnyx_porting.h"
#include "tnx_port_mem.h"
#include "tnx_test.h"

static const char ok_body[] =
    "{\"data\":{\"id\":\"AR1\",\"record_type\":\"porting_action_requirement\","
    "\"porting_order_id\":\"PO1\",\"requirement_type_id\":\"RT\","
    "\"action_type\":\"au_id_verification\",\"action_url\":null,"
    "\"status\":\"pending\",\"cancel_reason\":null,"
    "\"created_at\":\"2018-02-02T22:25:27.521Z\","
    "\"updated_at\":\"2018-02-02T22:25:27.521Z\"}}";

typedef struct fixture {
    tnx_mem mem;
    tnx_port port;
    tnx_client client;
    tnx_action_requirement ar;
    tnx_error err;
    uint8_t sent[4096];
    char answer[4096];
    tnx_mem_step steps[4];
} fixture;

static fixture fx;

static void setup(const char *base_url)
{
    tnx_config cfg = tnx_config_default();
    tnx_error e;
    memset(&fx, 0, sizeof fx);
    tnx_mem_port(&fx.port, &fx.mem);
    fx.mem.sent = fx.sent;
    fx.mem.sent_cap = sizeof fx.sent - 1;
    fx.mem.tick = 1;
    cfg.base_url = base_url;
    cfg.api_key = "KEY123";
    cfg.port = &fx.port;
    cfg.timeout_ms = 5000;
    tnx_client_init(&fx.client, &cfg, &e);
    CHECK_INT(e.status, TNX_OK);
}

/* Step i of the script: the peer sends text (borrowed), `chunk` bytes per
 * recv at most (0: as much as asked). */
static void data_step(size_t i, const char *text, size_t chunk)
{
    fx.steps[i].op = TNX_MEM_OP_DATA;
    fx.steps[i].data = text;
    fx.steps[i].len = strlen(text);
    fx.steps[i].chunk = chunk;
}

/* The peer answers `text` (copied), `chunk` bytes per recv, then closes. */
static void answer(const char *text, size_t chunk)
{
    memcpy(fx.answer, text, strlen(text) + 1);
    data_step(0, fx.answer, chunk);
    fx.steps[1].op = TNX_MEM_OP_CLOSE;
    tnx_mem_script(&fx.mem, fx.steps, 2);
}

static tnx_status call(const char *po, const char *id)
{
    tnx_params p;
    p.first_name = "John";
    p.last_name = "Doe";
    return tnx_initiate(&fx.client, po, id, &p, &fx.ar, &fx.err);
}

static void ok_answer(char *out, const char *extra_headers)
{
    sprintf(out, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                 "%sContent-Length: %u\r\n\r\n%s", extra_headers,
            (unsigned)strlen(ok_body), ok_body);
}

TEST(sends_the_exact_request)
{
    char text[1024];
    setup("http://api.test/v2");
    ok_answer(text, "");
    answer(text, 0);
    CHECK_INT(call("PO1", "AR1"), TNX_OK);
    fx.sent[fx.mem.sent_len] = 0;
    CHECK_STR((const char *)fx.sent,
              "POST /v2/porting_orders/PO1/action_requirements/AR1/initiate "
              "HTTP/1.1\r\n"
              "Host: api.test\r\n"
              "Authorization: Bearer KEY123\r\n"
              "Content-Type: application/json\r\n"
              "Accept: application/json\r\n"
              "User-Agent: telnyx_porting.h/" TNX_VERSION "\r\n"
              "Content-Length: 50\r\n\r\n"
              "{\"params\":{\"first_name\":\"John\",\"last_name\":\"Doe\"}}");
    CHECK_STR(fx.mem.host, "api.test");
    CHECK_INT(fx.mem.port, 80);
    CHECK_STR(fx.ar.id, "AR1");
    CHECK_INT(fx.ar.status, TNX_AR_PENDING);
    tnx_client_free(&fx.client);
}

TEST(ids_are_percent_encoded_into_one_segment)
{
    char text[1024];
    setup("http://h:8080/base/");
    ok_answer(text, "");
    answer(text, 0);
    CHECK_INT(call("a/b?c#d e%", "\r\nX: y"), TNX_OK);
    fx.sent[fx.mem.sent_len] = 0;
    CHECK(strncmp((const char *)fx.sent,
                  "POST /base/porting_orders/a%2Fb%3Fc%23d%20e%25/"
                  "action_requirements/%0D%0AX%3A%20y/initiate HTTP/1.1\r\n"
                  "Host: h:8080\r\n", 98) == 0);
    CHECK_INT(call("..", "x"), TNX_E_PATH_PARAM);
    CHECK_STR(fx.err.where, "porting_order_id");
    CHECK_INT(call("x", ""), TNX_E_PATH_PARAM);
    CHECK_STR(fx.err.where, "id");
    tnx_client_free(&fx.client);
}

TEST(same_answer_at_every_recv_size)
{
    char text[1024];
    size_t k;
    ok_answer(text, "X-Request-Id: req-7\r\n");
    for (k = 1; k < strlen(text); k += 37) {
        setup("http://api.test/v2");
        answer(text, k);
        if (call("PO1", "AR1") != TNX_OK) {
            TT_REPORT(0, "recv size %zu: %s", k,
                      tnx_status_name(fx.err.status));
            return;
        }
        CHECK_STR(fx.ar.porting_order_id, "PO1");
        CHECK_STR(fx.err.request_id, "req-7");
        tnx_client_free(&fx.client);
    }
}

TEST(chunked_body_with_extensions_and_trailer)
{
    static const char text[] =
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        "7;ext=1\r\n{\"data\"\r\n"
        "c\r\n:{\"id\":\"AR9\"\r\n"
        "2\r\n}}\r\n"
        "0\r\nX-Trailer: yes\r\n\r\n";
    setup("http://api.test/v2");
    answer(text, 1);
    CHECK_INT(call("PO1", "AR1"), TNX_OK);
    CHECK_STR(fx.ar.id, "AR9");
    CHECK_INT(fx.ar.present, 1 << TNX_F_ID);
    tnx_client_free(&fx.client);
}

TEST(error_answer_gives_status_code_and_pointer)
{
    static const char body[] =
        "{\"errors\":[{\"code\":\"10015\",\"title\":\"Invalid parameter\","
        "\"detail\":\"last_name is required\",\"source\":{\"pointer\":"
        "\"/params/last_name\"}}]}";
    char text[1024];
    setup("http://api.test/v2");
    sprintf(text, "HTTP/1.1 422 Unprocessable Entity\r\ncontent-length: %u"
                  "\r\nx-request-id: r-422\r\n\r\n%s",
            (unsigned)strlen(body), body);
    answer(text, 3);
    CHECK_INT(call("PO1", "AR1"), TNX_E_API);
    CHECK_INT(fx.err.http_status, 422);
    CHECK_INT(fx.err.count, 1);
    CHECK_STR(fx.err.errors[0].code, "10015");
    CHECK_STR(fx.err.errors[0].pointer, "/params/last_name");
    CHECK_STR(fx.err.request_id, "r-422");
    tnx_client_free(&fx.client);
}

TEST(html_error_page_keeps_the_status)
{
    setup("http://api.test/v2");
    answer("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 9\r\n\r\n<html>x</", 0);
    CHECK_INT(call("PO1", "AR1"), TNX_E_API);
    CHECK_INT(fx.err.http_status, 502);
    CHECK_INT(fx.err.count, 0);
    tnx_client_free(&fx.client);
}

TEST(truncated_body_is_an_error)
{
    setup("http://api.test/v2");
    answer("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"data\":{", 0);
    CHECK_INT(call("PO1", "AR1"), TNX_E_CLOSED);
    tnx_client_free(&fx.client);
}

TEST(malformed_http_is_refused)
{
    static const char *const bad[] = {
        "HTTP/1.1 20 OK\r\n\r\n",
        "HTTP/2 200 OK\r\n\r\n",
        "HTTP/1.1 200 OK\r\n folded: x\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n",
    };
    size_t i;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        setup("http://api.test/v2");
        answer(bad[i], 0);
        if (call("PO1", "AR1") != TNX_E_HTTP)
            TT_REPORT(0, "case %zu gave %s", i, tnx_status_name(fx.err.status));
        else
            tt_passed++;
        tnx_client_free(&fx.client);
    }
}

TEST(interim_100_is_skipped_and_http10_accepted)
{
    char text[1024];
    setup("http://api.test/v2");
    sprintf(text, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 200\r\n\r\n%s",
            ok_body);
    answer(text, 5);
    CHECK_INT(call("PO1", "AR1"), TNX_OK);
    CHECK_STR(fx.ar.id, "AR1");
    CHECK_INT(fx.mem.closes >= 1, 1);
    tnx_client_free(&fx.client);
}

TEST(keeps_the_connection_and_reconnects_once_when_it_was_closed)
{
    char text[1024];
    setup("http://api.test/v2");
    ok_answer(text, "");
    /* One answer, then the peer closes the kept connection. */
    answer(text, 0);
    CHECK_INT(call("PO1", "AR1"), TNX_OK);
    CHECK_INT(fx.mem.connects, 1);
    CHECK_INT(fx.client.connected, 1);
    /* The kept connection is closed: the client connects again, once; the
     * script is over, so the new connection hears nothing and times out. */
    CHECK_INT(call("PO1", "AR1"), TNX_E_TIMEOUT);
    CHECK_INT(fx.mem.connects, 2);
    tnx_client_free(&fx.client);
}

TEST(body_cap_stops_a_large_body)
{
    char text[256];
    setup("http://api.test/v2");
    fx.client.cfg.body_max = 10;
    sprintf(text, "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n{\"a\":\"xxx\"}");
    answer(text, 0);
    CHECK_INT(call("PO1", "AR1"), TNX_E_BODY_LARGE);
    tnx_client_free(&fx.client);
}

TEST(refuses_bad_configuration)
{
    tnx_config cfg = tnx_config_default();
    tnx_client c;
    tnx_error e;
    tnx_mem m;
    tnx_port p;
    tnx_mem_port(&p, &m);
    cfg.port = &p;
    cfg.api_key = "has space";
    CHECK_INT(tnx_client_init(&c, &cfg, &e), TNX_E_API_KEY);
    cfg.api_key = "key\r\nX: 1";
    CHECK_INT(tnx_client_init(&c, &cfg, &e), TNX_E_API_KEY);
    cfg.api_key = "k";
    cfg.base_url = "ftp://x/v2";
    CHECK_INT(tnx_client_init(&c, &cfg, &e), TNX_E_URL);
    cfg.base_url = "http://user@x/v2";
    CHECK_INT(tnx_client_init(&c, &cfg, &e), TNX_E_URL);
    cfg.base_url = "http://x:99999/v2";
    CHECK_INT(tnx_client_init(&c, &cfg, &e), TNX_E_URL);
    cfg.base_url = "http://[::1]:8443/v2";
    CHECK_INT(tnx_client_init(&c, &cfg, &e), TNX_OK);
    CHECK_STR(c.host, "::1");
    CHECK_INT(c.port_number, 8443);
    CHECK_STR(c.base_path, "/v2");
    cfg.port = NULL;
    CHECK_INT(tnx_client_init(&c, &cfg, &e), TNX_E_ARG);
}

TEST(connect_failures_are_named)
{
    setup("http://api.test/v2");
    fx.mem.connect_result = TNX_IO_NO_HOST;
    CHECK_INT(call("PO1", "AR1"), TNX_E_DNS);
    fx.mem.connect_result = TNX_IO_REFUSED;
    CHECK_INT(call("PO1", "AR1"), TNX_E_CONNECT);
    fx.mem.connect_result = TNX_IO_TIMEOUT;
    CHECK_INT(call("PO1", "AR1"), TNX_E_TIMEOUT);
    CHECK_STR(fx.err.where, "connect");
    tnx_client_free(&fx.client);
}


TEST(a_cut_chunk_size_line_is_refused_not_misread)
{
    /* 130 zeros then 15: legal, but its digits run past TNX_LINE_MAX; read
     * as 0 it would end the body early and leave bytes for the next call. */
    char text[1024];
    size_t n;
    setup("http://api.test/v2");
    n = (size_t)sprintf(text, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked"
                              "\r\n\r\n");
    memset(text + n, '0', 130);
    sprintf(text + n + 130, "15\r\n{\"data\":{\"id\":\"x\"}}\r\n0\r\n\r\n");
    answer(text, 0);
    CHECK_INT(call("PO1", "AR1"), TNX_E_HTTP);
    CHECK_STR(fx.err.where, "chunk size");
    CHECK_INT(fx.client.connected, 0);
    tnx_client_free(&fx.client);
}

TEST(an_invalid_error_body_keeps_no_entries)
{
    setup("http://api.test/v2");
    answer("HTTP/1.1 400 Bad\r\nContent-Length: 39\r\n\r\n"
           "{\"errors\":[{\"code\":\"1\",\"title\":\"t\"},x]}", 0);
    CHECK_INT(call("PO1", "AR1"), TNX_E_API);
    CHECK_INT(fx.err.http_status, 400);
    CHECK_INT(fx.err.count, 0);
    CHECK_STR(fx.err.errors[0].code, "");
    tnx_client_free(&fx.client);
}

TEST(a_failed_or_freed_client_refuses_calls)
{
    tnx_config cfg = tnx_config_default();
    tnx_params who;
    tnx_error e;
    tnx_mem m;
    tnx_port p;
    static tnx_client c;
    tnx_action_requirement ar;
    tnx_mem_port(&p, &m);
    who.first_name = "J";
    who.last_name = "D";
    cfg.port = &p;
    cfg.api_key = "k";
    cfg.base_url = "http://x/v2?q";
    CHECK_INT(tnx_client_init(&c, &cfg, &e), TNX_E_URL);
    CHECK_INT(tnx_initiate(&c, "P", "A", &who, &ar, &e), TNX_E_ARG);
    cfg.base_url = "http://x/v2";
    CHECK_INT(tnx_client_init(&c, &cfg, &e), TNX_OK);
    tnx_client_free(&c);
    CHECK_INT(tnx_initiate(&c, "P", "A", &who, &ar, &e), TNX_E_ARG);
    CHECK_INT(m.connects, 0);
}

TEST(base_path_cannot_carry_a_header)
{
    tnx_config cfg = tnx_config_default();
    tnx_client c;
    tnx_error e;
    tnx_mem m;
    tnx_port p;
    tnx_mem_port(&p, &m);
    cfg.port = &p;
    cfg.api_key = "k";
    cfg.base_url = NULL;
    cfg.host = "api.test";
    cfg.base_path = "/v2\r\nX-Injected: yes\r\nX:";
    CHECK_INT(tnx_client_init(&c, &cfg, &e), TNX_E_URL);
    CHECK_STR(e.where, "base_path");
    cfg.base_path = "/v2/";
    CHECK_INT(tnx_client_init(&c, &cfg, &e), TNX_OK);
    CHECK_STR(c.base_path, "/v2");
    tnx_client_free(&c);
}

TEST(a_huge_timeout_is_not_an_instant_timeout)
{
    char text[1024];
    setup("http://api.test/v2");
    fx.client.cfg.timeout_ms = 0xFFFFFFFFu;
    tnx_client_free(&fx.client);
    {
        tnx_config cfg = tnx_config_default();
        tnx_error e;
        cfg.base_url = "http://api.test/v2";
        cfg.api_key = "KEY123";
        cfg.port = &fx.port;
        cfg.timeout_ms = 0xFFFFFFFFu;
        cfg.connect_timeout_ms = 0xFFFFFFFFu;
        CHECK_INT(tnx_client_init(&fx.client, &cfg, &e), TNX_OK);
    }
    ok_answer(text, "");
    answer(text, 0);
    CHECK_INT(call("PO1", "AR1"), TNX_OK);
    tnx_client_free(&fx.client);
}

TEST(bytes_waiting_on_a_kept_connection_mean_out_of_step)
{
    /* A stray byte before the second request (a repeated answer, a "408
     * idle" notice): that connection is dropped, the request goes on a new
     * one, and the stray byte is not taken as the start of the answer. */
    static char one[1024], two[1024];
    setup("http://api.test/v2");
    ok_answer(one, "X-Request-Id: first\r\n");
    sprintf(two, "HTTP/1.1 200 OK\r\nX-Request-Id: second\r\n"
                 "Content-Length: %u\r\n\r\n%s", (unsigned)strlen(ok_body),
            ok_body);
    data_step(0, one, 0);
    data_step(1, "H", 0);
    data_step(2, two, 0);
    fx.steps[3].op = TNX_MEM_OP_CLOSE;
    tnx_mem_script(&fx.mem, fx.steps, 4);
    CHECK_INT(call("PO1", "AR1"), TNX_OK);
    CHECK_STR(fx.err.request_id, "first");
    CHECK_INT(call("PO1", "AR1"), TNX_OK);
    CHECK_STR(fx.err.request_id, "second");
    CHECK_INT(fx.mem.connects, 2);
    CHECK_INT(fx.err.attempts, 1);
    tnx_client_free(&fx.client);
}

TEST(a_header_line_of_line_max_minus_one_bytes_fits)
{
    /* 127 bytes and its CR: kept whole with TNX_LINE_MAX 128. */
    char text[1024], line[200];
    size_t n;
    setup("http://api.test/v2");
    n = (size_t)sprintf(line, "Content-Length: %u", (unsigned)strlen(ok_body));
    memset(line + n, ' ', TNX_LINE_MAX - 1 - n);
    line[TNX_LINE_MAX - 1] = 0;
    sprintf(text, "HTTP/1.1 200 OK\r\n%s\r\n\r\n%s", line, ok_body);
    answer(text, 0);
    CHECK_INT(call("PO1", "AR1"), TNX_OK);
    CHECK_STR(fx.ar.id, "AR1");
    tnx_client_free(&fx.client);
}

int main(void)
{
    RUN(sends_the_exact_request);
    RUN(ids_are_percent_encoded_into_one_segment);
    RUN(same_answer_at_every_recv_size);
    RUN(chunked_body_with_extensions_and_trailer);
    RUN(error_answer_gives_status_code_and_pointer);
    RUN(html_error_page_keeps_the_status);
    RUN(truncated_body_is_an_error);
    RUN(malformed_http_is_refused);
    RUN(interim_100_is_skipped_and_http10_accepted);
    RUN(keeps_the_connection_and_reconnects_once_when_it_was_closed);
    RUN(body_cap_stops_a_large_body);
    RUN(refuses_bad_configuration);
    RUN(connect_failures_are_named);
    RUN(a_cut_chunk_size_line_is_refused_not_misread);
    RUN(an_invalid_error_body_keeps_no_entries);
    RUN(a_failed_or_freed_client_refuses_calls);
    RUN(base_path_cannot_carry_a_header);
    RUN(a_huge_timeout_is_not_an_instant_timeout);
    RUN(bytes_waiting_on_a_kept_connection_mean_out_of_step);
    RUN(a_header_line_of_line_max_minus_one_bytes_fits);
    return tt_summary();
}
