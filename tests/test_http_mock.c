/* test_http_mock.c - the HTTP layer against the mock over real TLS on
 * localhost: keep-alive, the end of the stream, resets at many offsets,
 * deadlines against a server that is slow, silent or not there, and
 * retries as the server sees them (the mock logs every request).
 *
 * Deadlines: a test only checks that the call ended with TNX_E_TIMEOUT and
 * not before the deadline, and prints what it measured.  `test_http_mock
 * --bench` (make bench) runs the deadline cases with longer deadlines and
 * prints asked against measured.  Run from the top of the tree. */
#define _POSIX_C_SOURCE 200809L
#define TELNYX_PORTING_IMPLEMENTATION
#include "telnyx_porting.h"
#include "tnx_port_posix.h"
#include "tnx_test.h"
#include "tnx_e2e.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#define KEY "http-key-4c1d"

/* ---- the mock: started per test on a free port, stopped after ---- */

/* The mock of this build with the test's key.  It exits after its idle
 * timeout without traffic; 30 s leaves room for the deadline table's
 * connect and handshake cases (12 s under make bench), which never reach
 * it. */
static int mock_start(e2e_mock *m)
{
    static const char *const idle[] = { "--idle-timeout-ms", "30000", NULL };
    return e2e_mock_start(m, NULL, NULL, KEY, idle);
}

/* Stops the mock; returns how many of its log lines hold `needle`. */
static unsigned mock_stop(e2e_mock *m, const char *needle)
{
    static char log[1 << 16];
    unsigned n = 0;
    const char *p;
    size_t len = 0, was = 1;
    int i;
    if (m->pid <= 0) return 0;
    /* The mock logs a request once its answer is out, maybe after the
     * client has read it: wait until the log has been still 100 ms. */
    for (i = 0; i < 40 && len != was; i++) {
        was = len;
        e2e_sleep_ms(100);
        len = e2e_read(m->log, log, sizeof log);
    }
    e2e_mock_stop(m);
    e2e_read(m->log, log, sizeof log);
    for (p = log; needle && (p = strstr(p, needle)) != NULL; p++) n++;
    return n;
}

/* ---- a client over the POSIX port that counts connects ---- */

typedef struct cli {
    tnx_posix sock;
    tnx_port port;
    tnx_client c;
    tnx_action_requirement ar;
    tnx_error err;
    unsigned connects;
} cli;

static cli K;
static char ca_pem[8192];
static size_t ca_len;

static int (*posix_connect)(void *, const char *, uint16_t, uint32_t);

static int counting_connect(void *ctx, const char *host, uint16_t port,
                            uint32_t timeout_ms)
{
    K.connects++;
    return posix_connect(ctx, host, port, timeout_ms);
}

static uint32_t now_ms(void) { return K.port.now_ms(K.port.ctx); }

/* A client of https://HOST:PORT/v2 with a 10 s deadline. */
static int cli_open(const char *host, unsigned port)
{
    tnx_config cfg = tnx_config_default();
    char url[96];
    memset(&K, 0, sizeof K);
    tnx_posix_port(&K.port, &K.sock);
    posix_connect = K.port.connect;
    K.port.connect = counting_connect;
    snprintf(url, sizeof url, "https://%s:%u/v2", host, port);
    cfg.base_url = url;
    cfg.api_key = KEY;
    cfg.ca = (const unsigned char *)ca_pem;
    cfg.ca_len = ca_len + 1;
    cfg.port = &K.port;
    cfg.timeout_ms = 10000;
    cfg.backoff_ms = 50;
    return tnx_client_init(&K.c, &cfg, &K.err) == TNX_OK;
}

static tnx_status cli_call(const char *id, const tnx_call_opts *o)
{
    tnx_params p;
    p.first_name = "John";
    p.last_name = "Doe";
    return tnx_initiate_ex(&K.c, "PO-1", id, &p, o, &K.ar, &K.err);
}

static void cli_close(void) { tnx_client_free(&K.c); }

/* A call on a new connection.  After an answer the mock cuts with no
 * Connection: close (reset-N), its close may come after the next request
 * went out on the kept connection: that call would fail, rightly, as
 * "sent, no answer", and is not what these tests are about. */
static tnx_status cli_call_fresh(const char *id, unsigned port)
{
    cli_close();
    if (!cli_open("localhost", port)) return TNX_E_ARG;
    return cli_call(id, NULL);
}

/* ---- keep-alive and the end of the stream ---- */

TEST(a_kept_connection_serves_the_next_call)
{
    e2e_mock m;
    CHECK(mock_start(&m) && cli_open("localhost", m.port));
    CHECK_INT(cli_call("AR-1", NULL), TNX_OK);
    CHECK_INT(cli_call("AR-2", NULL), TNX_OK);
    CHECK_STR(K.ar.id, "AR-2");
    /* An error answer is read whole: the connection stays usable. */
    CHECK_INT(cli_call("mock-500", NULL), TNX_E_API);
    CHECK_INT(cli_call("AR-3", NULL), TNX_OK);
    CHECK_INT(K.connects, 1);
    cli_close();
    CHECK_INT(mock_stop(&m, "/initiate -> "), 4);
}

TEST(connection_close_is_honoured)
{
    e2e_mock m;
    CHECK(mock_start(&m) && cli_open("localhost", m.port));
    CHECK_INT(cli_call("mock-close", NULL), TNX_OK);
    CHECK_INT(K.c.connected, 0);
    CHECK_INT(cli_call("AR-1", NULL), TNX_OK);
    CHECK_INT(K.connects, 2);
    cli_close();
    mock_stop(&m, NULL);
}

TEST(close_notify_ends_a_body_a_bare_tcp_close_truncates_it)
{
    e2e_mock m;
    CHECK(mock_start(&m) && cli_open("localhost", m.port));
    /* The last record and close_notify arrive together byte by byte:
     * the bytes come first, then the clean end. */
    CHECK_INT(cli_call("mock-eof", NULL), TNX_OK);
    CHECK_STR(K.ar.id, "mock-eof");
    CHECK_INT(cli_call("mock-eof+bytewise", NULL), TNX_OK);
    CHECK_STR(K.ar.id, "mock-eof+bytewise");
    /* The whole body, then TCP closes with no close_notify: no framing
     * says the body was complete, so it may have been cut. */
    CHECK_INT(cli_call("mock-eof+reset-999999", NULL), TNX_E_CLOSED);
    CHECK_STR(K.err.where, "response");
    CHECK_INT(K.err.attempts, 1);
    /* The same close after a body whose length is known is fine. */
    CHECK_INT(cli_call_fresh("mock-reset-999999", m.port), TNX_OK);
    CHECK_INT(cli_call_fresh("mock-chunked+reset-999999", m.port), TNX_OK);
    cli_close();
    mock_stop(&m, NULL);
}

/* The mock sends the first N bytes of its answer and closes TCP without
 * close_notify.  Below the answer's length every N is a clean
 * TNX_E_CLOSED with one request sent; from it on, the answer. */
TEST(a_reset_after_n_bytes_is_a_clean_error_for_every_n_sampled)
{
    e2e_mock m;
    char id[32];
    unsigned lo = 0, hi = 4096, n, bad = 0, tried = 0, search = 0;
    CHECK(mock_start(&m) && cli_open("localhost", m.port));
    /* The answer's length: the least N that gets the answer (six digits
     * keep the length of the id, and so of the answer, the same). */
    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        snprintf(id, sizeof id, "mock-reset-%06u", mid);
        search++;
        if (cli_call_fresh(id, m.port) == TNX_OK) hi = mid;
        else lo = mid + 1;
    }
    CHECK(lo > 300 && lo < 4096);
    /* Every other offset in the head, every 13th in the body, then each of
     * the last 8 (every single offset is cut in test_http_bytecut). */
    for (n = 0; n <= lo; n += n + 8 > lo ? 1 : n < 200 ? 2 : 13) {
        tnx_status want = n < lo ? TNX_E_CLOSED : TNX_OK, got;
        snprintf(id, sizeof id, "mock-reset-%06u", n);
        got = cli_call_fresh(id, m.port);
        tried++;
        if (got != want || K.err.attempts != 1) {
            if (bad++ < 5)
                printf("  reset after %u of %u: %s, %u attempts\n", n, lo,
                       tnx_status_name(got), K.err.attempts);
        }
    }
    TT_REPORT(bad == 0, "%u of %u offsets wrong", bad, tried);
    printf("  answer of %u bytes cut at %u offsets\n", lo, tried);
    cli_close();
    /* Each of those calls was one request. */
    CHECK_INT(mock_stop(&m, "(reset after"), tried + search);
}

TEST(a_huge_answer_streams_through_tls_and_the_cap_stops_it)
{
    e2e_mock m;
    CHECK(mock_start(&m) && cli_open("localhost", m.port));
    K.c.cfg.body_max = 2u << 20;
    CHECK_INT(cli_call("mock-huge-1024", NULL), TNX_OK);
    CHECK_STR(K.ar.id, "mock-huge-1024");
    CHECK_INT(cli_call("mock-huge-1024+chunked", NULL), TNX_OK);
    K.c.cfg.body_max = 64u << 10;
    CHECK_INT(cli_call("mock-huge-1024", NULL), TNX_E_BODY_LARGE);
    CHECK_INT(K.c.connected, 0);
    cli_close();
    mock_stop(&m, NULL);
}

/* ---- retries as the server sees them ---- */

TEST(retries_reach_the_server_only_when_safe)
{
    e2e_mock m;
    tnx_call_opts o;
    uint32_t t0;
    memset(&o, 0, sizeof o);
    CHECK(mock_start(&m) && cli_open("localhost", m.port));
    o.max_attempts = 2;
    t0 = now_ms();
    CHECK_INT(cli_call("mock-429", &o), TNX_E_API);
    CHECK(now_ms() - t0 >= 1000); /* Retry-After: 1 */
    CHECK_INT(K.err.http_status, 429);
    CHECK_INT(K.err.attempts, 2);
    CHECK_INT(K.err.retry_after_ms, 1000);
    CHECK_STR(K.err.retry_stop, "max_attempts reached");
    CHECK(K.err.request_id[0] != 0);
    t0 = now_ms();
    CHECK_INT(cli_call("mock-503", NULL), TNX_E_API);
    CHECK(now_ms() - t0 >= 400); /* retry-after-ms: 200, twice */
    CHECK_INT(K.err.attempts, 3);
    CHECK_INT(cli_call("mock-500", NULL), TNX_E_API);
    CHECK_INT(K.err.attempts, 1);
    o.retry_unsafe = 1;
    CHECK_INT(cli_call("mock-500", &o), TNX_E_API);
    CHECK_INT(K.err.attempts, 2);
    /* The request arrived, the answer never came: not sent again. */
    CHECK_INT(cli_call("mock-reset-000000", NULL), TNX_E_CLOSED);
    CHECK_INT(K.err.attempts, 1);
    cli_close();
    CHECK_INT(mock_stop(&m, "/mock-429/initiate -> 429"), 2);
}

static unsigned count_in_log(const e2e_mock *m, const char *needle)
{
    static char log[1 << 16];
    unsigned n = 0;
    const char *p;
    e2e_read(m->log, log, sizeof log);
    for (p = log; (p = strstr(p, needle)) != NULL; p++) n++;
    return n;
}

TEST(the_server_sees_each_request_as_often_as_the_rule_says)
{
    e2e_mock m;
    tnx_call_opts o;
    memset(&o, 0, sizeof o);
    CHECK(mock_start(&m) && cli_open("localhost", m.port));
    CHECK_INT(cli_call("mock-503", NULL), TNX_E_API);
    CHECK_INT(cli_call("mock-500", NULL), TNX_E_API);
    /* On the connection kept after the 500: the probe finds it open, the
     * request goes, the server closes without an answer. */
    o.retry_unsafe = 1;
    o.max_attempts = 2;
    CHECK_INT(cli_call("mock-errors-1", &o), TNX_E_API); /* 422: final */
    CHECK_INT(cli_call("mock-reset-000000", NULL), TNX_E_CLOSED);
    cli_close();
    mock_stop(&m, NULL);
    CHECK_INT(count_in_log(&m, "/mock-503/initiate -> 503"), 3);
    CHECK_INT(count_in_log(&m, "/mock-500/initiate -> 500"), 1);
    CHECK_INT(count_in_log(&m, "/mock-errors-1/initiate -> 422"), 1);
    CHECK_INT(count_in_log(&m, "/mock-reset-000000/initiate -> "), 1);
}

TEST(a_refused_connection_is_retried_with_backoff)
{
    e2e_mock m;
    unsigned port;
    CHECK(mock_start(&m));
    port = m.port;
    mock_stop(&m, NULL); /* nobody listens there now */
    CHECK(cli_open("127.0.0.1", port));
    CHECK_INT(cli_call("AR-1", NULL), TNX_E_CONNECT);
    CHECK_INT(K.err.attempts, 3);
    CHECK_INT(K.connects, 3);
    CHECK_STR(K.err.retry_stop, "max_attempts reached");
    cli_close();
}

TEST(the_cli_names_the_request_id_and_the_attempts)
{
    e2e_mock m;
    char url[64];
    const char *err;
    const char *args[] = { "--base-url", url, "--ca-file",
                           "tests/certs/ca.pem", "--porting-order-id", "P",
                           "--id", "mock-503", "--first-name", "J",
                           "--last-name", "D", NULL };
    CHECK(mock_start(&m));
    snprintf(url, sizeof url, "https://localhost:%u/v2", m.port);
    CHECK_INT(e2e_cli(KEY, args), 5);
    err = e2e_err();
    CHECK(strncmp(err, "initiate: HTTP 503: 10010 ", 26) == 0);
    CHECK(strstr(err, " [request id ") != NULL);
    CHECK(strstr(err, " [3 attempts; max_attempts reached]\n") != NULL);
    mock_stop(&m, NULL);
}

/* ---- deadlines ---- */

/* A loopback listener nobody accepts from.  With backlog 0 and one
 * connection queued, the next connect gets no answer to its SYN. */
static int listener(int full, unsigned *port, int *filler)
{
    struct sockaddr_in a;
    socklen_t al = sizeof a;
    int l = socket(AF_INET, SOCK_STREAM, 0);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof a) != 0 ||
        listen(l, full ? 0 : 4) != 0 ||
        getsockname(l, (struct sockaddr *)&a, &al) != 0)
        return -1;
    *port = ntohs(a.sin_port);
    *filler = -1;
    if (full) {
        *filler = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(*filler, (struct sockaddr *)&a, sizeof a) != 0) return -1;
    }
    return l;
}

typedef struct deadline_case {
    const char *what;
    int kind;              /* DL_MOCK, DL_CONNECT, DL_HANDSHAKE */
    const char *id;        /* DL_MOCK: the mock mode */
    uint32_t asked;        /* the deadline that must end the call */
    const char *where;
} deadline_case;

enum { DL_MOCK, DL_CONNECT, DL_HANDSHAKE };

static int bench;

/* One case: the call must end with TNX_E_TIMEOUT, not before `asked`;
 * returns the time it took. */
static uint32_t deadline_run(const deadline_case *d, const e2e_mock *m)
{
    tnx_call_opts o;
    unsigned port = m->port;
    int l = -1, filler = -1;
    uint32_t t0, took;
    tnx_status st;

    memset(&o, 0, sizeof o);
    o.max_attempts = 1;
    if (d->kind == DL_MOCK) {
        o.timeout_ms = d->asked; /* per call; the client's is 10 s */
    } else {
        l = listener(d->kind == DL_CONNECT, &port, &filler);
        o.timeout_ms = d->asked * 4;
        if (d->kind == DL_CONNECT) o.connect_timeout_ms = d->asked;
        else o.tls_timeout_ms = d->asked;
    }
    CHECK(cli_open(d->kind == DL_MOCK ? "localhost" : "127.0.0.1", port));
    t0 = now_ms();
    st = cli_call(d->id, &o);
    took = now_ms() - t0;
    TT_REPORT(st == TNX_E_TIMEOUT && took >= d->asked && K.err.where &&
              strcmp(K.err.where, d->where) == 0,
              "%s: %s at %s after %u ms, asked %u", d->what,
              tnx_status_name(st), K.err.where ? K.err.where : "-",
              (unsigned)took, (unsigned)d->asked);
    cli_close();
    if (filler >= 0) close(filler);
    if (l >= 0) close(l);
    return took;
}

static void deadline_table(const deadline_case *cases, size_t n, int runs)
{
    e2e_mock m;
    size_t i;
    int r;
    CHECK(mock_start(&m));
    printf("  %-44s %8s %8s %8s %7s\n", "deadline", "asked", "min", "max",
           "over");
    for (i = 0; i < n; i++) {
        uint32_t lo = UINT32_MAX, hi = 0;
        for (r = 0; r < runs; r++) {
            uint32_t t = deadline_run(&cases[i], &m);
            if (t < lo) lo = t;
            if (t > hi) hi = t;
        }
        printf("  %-44s %5u ms %5u ms %5u ms %6.1f%%\n", cases[i].what,
               (unsigned)cases[i].asked, (unsigned)lo, (unsigned)hi,
               100.0 * ((double)hi - cases[i].asked) / cases[i].asked);
    }
    mock_stop(&m, NULL);
}

TEST(deadlines_end_calls_to_slow_silent_and_absent_servers)
{
    static const deadline_case short_cases[] = {
        { "whole call, server silent (stall)", DL_MOCK, "mock-stall", 800,
          "receive" },
        { "whole call, 1 byte per 200 ms (slow-200)", DL_MOCK,
          "mock-slow-200", 1500, "receive" },
        { "whole call, 1 byte per second (slow-1000)", DL_MOCK,
          "mock-slow-1000", 2500, "receive" },
        { "TCP connect, SYN unanswered", DL_CONNECT, "AR-1", 500,
          "connect" },
        { "TLS handshake, server silent", DL_HANDSHAKE, "AR-1", 600,
          "tls handshake" },
    };
    static const deadline_case long_cases[] = {
        { "whole call, server silent (stall)", DL_MOCK, "mock-stall", 3000,
          "receive" },
        { "whole call, 1 byte per 200 ms (slow-200)", DL_MOCK,
          "mock-slow-200", 3000, "receive" },
        { "whole call, 1 byte per second (slow-1000)", DL_MOCK,
          "mock-slow-1000", 5500, "receive" },
        { "TCP connect, SYN unanswered", DL_CONNECT, "AR-1", 2000,
          "connect" },
        { "TLS handshake, server silent", DL_HANDSHAKE, "AR-1", 2000,
          "tls handshake" },
    };
    if (bench)
        deadline_table(long_cases, sizeof long_cases / sizeof long_cases[0],
                       3);
    else
        deadline_table(short_cases,
                       sizeof short_cases / sizeof short_cases[0], 1);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0); /* progress shows as it happens */
    bench = argc > 1 && strcmp(argv[1], "--bench") == 0;
    if (!e2e_init(argc, argv)) return 1;
    ca_len = e2e_read("tests/certs/ca.pem", ca_pem, sizeof ca_pem);
    if (bench) {
        RUN(deadlines_end_calls_to_slow_silent_and_absent_servers);
    } else {
        RUN(a_kept_connection_serves_the_next_call);
        RUN(connection_close_is_honoured);
        RUN(close_notify_ends_a_body_a_bare_tcp_close_truncates_it);
        RUN(a_reset_after_n_bytes_is_a_clean_error_for_every_n_sampled);
        RUN(a_huge_answer_streams_through_tls_and_the_cap_stops_it);
        RUN(retries_reach_the_server_only_when_safe);
        RUN(the_server_sees_each_request_as_often_as_the_rule_says);
        RUN(a_refused_connection_is_retried_with_backoff);
        RUN(the_cli_names_the_request_id_and_the_attempts);
        RUN(deadlines_end_calls_to_slow_silent_and_absent_servers);
    }
    e2e_cleanup();
    return tt_summary();
}
