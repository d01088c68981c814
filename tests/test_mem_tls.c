/* test_mem_tls.c - a real mbedTLS handshake through the mem port's pipe, in
 * one thread: the client's hooks pump the server whenever the client would
 * block.  Proves that the pipe mode can carry the library's TLS tests.
 * Uses the test PKI in tests/certs (run from the top of the tree; mbedTLS
 * 3 no longer ships built-in test certificates) and the mem port's counter
 * "entropy": for tests only. */
#include "ports/tnx_port_mem.h"

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/version.h>
#include <mbedtls/x509_crt.h>
#if MBEDTLS_VERSION_NUMBER >= 0x03000000 && defined(MBEDTLS_PSA_CRYPTO_C)
#include <psa/crypto.h>
#endif
#include <stdio.h>
#include <string.h>

static unsigned passed, failed;

static void check(int ok, const char *name, const char *detail, int value)
{
    if (ok) {
        printf("ok - mem-tls: %s\n", name);
        passed++;
    } else {
        printf("FAIL - mem-tls: %s: %s %d (-0x%04x)\n", name, detail, value,
               (unsigned)(value < 0 ? -value : value));
        failed++;
    }
}

/* One TLS end over a tnx_port. */
typedef struct end {
    tnx_port port;
    tnx_mem mem;
    mbedtls_ssl_context ssl;
    mbedtls_ssl_config conf;
    mbedtls_ctr_drbg_context drbg;
    uint32_t timeout_ms;
} end;

/* The BIO callbacks map the hook results onto mbedTLS's codes, as the
 * library's TLS layer will. */
static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
    end *e = (end *)ctx;
    int n = e->port.send(e->port.ctx, buf, len, e->timeout_ms);
    if (n > 0)
        return n;
    return n == TNX_IO_TIMEOUT ? MBEDTLS_ERR_SSL_WANT_WRITE
                               : MBEDTLS_ERR_NET_SEND_FAILED;
}

static int bio_recv(void *ctx, unsigned char *buf, size_t len)
{
    end *e = (end *)ctx;
    int n = e->port.recv(e->port.ctx, buf, len, e->timeout_ms);
    if (n > 0)
        return n;
    if (n == TNX_IO_TIMEOUT)
        return MBEDTLS_ERR_SSL_WANT_READ;
    return n == TNX_IO_CLOSED ? MBEDTLS_ERR_SSL_CONN_EOF
                              : MBEDTLS_ERR_NET_RECV_FAILED;
}

static int entropy(void *ctx, unsigned char *buf, size_t len)
{
    const tnx_port *p = (const tnx_port *)ctx;
    return p->entropy(p->ctx, buf, len);
}

static int end_init(end *e, int endpoint)
{
    static const unsigned char pers[] = "mem-tls";
    int rc;

    tnx_mem_port(&e->port, &e->mem);
    mbedtls_ssl_init(&e->ssl);
    mbedtls_ssl_config_init(&e->conf);
    mbedtls_ctr_drbg_init(&e->drbg);
    if (endpoint == MBEDTLS_SSL_IS_SERVER)
        e->mem.counter = 128;   /* the two ends draw different bytes */
    rc = mbedtls_ctr_drbg_seed(&e->drbg, entropy, &e->port, pers,
                               sizeof pers - 1);
    if (rc == 0)
        rc = mbedtls_ssl_config_defaults(&e->conf, endpoint,
                                         MBEDTLS_SSL_TRANSPORT_STREAM,
                                         MBEDTLS_SSL_PRESET_DEFAULT);
    mbedtls_ssl_conf_rng(&e->conf, mbedtls_ctr_drbg_random, &e->drbg);
    return rc;
}

static void end_free(end *e)
{
    mbedtls_ssl_free(&e->ssl);
    mbedtls_ssl_config_free(&e->conf);
    mbedtls_ctr_drbg_free(&e->drbg);
}

/* The server's turn, run by the client's pump: handshake, then echo. */
typedef struct server {
    end e;
    int handshake_rc, echoed;
} server;

static void server_step(void *ctx)
{
    server *s = (server *)ctx;
    unsigned char buf[64];
    int n;

    if (s->handshake_rc != 0) {
        s->handshake_rc = mbedtls_ssl_handshake(&s->e.ssl);
        return;
    }
    n = mbedtls_ssl_read(&s->e.ssl, buf, sizeof buf);
    if (n > 0 && mbedtls_ssl_write(&s->e.ssl, buf, (size_t)n) == n)
        s->echoed += n;
}

int main(void)
{
    static uint8_t ring_c[1024], ring_s[1024];   /* small: partial sends */
    mbedtls_x509_crt ca, srv_crt;
    mbedtls_pk_context srv_key;
    unsigned char reply[16];
    static server s;
    static end c;
    int rc, i, n = 0;

    mbedtls_x509_crt_init(&ca);
    mbedtls_x509_crt_init(&srv_crt);
    mbedtls_pk_init(&srv_key);
    rc = 0;
#if MBEDTLS_VERSION_NUMBER >= 0x03000000 && defined(MBEDTLS_PSA_CRYPTO_C)
    /* mbedTLS 3's TLS 1.3 code computes with PSA. */
    if (psa_crypto_init() != PSA_SUCCESS)
        rc = -1;
#endif
    if (rc == 0)
        rc = mbedtls_x509_crt_parse_file(&ca, "tests/certs/ca.pem");
    if (rc == 0)
        rc = mbedtls_x509_crt_parse_file(&srv_crt, "tests/certs/server.pem");
    if (rc == 0)
        rc = end_init(&s.e, MBEDTLS_SSL_IS_SERVER);
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
    if (rc == 0)
        rc = mbedtls_pk_parse_keyfile(&srv_key, "tests/certs/server.key",
                                      NULL, mbedtls_ctr_drbg_random,
                                      &s.e.drbg);
#else
    if (rc == 0)
        rc = mbedtls_pk_parse_keyfile(&srv_key, "tests/certs/server.key",
                                      NULL);
#endif
    if (rc == 0)
        rc = end_init(&c, MBEDTLS_SSL_IS_CLIENT);
    if (rc == 0)
        rc = mbedtls_ssl_conf_own_cert(&s.e.conf, &srv_crt, &srv_key);
    mbedtls_ssl_conf_ca_chain(&c.conf, &ca, NULL);
    mbedtls_ssl_conf_authmode(&c.conf, MBEDTLS_SSL_VERIFY_REQUIRED);
    if (rc == 0)
        rc = mbedtls_ssl_setup(&c.ssl, &c.conf);
    if (rc == 0)
        rc = mbedtls_ssl_setup(&s.e.ssl, &s.e.conf);
    if (rc == 0)
        rc = mbedtls_ssl_set_hostname(&c.ssl, "localhost");
    check(rc == 0, "set up client and server", "returned", rc);

    tnx_mem_pipe(&c.mem, ring_c, sizeof ring_c, &s.e.mem, ring_s,
                 sizeof ring_s);
    c.mem.pump = server_step;
    c.mem.pump_ctx = &s;
    c.timeout_ms = 1000;        /* the client "blocks"; the server polls */
    s.e.timeout_ms = 0;
    s.handshake_rc = MBEDTLS_ERR_SSL_WANT_READ;
    mbedtls_ssl_set_bio(&c.ssl, &c, bio_send, bio_recv, NULL);
    mbedtls_ssl_set_bio(&s.e.ssl, &s.e, bio_send, bio_recv, NULL);
    (void)c.port.connect(c.port.ctx, "localhost", 443, 1000);

    rc = MBEDTLS_ERR_SSL_WANT_READ;
    for (i = 0; i < 100 && (rc == MBEDTLS_ERR_SSL_WANT_READ ||
                            rc == MBEDTLS_ERR_SSL_WANT_WRITE); i++)
        rc = mbedtls_ssl_handshake(&c.ssl);
    /* In TLS 1.3 the client is done first: the server ends its handshake
     * when it reads the client's Finished. */
    for (i = 0; i < 100 && (s.handshake_rc == MBEDTLS_ERR_SSL_WANT_READ ||
                            s.handshake_rc == MBEDTLS_ERR_SSL_WANT_WRITE); i++)
        server_step(&s);
    check(rc == 0 && s.handshake_rc == 0, "handshake completes in one thread",
          "client returned", rc);
    check(mbedtls_ssl_get_verify_result(&c.ssl) == 0,
          "the server certificate verifies", "flags",
          (int)mbedtls_ssl_get_verify_result(&c.ssl));

    if (rc == 0)
        rc = mbedtls_ssl_write(&c.ssl, (const unsigned char *)"ping", 4);
    for (i = 0; i < 100 && rc == 4 && n < 4; i++) {
        int r = mbedtls_ssl_read(&c.ssl, reply + n, sizeof reply - (size_t)n);
        if (r > 0)
            n += r;
        else if (r != MBEDTLS_ERR_SSL_WANT_READ)
            break;
    }
    check(n == 4 && memcmp(reply, "ping", 4) == 0 && s.echoed == 4,
          "application data goes both ways", "client read", n);

    end_free(&c);
    end_free(&s.e);
    mbedtls_x509_crt_free(&ca);
    mbedtls_x509_crt_free(&srv_crt);
    mbedtls_pk_free(&srv_key);
    printf("%u passed, %u failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
