/* test_http_tls.c - the end of the stream and the would-block results under
 * TLS, deterministically: the client talks to an mbedTLS server in the same
 * thread through the mem port's pipe, and the server decides exactly what
 * sits in the pipe when the client reads (answer and close_notify in one
 * go, a TCP close without close_notify, ...).  Send and recv are made to
 * say "would block" every other call, so mbedTLS returns WANT_WRITE and
 * WANT_READ throughout.  With mbedTLS 3.x and TLS 1.3 the server also
 * sends NewSessionTicket messages.  Run from the top of the tree. */
#define TELNYX_PORTING_IMPLEMENTATION
#include "telnyx_porting.h"
#include "tnx_port_mem.h"
#include "tnx_test.h"

#include <stdlib.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>
#if defined(MBEDTLS_SSL_TICKET_C)
#include <mbedtls/ssl_ticket.h>
#endif

/* How the server ends after its answer. */
enum srv_end { END_KEEP, END_NOTIFY, END_TCP };

typedef struct srv {
    tnx_port port;
    tnx_mem mem;
    mbedtls_ssl_context ssl;
    mbedtls_ssl_config conf;
    mbedtls_ctr_drbg_context drbg;
    mbedtls_x509_crt crt;
    mbedtls_pk_context key;
#if defined(MBEDTLS_SSL_TICKET_C)
    mbedtls_ssl_ticket_context tickets;
#endif
    int state;                /* 0 handshake, 1 request, 2 answer, 3 done */
    char req[4096], last_req[4096];
    size_t req_len, req_total;
    const char *answer;       /* what to send for each request */
    enum srv_end end;
    unsigned requests, connections;
} srv;

static srv S;
static uint8_t ring_c[1 << 16], ring_s[1 << 16];

/* The client's port: the mem pipe, with every other send and recv
 * answering "would block" (no time passes). */
typedef struct cli {
    tnx_mem mem;
    tnx_port port, inner;
    tnx_client c;
    tnx_action_requirement ar;
    tnx_error err;
    unsigned sends, recvs, blocked;
    unsigned blocked_sends_after_handshake;
} cli;

static cli C;

static int s_send(void *ctx, const unsigned char *b, size_t n)
{
    srv *s = (srv *)ctx;
    int r = s->port.send(s->port.ctx, b, n, 0);
    if (r > 0) return r;
    return r == TNX_IO_TIMEOUT ? MBEDTLS_ERR_SSL_WANT_WRITE : -1;
}

static int s_recv(void *ctx, unsigned char *b, size_t n)
{
    srv *s = (srv *)ctx;
    int r = s->port.recv(s->port.ctx, b, n, 0);
    if (r > 0) return r;
    if (r == TNX_IO_TIMEOUT) return MBEDTLS_ERR_SSL_WANT_READ;
    return r == TNX_IO_CLOSED ? 0 : -1;
}

static int s_entropy(void *ctx, unsigned char *b, size_t n)
{
    srv *s = (srv *)ctx;
    return s->port.entropy(s->port.ctx, b, n);
}

/* The request is whole once its head and Content-Length bytes are in. */
static int request_done(srv *s)
{
    const char *end, *cl;
    s->req[s->req_len] = 0;
    end = strstr(s->req, "\r\n\r\n");
    cl = strstr(s->req, "Content-Length: ");
    if (!end || !cl) return 0;
    return s->req_len >= (size_t)(end + 4 - s->req) + (size_t)atoi(cl + 16);
}

/* The server's turn (the client's pump calls it when it would block). */
static void server_step(void *ctx)
{
    srv *s = (srv *)ctx;
    int r;
    if (s->state == 0) {
        r = mbedtls_ssl_handshake(&s->ssl);
        if (r == 0) s->state = 1;
        return;
    }
    if (s->state == 1) {
        r = mbedtls_ssl_read(&s->ssl, (unsigned char *)s->req + s->req_len,
                             sizeof s->req - 1 - s->req_len);
        if (r > 0) s->req_len += (size_t)r;
        if (!request_done(s)) return;
        s->requests++;
        s->req_total += s->req_len;
        memcpy(s->last_req, s->req, s->req_len + 1);
        s->state = 2;
    }
    if (s->state == 2) {
        size_t n = strlen(s->answer);
        r = mbedtls_ssl_write(&s->ssl, (const unsigned char *)s->answer, n);
        if (r != (int)n) return; /* the ring is big enough: not reached */
        s->req_len = 0;
        s->state = 1;
        if (s->end == END_KEEP) return;
        if (s->end == END_NOTIFY) mbedtls_ssl_close_notify(&s->ssl);
        s->port.close(s->port.ctx); /* TCP close, seen after the bytes */
        s->state = 3;
    }
}

/* A new connection: the pipe starts empty and the server afresh. */
static int c_connect(void *ctx, const char *host, uint16_t port, uint32_t t)
{
    (void)ctx;
    tnx_mem_pipe(&C.mem, ring_c, sizeof ring_c, &S.mem, ring_s,
                 sizeof ring_s);
    C.mem.pump = server_step;
    C.mem.pump_ctx = &S;
    mbedtls_ssl_session_reset(&S.ssl);
    S.state = 0;
    S.req_len = 0;
    S.connections++;
    return C.inner.connect(C.inner.ctx, host, port, t);
}

static int client_handshake_over(void)
{
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
    return mbedtls_ssl_is_handshake_over(&C.c.ssl);
#else
    return C.c.ssl.state == MBEDTLS_SSL_HANDSHAKE_OVER;
#endif
}

static int c_send(void *ctx, const uint8_t *b, size_t n, uint32_t t)
{
    (void)ctx;
    if (C.sends++ % 2 == 0) {
        C.blocked++;
        if (client_handshake_over()) C.blocked_sends_after_handshake++;
        return TNX_IO_TIMEOUT;
    }
    return C.inner.send(C.inner.ctx, b, n, t);
}

/* A read that may not wait (t == 0) is answered truly: the contract says
 * it reports whether bytes are there. */
static int c_recv(void *ctx, uint8_t *b, size_t n, uint32_t t)
{
    (void)ctx;
    if (t > 0 && C.recvs++ % 2 == 0) {
        C.blocked++;
        return TNX_IO_TIMEOUT;
    }
    return C.inner.recv(C.inner.ctx, b, n, t);
}

static char ca_pem[8192];

static int server_init(void)
{
    static const unsigned char pers[] = "test_http_tls";
    int rc;
    memset(&S, 0, sizeof S);
    tnx_mem_port(&S.port, &S.mem);
    S.mem.counter = 128; /* not the client's bytes */
    mbedtls_ssl_init(&S.ssl);
    mbedtls_ssl_config_init(&S.conf);
    mbedtls_ctr_drbg_init(&S.drbg);
    mbedtls_x509_crt_init(&S.crt);
    mbedtls_pk_init(&S.key);
    rc = mbedtls_ctr_drbg_seed(&S.drbg, s_entropy, &S, pers, sizeof pers - 1);
    if (!rc) rc = mbedtls_x509_crt_parse_file(&S.crt, "tests/certs/server.pem");
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
    if (!rc)
        rc = mbedtls_pk_parse_keyfile(&S.key, "tests/certs/server.key", NULL,
                                      mbedtls_ctr_drbg_random, &S.drbg);
#else
    if (!rc) rc = mbedtls_pk_parse_keyfile(&S.key, "tests/certs/server.key",
                                           NULL);
#endif
    if (!rc)
        rc = mbedtls_ssl_config_defaults(&S.conf, MBEDTLS_SSL_IS_SERVER,
                                         MBEDTLS_SSL_TRANSPORT_STREAM,
                                         MBEDTLS_SSL_PRESET_DEFAULT);
    mbedtls_ssl_conf_rng(&S.conf, mbedtls_ctr_drbg_random, &S.drbg);
    if (!rc) rc = mbedtls_ssl_conf_own_cert(&S.conf, &S.crt, &S.key);
#if defined(MBEDTLS_SSL_TICKET_C)
    /* Tickets: under TLS 1.3 they come as post-handshake messages that
     * the client's reads must pass over. */
    mbedtls_ssl_ticket_init(&S.tickets);
    if (!rc)
        rc = mbedtls_ssl_ticket_setup(&S.tickets, mbedtls_ctr_drbg_random,
                                      &S.drbg, MBEDTLS_CIPHER_AES_256_GCM,
                                      86400);
    if (!rc)
        mbedtls_ssl_conf_session_tickets_cb(&S.conf, mbedtls_ssl_ticket_write,
                                            mbedtls_ssl_ticket_parse,
                                            &S.tickets);
#endif
    if (!rc) rc = mbedtls_ssl_setup(&S.ssl, &S.conf);
    mbedtls_ssl_set_bio(&S.ssl, &S, s_send, s_recv, NULL);
    return rc;
}

static void server_free(void)
{
    mbedtls_ssl_free(&S.ssl);
    mbedtls_ssl_config_free(&S.conf);
    mbedtls_ctr_drbg_free(&S.drbg);
    mbedtls_x509_crt_free(&S.crt);
    mbedtls_pk_free(&S.key);
#if defined(MBEDTLS_SSL_TICKET_C)
    mbedtls_ssl_ticket_free(&S.tickets);
#endif
}

static int setup(const char *answer, enum srv_end end)
{
    tnx_config cfg = tnx_config_default();
    int rc = server_init();
    S.answer = answer;
    S.end = end;
    memset(&C, 0, sizeof C);
    tnx_mem_port(&C.inner, &C.mem);
    C.port = C.inner;
    C.port.connect = c_connect;
    C.port.send = c_send;
    C.port.recv = c_recv;
    cfg.base_url = "https://localhost/v2";
    cfg.api_key = "TLSKEY";
    cfg.ca = (const unsigned char *)ca_pem;
    cfg.ca_len = strlen(ca_pem) + 1;
    cfg.port = &C.port;
    cfg.timeout_ms = 30000;
    cfg.max_attempts = 1;
    if (!rc) rc = (int)tnx_client_init(&C.c, &cfg, &C.err);
    TT_REPORT(rc == 0, "setup: %d (-0x%04x)", rc, (unsigned)-rc);
    return rc == 0;
}

static void teardown(void)
{
    tnx_client_free(&C.c);
    server_free();
}

static tnx_status call(void)
{
    tnx_params p;
    p.first_name = "John";
    p.last_name = "Doe";
    return tnx_initiate(&C.c, "PO1", "AR1", &p, &C.ar, &C.err);
}

static const char body[] = "{\"data\":{\"id\":\"AR-TLS\",\"status\":\"pending\"}}";
static char with_length[512], chunked[512], no_length[512], short_len[512];

TEST(bytes_that_come_with_close_notify_are_read_before_the_end)
{
    if (!setup(no_length, END_NOTIFY)) return;
    CHECK_INT(call(), TNX_OK);
    CHECK_STR(C.ar.id, "AR-TLS");
    CHECK_INT(C.c.connected, 0);
    CHECK(C.blocked > 10); /* WANT_READ and WANT_WRITE were met */
    teardown();
}

TEST(a_tcp_close_without_close_notify_ends_only_a_framed_body)
{
    if (!setup(no_length, END_TCP)) return;
    CHECK_INT(call(), TNX_E_CLOSED);
    CHECK_STR(C.err.where, "response");
    teardown();
    if (!setup(with_length, END_TCP)) return;
    CHECK_INT(call(), TNX_OK);
    CHECK_STR(C.ar.id, "AR-TLS");
    teardown();
    if (!setup(chunked, END_TCP)) return;
    CHECK_INT(call(), TNX_OK);
    CHECK_STR(C.ar.id, "AR-TLS");
    teardown();
    /* close_notify is a clean end, but not of a body still owed bytes. */
    if (!setup(short_len, END_NOTIFY)) return;
    CHECK_INT(call(), TNX_E_CLOSED);
    teardown();
}

TEST(would_block_on_send_retries_the_same_bytes)
{
    char want[512];
    int n;
    if (!setup(with_length, END_KEEP)) return;
    CHECK_INT(call(), TNX_OK);
    CHECK_INT(call(), TNX_OK);
    CHECK_INT(S.requests, 2);
    CHECK_INT(S.connections, 1); /* kept, and found open by the probe */
    n = sprintf(want, "POST /v2/porting_orders/PO1/action_requirements/AR1/"
                      "initiate HTTP/1.1\r\nHost: localhost\r\n"
                      "Authorization: Bearer TLSKEY\r\n"
                      "Content-Type: application/json\r\n"
                      "Accept: application/json\r\n"
                      "User-Agent: telnyx_porting.h/" TNX_VERSION "\r\n"
                      "Content-Length: 50\r\n\r\n{\"params\":{\"first_name\":"
                      "\"John\",\"last_name\":\"Doe\"}}");
    /* Each request arrived whole and exact, not a byte twice. */
    CHECK_STR(S.last_req, want);
    CHECK_INT(S.req_total, 2 * (size_t)n);
    CHECK(C.blocked_sends_after_handshake >= 2); /* WANT_WRITE mid-request */
    teardown();
}

TEST(a_kept_connection_the_server_closed_with_close_notify_is_reopened)
{
    if (!setup(with_length, END_NOTIFY)) return;
    CHECK_INT(call(), TNX_OK);
    /* The answer had a length, so the client stopped there, kept the
     * connection, and has not seen the close_notify behind it yet. */
    CHECK_INT(C.c.connected, 1);
    CHECK_INT(call(), TNX_OK);
    CHECK_INT(S.connections, 2);
    CHECK_INT(S.requests, 2);
    CHECK_INT(C.err.attempts, 1);
    teardown();
}

#if defined(MBEDTLS_SSL_PROTO_TLS1_3) && defined(MBEDTLS_SSL_TICKET_C) && \
    defined(MBEDTLS_SSL_TLS1_3_SIGNAL_NEW_SESSION_TICKETS_ENABLED)
#define HAVE_TLS13 1
TEST(tls13_session_tickets_are_not_errors)
{
    if (!setup(with_length, END_KEEP)) return;
    /* mbedTLS 3.6 passes tickets over silently unless told to say so;
     * a client that keeps sessions (resumption) tells it, and then reads
     * return MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET. */
    mbedtls_ssl_conf_tls13_enable_signal_new_session_tickets(
        &C.c.conf, MBEDTLS_SSL_TLS1_3_SIGNAL_NEW_SESSION_TICKETS_ENABLED);
    CHECK_INT(call(), TNX_OK);
    CHECK_INT(mbedtls_ssl_get_version_number(&C.c.ssl),
              MBEDTLS_SSL_VERSION_TLS1_3);
    CHECK_INT(call(), TNX_OK);
    CHECK_INT(S.connections, 1);
    teardown();
}
#endif

int main(void)
{
    FILE *f = fopen("tests/certs/ca.pem", "rb");
    size_t n = f ? fread(ca_pem, 1, sizeof ca_pem - 1, f) : 0;
    if (f) fclose(f);
    ca_pem[n] = 0;
#if MBEDTLS_VERSION_NUMBER >= 0x03000000 && defined(MBEDTLS_PSA_CRYPTO_C)
    psa_crypto_init();
#endif
    sprintf(with_length, "HTTP/1.1 200 OK\r\nContent-Length: %u\r\n\r\n%s",
            (unsigned)strlen(body), body);
    sprintf(chunked, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "%x\r\n%s\r\n0\r\n\r\n", (unsigned)strlen(body), body);
    sprintf(no_length, "HTTP/1.1 200 OK\r\n\r\n%s", body);
    sprintf(short_len, "HTTP/1.1 200 OK\r\nContent-Length: %u\r\n\r\n%s",
            (unsigned)strlen(body) + 5, body);
    RUN(bytes_that_come_with_close_notify_are_read_before_the_end);
    RUN(a_tcp_close_without_close_notify_ends_only_a_framed_body);
    RUN(would_block_on_send_retries_the_same_bytes);
    RUN(a_kept_connection_the_server_closed_with_close_notify_is_reopened);
#ifdef HAVE_TLS13
    RUN(tls13_session_tickets_are_not_errors);
#else
    printf("skip - tls13_session_tickets_are_not_errors: mbedTLS %s has no "
           "TLS 1.3 (make test-tls13 builds 3.6)\n", MBEDTLS_VERSION_STRING);
#endif
    return tt_summary();
}
